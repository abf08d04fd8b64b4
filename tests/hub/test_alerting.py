"""Alert lifecycle, two-level escalation, role scopes, audit chain and live feed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from hub.alerts.audit import verify_chain
from hub.alerts.escalation import escalate_overdue
from hub.api.app import create_app
from hub.store import write_batch
from protocol.models import Telemetry
from tests.factories import add_users, alarm, hub_settings, readings, sign_in
from tests.integration.helpers import SCENARIO


@pytest.fixture
def api(database_url: str) -> Iterator[TestClient]:
    """API over a database with users and three alerts: two in c-one, one in c-two."""
    with TestClient(
        create_app(hub_settings(database_url, 1, scenario=SCENARIO), ingest=False)
    ) as c:
        add_users(database_url)
        with psycopg.connect(database_url) as conn:
            write_batch(
                conn,
                [
                    alarm("gw-a", "m1", "gas_alarm"),
                    alarm("gw-a", "m2", "water_leak").model_copy(
                        update={"severity": "minor", "data": {"resident_id": "r-a1b2c3"}}
                    ),
                    alarm("gw-b", "m1", "gas_alarm"),
                ],
                [],
            )
        yield c


def ids(client: TestClient, user: str, **params: str) -> list[int]:
    rows = client.get("/api/v1/alerts", headers=sign_in(client, user), params=params).json()
    return sorted(r["id"] for r in rows)


def act(client: TestClient, user: str, alert: int, action: str, **body: Any) -> Any:
    return client.post(f"/api/v1/alerts/{alert}/{action}", json=body, headers=sign_in(client, user))


def alert_id(client: TestClient, gateway: str, type_: str) -> int:
    rows = client.get("/api/v1/alerts", headers=sign_in(client, "admin")).json()
    return next(r["id"] for r in rows if r["gateway_id"] == gateway and r["type"] == type_)


@pytest.mark.parametrize(
    ("user", "sees"),
    [
        ("admin", {"gw-a/gas_alarm", "gw-a/water_leak", "gw-b/gas_alarm"}),
        ("street", {"gw-a/gas_alarm", "gw-a/water_leak", "gw-b/gas_alarm"}),
        ("one-duty", {"gw-a/gas_alarm", "gw-a/water_leak"}),
        ("one-security", {"gw-a/gas_alarm", "gw-a/water_leak"}),
        ("two-duty", {"gw-b/gas_alarm"}),
        ("carer", {"gw-a/water_leak"}),  # only the assigned resident's
    ],
)
def test_each_role_sees_only_its_scope(api: TestClient, user: str, sees: set[str]) -> None:
    rows = api.get("/api/v1/alerts", headers=sign_in(api, user)).json()
    assert {f"{r['gateway_id']}/{r['type']}" for r in rows} == sees


def test_scope_also_guards_details_actions_and_data(api: TestClient) -> None:
    other = alert_id(api, "gw-b", "gas_alarm")
    assert api.get(f"/api/v1/alerts/{other}", headers=sign_in(api, "one-duty")).status_code == 404
    assert act(api, "one-duty", other, "acknowledge").status_code == 404
    gateways = api.get("/api/v1/gateways", headers=sign_in(api, "one-duty")).json()
    assert {g["id"] for g in gateways} == {"gw-a"}
    events = api.get("/api/v1/events", headers=sign_in(api, "two-duty")).json()
    assert {e["gateway_id"] for e in events} == {"gw-b"}
    assert api.get("/api/v1/dead-letters", headers=sign_in(api, "street")).status_code == 403
    assert api.get("/api/v1/audit", headers=sign_in(api, "one-duty")).status_code == 403
    assert api.get("/api/v1/audit", headers=sign_in(api, "auditor")).status_code == 200
    assert api.get("/api/v1/alerts").status_code == 401
    assert api.get("/api/v1/alerts", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_sign_in_refusals_do_not_reveal_which_part_was_wrong(api: TestClient) -> None:
    for name, password in [("admin", "wrong-password"), ("nobody", "test-password-1")]:
        response = api.post("/api/v1/auth/login", json={"username": name, "password": password})
        assert response.status_code == 401
        assert response.json()["detail"] == "wrong user name or password"


def test_full_closed_loop_with_audit_trail(api: TestClient) -> None:
    alert = alert_id(api, "gw-a", "gas_alarm")
    assert act(api, "one-duty", alert, "acknowledge").json()["status"] == "acknowledged"
    assert (
        act(api, "one-duty", alert, "dispatch", assignee="网格员 李").json()["status"]
        == "dispatched"
    )
    assert (
        act(api, "one-duty", alert, "resolve", note="关阀通风，已排除").json()["status"]
        == "resolved"
    )
    closed = act(api, "one-duty", alert, "close", note="居民满意", satisfaction=5).json()
    assert (closed["status"], closed["satisfaction"]) == ("closed", 5)
    detail = api.get(f"/api/v1/alerts/{alert}", headers=sign_in(api, "one-duty")).json()
    steps = [(t["actor"], t["action"]) for t in detail["timeline"]]
    assert steps == [
        ("system", "raised"),
        ("one-duty", "acknowledge"),
        ("one-duty", "dispatch"),
        ("one-duty", "resolve"),
        ("one-duty", "close"),
    ]
    report = api.get("/api/v1/audit/verify", headers=sign_in(api, "auditor")).json()
    assert report["ok"] is True and report["rows"] >= 7


def test_a_device_reporting_its_fault_gone_is_noted_on_the_open_alert(
    api: TestClient, database_url: str
) -> None:
    raised = alarm("gw-a", "cam-1", "camera_fault").model_copy(
        update={"severity": "major", "data": {"fault": "moved", "raised": True}}
    )
    cleared = raised.model_copy(
        update={
            "message_id": alarm().message_id,
            "severity": "info",
            "alarm": False,
            "data": {"fault": "moved", "raised": False},
        }
    )
    # A notice with no open alert, and one of another kind, are only stored.
    stray = cleared.model_copy(update={"message_id": alarm().message_id, "device_id": "cam-2"})
    passing = alarm("gw-a", "lane-1", "vehicle_pass").model_copy(
        update={"severity": "info", "alarm": False, "data": {"decision": "open"}}
    )
    with psycopg.connect(database_url) as conn:
        write_batch(conn, [raised], [])
    with psycopg.connect(database_url) as conn:
        write_batch(conn, [cleared, stray, passing], [])
    alert = alert_id(api, "gw-a", "camera_fault")
    detail = api.get(f"/api/v1/alerts/{alert}", headers=sign_in(api, "one-duty")).json()
    assert detail["status"] == "new", "someone on duty still confirms and resolves it"
    steps = [(t["actor"], t["action"], t["detail"].get("fault")) for t in detail["timeline"]]
    assert steps == [("system", "raised", None), ("system", "cleared", "moved")]
    with psycopg.connect(database_url) as conn:
        cleared_rows = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'cleared'"
        ).fetchone()
    assert cleared_rows == (1,)
    assert api.get("/api/v1/audit/verify", headers=sign_in(api, "auditor")).json()["ok"]


def test_resolving_says_whether_it_was_a_false_alarm_and_the_hub_counts_them(
    api: TestClient,
) -> None:
    gas, leak = alert_id(api, "gw-a", "gas_alarm"), alert_id(api, "gw-a", "water_leak")
    for alert, outcome in [(gas, "false_alarm"), (leak, "genuine")]:
        act(api, "one-duty", alert, "acknowledge")
        resolved = act(api, "one-duty", alert, "resolve", note="现场核实", outcome=outcome).json()
        assert (resolved["status"], resolved["outcome"]) == ("resolved", outcome)
    detail = api.get(f"/api/v1/alerts/{gas}", headers=sign_in(api, "one-duty")).json()
    assert detail["outcome"] == "false_alarm"
    assert detail["timeline"][-1]["detail"]["outcome"] == "false_alarm"
    other = alert_id(api, "gw-b", "gas_alarm")
    act(api, "two-duty", other, "acknowledge")
    act(api, "two-duty", other, "resolve", note="已处理")  # no verdict given

    rows = api.get("/api/v1/alerts/outcomes", headers=sign_in(api, "street")).json()
    counts = {
        (r["gateway_id"], r["type"]): (r["genuine"], r["false_alarm"], r["unjudged"]) for r in rows
    }
    assert counts == {
        ("gw-a", "gas_alarm"): (0, 1, 0),
        ("gw-a", "water_leak"): (1, 0, 0),
        ("gw-b", "gas_alarm"): (0, 0, 1),
    }
    assert rows[0]["false_alarm_share"] == 1.0  # most false first
    assert all(r["resolved"] == r["events"] == 1 for r in rows)
    assert next(r for r in rows if r["gateway_id"] == "gw-b")["false_alarm_share"] is None
    mine = api.get(
        "/api/v1/alerts/outcomes", headers=sign_in(api, "two-duty"), params={"type": "gas_alarm"}
    ).json()
    assert [(r["gateway_id"], r["unjudged"]) for r in mine] == [("gw-b", 1)]
    for params in ({"days": 0}, {"days": 400}, {"type": "x" * 65}):
        refused = api.get("/api/v1/alerts/outcomes", headers=sign_in(api, "street"), params=params)
        assert refused.status_code == 422


@pytest.mark.parametrize(
    ("steps", "action", "body", "code", "fragment"),
    [
        ([], "resolve", {"note": "x"}, 409, "cannot resolve an alert that is new"),
        ([], "close", {"satisfaction": 3}, 409, "possible from: resolved"),
        (["acknowledge"], "acknowledge", {}, 409, "that is acknowledged"),
        (["acknowledge"], "dispatch", {}, 422, "needs an assignee"),
        (["acknowledge"], "resolve", {"note": "  "}, 422, "disposition note"),
        ([], "hand_back", {"note": "x"}, 403, "community_officer may not hand_back"),
        ([], "escalate", {}, 422, "needs a note"),
        ([], "close", {"satisfaction": 9}, 422, "less than or equal to 5"),
        ([], "teleport", {}, 422, "acknowledge"),
        ([], "acknowledge", {"outcome": "false_alarm"}, 422, "said when resolving"),
        (["acknowledge"], "resolve", {"note": "x", "outcome": "maybe"}, 422, "genuine"),
    ],
)
def test_invalid_transitions_are_refused_with_a_reason(
    api: TestClient, steps: list[str], action: str, body: dict[str, Any], code: int, fragment: str
) -> None:
    alert = alert_id(api, "gw-a", "gas_alarm")
    for step in steps:
        assert act(api, "one-duty", alert, step).status_code == 200
    response = act(api, "one-duty", alert, action, **body)
    assert response.status_code == code
    assert fragment in response.text


def test_roles_that_may_not_act(api: TestClient) -> None:
    alert = alert_id(api, "gw-a", "water_leak")
    assert act(api, "auditor", alert, "acknowledge").status_code == 403
    assert act(api, "carer", alert, "acknowledge").status_code == 200
    assert act(api, "carer", alert, "dispatch", assignee="x").status_code == 403


def test_manual_escalation_and_hand_back(api: TestClient) -> None:
    alert = alert_id(api, "gw-a", "gas_alarm")
    up = act(api, "one-duty", alert, "escalate", note="需要燃气公司协调").json()
    assert up["level"] == "street"
    assert ids(api, "street", level="street") == [alert]
    assert act(api, "one-duty", alert, "hand_back", note="x").status_code == 403
    back = act(api, "street", alert, "hand_back", note="请物业联系燃气公司处理").json()
    assert (back["level"], back["instructions"]) == ("community", "请物业联系燃气公司处理")


def test_sla_escalation_with_a_controlled_clock(api: TestClient, database_url: str) -> None:
    critical = alert_id(api, "gw-a", "gas_alarm")  # critical: acknowledge within 5 minutes
    minor = alert_id(api, "gw-a", "water_leak")  # minor: within an hour
    now = datetime.now(UTC)
    with psycopg.connect(database_url) as conn:
        assert escalate_overdue(conn, now + timedelta(minutes=4)) == []
        assert set(escalate_overdue(conn, now + timedelta(minutes=6))) == {
            critical,
            alert_id(api, "gw-b", "gas_alarm"),
        }
        assert escalate_overdue(conn, now + timedelta(minutes=7)) == []  # never twice
    assert act(api, "one-duty", minor, "acknowledge").status_code == 200
    with psycopg.connect(database_url) as conn:
        # acknowledged in time, so only the resolve deadline (24 h) is left
        assert escalate_overdue(conn, now + timedelta(hours=2)) == []
        assert escalate_overdue(conn, now + timedelta(hours=25)) == [minor]
    timeline = api.get(f"/api/v1/alerts/{critical}", headers=sign_in(api, "street")).json()
    assert timeline["timeline"][-1]["detail"]["reason"] == "not acknowledged in time"


def test_concurrent_escalators_never_escalate_twice(api: TestClient, database_url: str) -> None:
    late = datetime.now(UTC) + timedelta(days=2)
    results: list[list[int]] = []

    def run() -> None:
        with psycopg.connect(database_url) as conn:
            results.append(escalate_overdue(conn, late))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    escalated = [i for r in results for i in r]
    assert len(escalated) == len(set(escalated)) == 3
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'escalate'").fetchone()
        assert row == (3,)
        assert verify_chain(conn).ok


def test_audit_chain_detects_an_edited_row(api: TestClient, database_url: str) -> None:
    alert = alert_id(api, "gw-a", "gas_alarm")
    act(api, "one-duty", alert, "acknowledge")
    with psycopg.connect(database_url) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE audit_log SET actor = 'nobody'")
        conn.rollback()
        # Someone with the rights to drop the guard edits history anyway:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE action = 'acknowledge'")
        conn.commit()
        edited = conn.execute("SELECT id FROM audit_log WHERE action = 'acknowledge'").fetchone()
    report = api.get("/api/v1/audit/verify", headers=sign_in(api, "auditor")).json()
    assert report["ok"] is False
    assert edited is not None and report["first_bad_id"] == edited[0]


def test_live_feed_pushes_changes_and_resumes_after_reconnect(api: TestClient) -> None:
    token = sign_in(api, "one-duty")["Authorization"].split()[1]
    first = alert_id(api, "gw-a", "gas_alarm")
    with api.websocket_connect(f"/api/v1/alerts/feed?token={token}&after=0") as ws:
        seen = [ws.receive_json() for _ in range(2)]  # the two 'raised' rows of c-one
        assert {s["action"] for s in seen} == {"raised"}
        assert {s["community_id"] for s in seen} == {"c-one"}
        act(api, "one-duty", first, "acknowledge")
        change = ws.receive_json()
        assert (change["id"], change["action"], change["status"]) == (
            first,
            "acknowledge",
            "acknowledged",
        )
        last = change["change_id"]
    # Changes while disconnected, including one outside the scope, then resume.
    act(api, "one-duty", first, "dispatch", assignee="网格员 王")
    act(api, "two-duty", alert_id(api, "gw-b", "gas_alarm"), "acknowledge")
    act(api, "one-duty", first, "resolve", note="已处理")
    with api.websocket_connect(f"/api/v1/alerts/feed?token={token}&after={last}") as ws:
        missed = [ws.receive_json() for _ in range(2)]
    assert [m["action"] for m in missed] == ["dispatch", "resolve"]
    assert all(m["change_id"] > last for m in missed)


def test_feed_refuses_a_bad_token(api: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect) as info,
        api.websocket_connect("/api/v1/alerts/feed?token=forged") as ws,
    ):
        ws.receive_json()
    assert info.value.code == 4401


def test_supervision_per_community(api: TestClient) -> None:
    rows = api.get("/api/v1/supervision", headers=sign_in(api, "street")).json()
    assert {r["community_id"]: r["open"] for r in rows} == {"c-one": 2, "c-two": 1}
    mine = api.get("/api/v1/supervision", headers=sign_in(api, "one-duty")).json()
    assert [r["community_id"] for r in mine] == ["c-one"]


def test_raised_and_escalated_alerts_are_queued_for_video_platforms(database_url: str) -> None:
    from hub.db import migrate
    from hub.push import PushConfig

    migrate(database_url)
    push = PushConfig.model_validate(
        {
            "hub_base_url": "http://hub.example",
            "targets": [
                {
                    "name": "community-vms",
                    "kind": "webhook",
                    "levels": ["community"],
                    "url": "http://127.0.0.1:9/alarms",
                    "secret": "0123456789abcdef0123",
                },
                {
                    "name": "street-vms",
                    "kind": "webhook",
                    "levels": ["street"],
                    "url": "http://127.0.0.1:9/alarms",
                    "secret": "fedcba9876543210fedc",
                },
            ],
        }
    )
    with psycopg.connect(database_url) as conn:
        write_batch(conn, [alarm("gw-a", "m1", "gas_alarm")], [], push=push)
        write_batch(conn, [alarm("gw-a", "m1", "gas_alarm")], [], push=push)  # a repeat
        conn.commit()
        escalated = escalate_overdue(conn, datetime.now(UTC) + timedelta(hours=2), push)
        rows = conn.execute(
            "SELECT target, level, payload->>'action' FROM push_deliveries ORDER BY id"
        ).fetchall()
    assert len(escalated) == 1
    assert rows == [("community-vms", "community", "raised"), ("street-vms", "street", "escalated")]


def test_telemetry_rules_raise_alerts_once(api: TestClient, database_url: str) -> None:
    admin = sign_in(api, "admin")
    created = api.post(
        "/api/v1/rules",
        headers=admin,
        json={
            "name": "night flow",
            "metric": "water.flow_lph",
            "device_like": "m%",
            "above": 100,
            "severity": "minor",
            "alert_type": "water_flow_high",
        },
    )
    assert created.status_code == 201, created.text
    spike = Telemetry(
        gateway_id="gw-a",
        readings=[
            r.model_copy(update={"value": v})
            for r, v in zip(
                readings(0, 4, "m1", "water.flow_lph"), (20.0, 150.0, 180.0, 30.0), strict=True
            )
        ],
    )
    with psycopg.connect(database_url) as conn:
        write_batch(conn, [spike], [])
        write_batch(conn, [spike], [])  # redelivered: no second count
    alerts = [
        a for a in api.get("/api/v1/alerts", headers=admin).json() if a["type"] == "water_flow_high"
    ]
    assert [(a["device_id"], a["count"], a["data"]["value"]) for a in alerts] == [("m1", 1, 180.0)]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "x", "metric": "a.b", "alert_type": "t"}, 422),
        ({"name": "x", "metric": "a.b", "alert_type": "t", "above": 5, "below": 9}, 422),
        ({"name": "x", "metric": "Bad Metric", "alert_type": "t", "above": 1}, 422),
        ({"name": "x", "metric": "a.b", "alert_type": "t", "above": "NaN"}, 422),
    ],
)
def test_bad_rules_are_refused(api: TestClient, body: dict[str, Any], code: int) -> None:
    response = api.post("/api/v1/rules", headers=sign_in(api, "admin"), json=body)
    assert response.status_code == code
    assert api.post("/api/v1/rules", headers=sign_in(api, "one-duty"), json=body).status_code in (
        403,
        422,
    )
