"""Gate log: desensitised passes by time, community, decision and pseudonym; counts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.store import write_batch
from protocol.models import Event
from tests.factories import T0, add_users, hub_settings, sign_in
from tests.integration.helpers import SCENARIO


def vehicle(i: int, decision: str, direction: str, pseudonym: str) -> Event:
    blacklisted = decision == "refuse"
    return Event(
        gateway_id="gw-c",
        device_id="lane-1",
        observed_at=T0 + timedelta(minutes=i),
        type="vehicle_blacklisted" if blacklisted else "vehicle_pass",
        alarm=blacklisted,
        severity="major" if blacklisted else "info",
        data={
            "lane": "1",
            "direction": direction,
            "decision": decision,
            "reason": "blacklisted" if blacklisted else "resident",
            "plate_masked": "冀A·1**45",
            "plate_pseudonym": pseudonym,
            "confidence": 0.97,
        },
    )


@pytest.fixture
def api(database_url: str) -> Iterator[TestClient]:
    with TestClient(
        create_app(hub_settings(database_url, 1, scenario=SCENARIO), ingest=False)
    ) as c:
        add_users(database_url)
        with psycopg.connect(database_url) as conn:
            write_batch(
                conn,
                [
                    vehicle(0, "open", "in", "p-aaa"),
                    vehicle(1, "open", "out", "p-aaa"),
                    vehicle(2, "hold", "in", "p-bbb"),
                    vehicle(3, "refuse", "in", "p-ccc"),
                ],
                [],
            )
        yield c


WINDOW = {"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 4),
        ({"decision": "hold"}, 1),
        ({"pseudonym": "p-aaa"}, 2),
        ({"community_id": "c-one"}, 0),
        ({"community_id": "c-two", "decision": "refuse"}, 1),
    ],
)
def test_gate_log_filters(api: TestClient, params: dict[str, str], expected: int) -> None:
    rows = api.get(
        "/api/v1/gate/log", headers=sign_in(api, "two-duty"), params=WINDOW | params
    ).json()
    assert len(rows) == expected
    assert all(r["plate_masked"] == "冀A·1**45" for r in rows)


def test_gate_log_is_scoped(api: TestClient) -> None:
    assert api.get("/api/v1/gate/log", headers=sign_in(api, "one-duty"), params=WINDOW).json() == []
    assert (
        len(api.get("/api/v1/gate/log", headers=sign_in(api, "street"), params=WINDOW).json()) == 4
    )


def test_gate_counts_and_blacklist_alert(api: TestClient) -> None:
    counts = api.get("/api/v1/gate/counts", headers=sign_in(api, "two-duty"), params=WINDOW).json()
    assert {(c["direction"], c["passes"], c["held"], c["blacklisted"]) for c in counts} == {
        ("in", 3, 1, 1),
        ("out", 1, 0, 0),
    }
    alerts = api.get("/api/v1/alerts", headers=sign_in(api, "two-duty")).json()
    assert [a["type"] for a in alerts] == ["vehicle_blacklisted"]


@pytest.mark.parametrize(
    "params",
    [
        {"decision": "maybe"},
        {"start": "2026-11-23T08:00:00"},
        {"limit": "5000"},
        {"pseudonym": "x" * 200},
    ],
)
def test_bad_gate_queries(api: TestClient, params: dict[str, str]) -> None:
    response = api.get("/api/v1/gate/log", headers=sign_in(api, "two-duty"), params=params)
    assert response.status_code == 422


def held_pass(api: TestClient) -> str:
    rows = api.get(
        "/api/v1/gate/log", headers=sign_in(api, "two-duty"), params=WINDOW | {"waiting": "true"}
    ).json()
    assert [r["decision"] for r in rows] == ["hold"]
    return str(rows[0]["message_id"])


def test_guard_keeps_a_held_vehicle_out_once(api: TestClient) -> None:
    pass_id = held_pass(api)
    url = f"/api/v1/gate/passes/{pass_id}/answer"
    assert api.post(url, headers=sign_in(api, "one-duty"), json={"open": False}).status_code == 404
    assert api.post(url, headers=sign_in(api, "carer"), json={"open": False}).status_code == 403
    bad = api.post(url, headers=sign_in(api, "two-duty"), json={"open": "maybe", "x": 1})
    assert bad.status_code == 422
    refused = api.post(
        url, headers=sign_in(api, "two-duty"), json={"open": False, "note": "未登记"}
    )
    assert refused.status_code == 200 and refused.json()["command"] is None
    again = api.post(url, headers=sign_in(api, "street"), json={"open": True})
    assert again.status_code == 409
    waiting = api.get(
        "/api/v1/gate/log", headers=sign_in(api, "two-duty"), params=WINDOW | {"waiting": "true"}
    )
    assert waiting.json() == []


def test_only_held_vehicles_are_answered(api: TestClient) -> None:
    rows = api.get("/api/v1/gate/log", headers=sign_in(api, "two-duty"), params=WINDOW).json()
    opened = next(r for r in rows if r["decision"] == "open")
    url = f"/api/v1/gate/passes/{opened['message_id']}/answer"
    answer = api.post(url, headers=sign_in(api, "two-duty"), json={"open": True})
    assert answer.status_code == 409 and "not held" in answer.text
    admin = sign_in(api, "admin")
    malformed = api.post("/api/v1/gate/passes/nonsense/answer", headers=admin, json={"open": True})
    assert malformed.status_code == 422
    unknown = f"/api/v1/gate/passes/{uuid.uuid4()}/answer"
    assert api.post(unknown, headers=admin, json={"open": True}).status_code == 404


def test_opening_without_a_broker_changes_nothing(api: TestClient) -> None:
    pass_id = held_pass(api)
    url = f"/api/v1/gate/passes/{pass_id}/answer"
    answer = api.post(url, headers=sign_in(api, "two-duty"), json={"open": True})
    assert answer.status_code == 503
    assert held_pass(api) == pass_id, "the answer was rolled back: the car still waits"
