"""Raw video requests in the consoles: asked on the duty console, decided on the street's."""

from __future__ import annotations

import hashlib
import re

import psycopg
from playwright.sync_api import expect

from tests.hub.web.conftest import Tab
from tests.hub.web.harness import scene, store

CLIP = b"\x00\x00\x00\x18ftypmp42" + bytes(2048)


def switch_user(tab: Tab, username: str, page: str) -> None:
    tab.page.evaluate("sessionStorage.clear()")
    tab.sign_in(username, expect_page=page)


def ask_for_raw(tab: Tab, reason: str) -> None:
    tab.page.click("li[data-type=falling_object]")
    box = tab.page.locator(".raw-box")
    expect(box.locator(".empty")).to_have_text("暂无调取申请")
    box.locator("button[data-raw=request]").click()
    tab.page.fill("dialog[open] textarea[name=reason]", reason)
    tab.page.click("dialog[open] button[type=submit]")
    expect(box.locator("li.raw-pending")).to_contain_text("待审批")


def test_request_then_the_street_rejects_or_cannot_reach_the_gateway(tab: Tab) -> None:
    store(tab.hub.database_url, scene())
    tab.sign_in("one-duty", expect_page="duty")
    ask_for_raw(tab, "警方调查需要原始视频，案件编号 117")
    # A community officer cannot approve, not even someone else's request.
    assert tab.page.locator(".raw-box button[data-raw=approve]").count() == 0

    switch_user(tab, "street", "street")
    panel = tab.page.locator("#releases")
    expect(panel.locator("li.raw-pending")).to_contain_text("one-duty")
    # Approving needs the broker to reach the gateway; this hub has none: nothing changes.
    panel.locator("button[data-raw=approve]").click()
    tab.page.click("dialog[open] button[type=submit]")
    expect(tab.page.locator("dialog[open] .ask-error")).to_contain_text(
        "does not talk to the broker"
    )
    tab.page.click("dialog[open] button[value=cancel]")
    panel.locator("button[data-raw=reject]").click()
    tab.page.fill("dialog[open] input[name=note]", "理由不充分")
    tab.page.click("dialog[open] button[type=submit]")
    expect(panel.locator("li.raw-rejected")).to_contain_text("审批人 street：理由不充分")
    assert tab.foreign_requests() == []


def test_only_the_asker_and_the_approver_watch_a_delivered_clip(tab: Tab) -> None:
    store(tab.hub.database_url, scene())
    tab.sign_in("one-duty", expect_page="duty")
    ask_for_raw(tab, "居民投诉核实，需要查看原始画面")
    # Approved by the street and delivered by the gateway (as the integration test does it).
    sha = hashlib.sha256(CLIP).hexdigest()
    with psycopg.connect(tab.hub.database_url) as conn:
        conn.execute(
            "UPDATE raw_releases SET status = 'approved', decided_by = 'street',"
            " decided_at = now(), sha256 = %s, delivered_at = now()",
            (sha,),
        )
        conn.execute(
            "INSERT INTO evidence (sha256, gateway_id, media_type, content, release_id)"
            " SELECT %s, gateway_id, 'video/mp4', %s, id FROM raw_releases",
            (sha, CLIP),
        )
    tab.page.reload()
    tab.page.wait_for_selector("main[aria-busy=false]")
    tab.page.click("li[data-type=falling_object]")
    view = tab.page.locator(".raw-box button[data-raw=view]")
    expect(tab.page.locator(".raw-box li")).to_contain_text("已送达")
    view.click()
    expect(tab.page.locator("dialog[open] video.raw-video")).to_have_attribute(
        "src", re.compile(r"^blob:")
    )
    assert any(u.endswith(f"/api/v1/evidence/{sha}") for u in tab.requests)
    with psycopg.connect(tab.hub.database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'raw_release.viewed'"
        ).fetchone()
    assert row is not None and row[0] == 1

    # Someone else in the same community sees the request but has no button to watch.
    switch_user(tab, "admin", "duty")
    tab.page.click("li[data-type=falling_object]")
    expect(tab.page.locator(".raw-box li")).to_contain_text("已送达")
    assert tab.page.locator(".raw-box button[data-raw=view]").count() == 0
