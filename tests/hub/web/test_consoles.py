"""Street, property security and caregiver consoles in a real browser."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from playwright.sync_api import expect

from protocol.models import Event
from tests.factories import sign_in
from tests.hub.web.conftest import Tab
from tests.hub.web.harness import CARED_FOR, scene, store
from tests.hub.web.shots import screenshot


def escalate(origin: str, alert_type: str) -> None:
    """The community escalates an alert to the street (through the API, as one-duty)."""
    with httpx.Client(base_url=origin) as client:
        rows = client.get("/api/v1/alerts", headers=sign_in(client, "one-duty")).json()
        alert = next(r for r in rows if r["type"] == alert_type)
        response = client.post(
            f"/api/v1/alerts/{alert['id']}/escalate",
            json={"note": "需要街道协调燃气公司"},
            headers=sign_in(client, "one-duty"),
        )
        assert response.status_code == 200, response.text


def test_street_sees_escalations_live_and_hands_back(tab: Tab, tmp_path: Path) -> None:
    store(tab.hub.database_url, scene())
    tab.sign_in("street", expect_page="street")
    tab.page.wait_for_selector("#live.on")
    assert tab.page.locator(".queue-panel .empty").is_visible()

    escalate(tab.hub.origin, "gas_alarm")
    row = tab.page.locator("li[data-type=gas_alarm]")
    row.wait_for()
    tab.page.wait_for_selector("tr[data-community=c-one] td.warn")  # escalated count recounted
    one = tab.page.locator("tr[data-community=c-one] td")
    assert [one.nth(i).inner_text() for i in range(3)] == ["3", "0", "1"]
    assert tab.page.locator(".overview-panel svg rect").count() == 4  # open + overdue per community
    row.click()
    tab.page.wait_for_selector("button[data-action=hand_back]")
    screenshot(tab.page, "street", tmp_path)
    tab.page.click("button[data-action=hand_back]")
    tab.page.fill("dialog[open] textarea[name=note]", "请社区联系物业关阀并回报")
    tab.page.click("dialog[open] button[type=submit]")
    row.wait_for(state="detached")
    with psycopg.connect(tab.hub.database_url) as conn:
        level, instructions = (
            conn.execute(
                "SELECT level, instructions FROM alerts WHERE type = 'gas_alarm'"
            ).fetchone()
            or ()
        )
    assert (level, instructions) == ("community", "请社区联系物业关阀并回报")
    assert tab.foreign_requests() == []


def test_street_sees_which_devices_raise_false_alarms(tab: Tab) -> None:
    store(tab.hub.database_url, scene())
    tab.sign_in("street", expect_page="street")
    tab.page.wait_for_selector("#live.on")
    expect(tab.page.locator("#false-alarms")).to_contain_text("近30天没有核实为误报的告警")
    with httpx.Client(base_url=tab.hub.origin) as client:
        headers = sign_in(client, "one-duty")
        rows = client.get("/api/v1/alerts", headers=headers).json()
        alert = next(r for r in rows if r["type"] == "falling_object")
        for action, body in [
            ("acknowledge", {}),
            ("resolve", {"note": "飞虫贴近镜头", "outcome": "false_alarm"}),
        ]:
            response = client.post(
                f"/api/v1/alerts/{alert['id']}/{action}", json=body, headers=headers
            )
            assert response.status_code == 200, response.text
    source = f"{alert['gateway_id']}/{alert['device_id']}"
    row = tab.page.locator(f"#false-alarms tr[data-source='{source}'] td")
    row.first.wait_for()  # recounted after the live change, without a reload
    assert [row.nth(i).inner_text() for i in range(4)] == [
        f"{alert['gateway_id']} / {alert['device_id']}",
        "1",
        "1",
        "100%",
    ]
    expect(tab.page.locator("#false-alarms th").first).to_have_text("类型")
    assert tab.foreign_requests() == []


def test_security_console_health_chart_gate_log_and_confirmed_commands(
    tab: Tab, tmp_path: Path
) -> None:
    store(tab.hub.database_url, scene())
    tab.sign_in("one-security", expect_page="security")
    gateway = tab.page.locator("button[data-gw=gw-a]")
    assert "在线" in gateway.inner_text()
    assert "falling.fps" in gateway.inner_text()
    assert "12.5" in gateway.inner_text()
    # A camera that no longer sees its calibrated view stands out on its gateway.
    fault = gateway.locator(".stat.warn", has_text="camera.cam_1.view_faults")
    expect(fault).to_have_count(1)
    # So does a gate lane whose plates go unread.
    expect(gateway.locator(".stat.warn", has_text="gate_read_faults")).to_have_count(1)
    assert "view_match" not in gateway.inner_text(), "the rest stays in the tooltip"
    assert tab.page.locator("button[data-gw=gw-c]").count() == 0  # another community's gate
    tab.page.wait_for_selector("#telemetry svg path")
    assert tab.page.locator("#telemetry svg path").count() == 2  # water flow and gas level
    assert tab.page.locator("#gatelog .empty").inner_text() == "暂无过车记录"
    screenshot(tab.page, "security", tmp_path)

    tab.page.fill("input[name=device]", "valve-1")
    tab.page.select_option("select[name=name]", "valve.close")
    tab.page.click("form.command button[type=submit]")
    question = tab.page.locator("dialog[open] .confirm-text")
    assert question.inner_text() == "确定对 gw-a 的设备 valve-1 执行「关闭燃气阀门」吗？"
    tab.page.click("dialog[open] button[value=cancel]")
    assert not any("/commands" in u for u in tab.requests)  # nothing sent without a yes

    tab.page.click("form.command button[type=submit]")
    tab.page.click("dialog[open] button[type=submit]")
    # This hub runs without a broker, so the hub refuses; the dialog shows why.
    expect(tab.page.locator("dialog[open] .ask-error")).to_contain_text(
        "does not talk to the broker"
    )
    assert tab.foreign_requests() == []


def vehicle(decision: str, reason: str, plate: str) -> Event:
    return Event(
        gateway_id="gw-a",
        device_id="lane-1",
        type="vehicle_pass",
        severity="minor" if decision == "hold" else "info",
        observed_at=datetime.now(UTC),
        data={
            "lane": "1",
            "direction": "in",
            "decision": decision,
            "reason": reason,
            "plate_masked": plate,
            "plate_pseudonym": "veh_" + "0" * 32,
        },
    )


def test_gate_log_and_the_guard_answers_held_vehicles(tab: Tab, tmp_path: Path) -> None:
    store(tab.hub.database_url, [*scene(), vehicle("open", "resident", "冀A·1**45")])
    tab.sign_in("one-security", expect_page="security")
    row = tab.page.locator("#gatelog tbody tr")
    assert row.count() == 1
    assert "冀A·1**45" in row.inner_text() and "放行" in row.inner_text()
    assert tab.page.locator("#waiting .empty").inner_text() == "没有等待放行的车辆"

    # A stranger arrives after the page loaded: it shows up without a reload.
    store(tab.hub.database_url, [vehicle("hold", "unknown", "苏E·5***L8")])
    card = tab.page.locator("#waiting article.held")
    expect(card).to_have_count(1, timeout=10_000)
    assert "苏E·5***L8" in card.inner_text() and "非登记车辆" in card.inner_text()
    screenshot(tab.page, "security-held", tmp_path)

    card.locator("button[data-open='0']").click()
    question = tab.page.locator("dialog[open] .confirm-text")
    assert question.inner_text() == "确认不放行 苏E·5***L8？道闸保持落杆。"
    tab.page.fill("dialog[open] input[name=note]", "未登记，已劝离")
    tab.page.click("dialog[open] button[type=submit]")
    expect(tab.page.locator("#waiting .empty")).to_be_visible()
    expect(tab.page.locator("#gatelog tbody tr.dec-hold")).to_contain_text(
        "人工拒绝（one-security）"
    )

    # Letting a car in needs the broker; this hub has none, so it says so and keeps the car.
    store(tab.hub.database_url, [vehicle("hold", "low_confidence", "浙G·8**05")])
    expect(card).to_have_count(1, timeout=10_000)
    card.locator("button[data-open='1']").click()
    tab.page.click("dialog[open] button[type=submit]")
    expect(tab.page.locator("dialog[open] .ask-error")).to_contain_text(
        "does not talk to the broker"
    )
    tab.page.click("dialog[open] button[value=cancel]")
    expect(card).to_have_count(1)
    assert tab.foreign_requests() == []


def test_caregiver_acknowledges_on_a_phone(phone: Tab, tmp_path: Path) -> None:
    store(phone.hub.database_url, scene())
    with httpx.Client(base_url=phone.hub.origin) as client:
        resident = {
            "id": CARED_FOR,
            "name": "张桂兰",
            "site_id": "u-one-1-1",
            "devices": [{"gateway_id": "gw-a", "device_id": "m1"}],
        }
        response = client.post(
            "/api/v1/care/residents", json=resident, headers=sign_in(client, "admin")
        )
        assert response.status_code == 201, response.text
    phone.sign_in("carer", expect_page="care")
    row = phone.page.locator("li.alert")
    assert row.count() == 1
    assert row.get_attribute("data-type") == "water_leak"
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing runs off a phone screen
    card = phone.page.locator("article.resident")
    expect(card).to_contain_text("张桂兰")
    expect(card.locator(".vitals svg path")).to_have_count(1)  # water flow of the last 24 h
    row.click()
    phone.page.click("button[data-action=acknowledge]")
    phone.page.wait_for_selector("li[data-type=water_leak][data-status=acknowledged]")
    expect(phone.page.locator("button[data-action]")).to_have_count(0)  # caregivers only ack
    screenshot(phone.page, "care-phone", tmp_path)
    assert phone.foreign_requests() == []
