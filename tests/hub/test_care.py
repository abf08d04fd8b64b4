"""Caregivers see their assigned residents' vitals and nobody else's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.store import write_batch
from protocol.models import Telemetry
from tests.factories import T0, add_users, alarm, hub_settings, readings, sign_in
from tests.integration.helpers import SCENARIO


@pytest.fixture
def api(database_url: str) -> Iterator[TestClient]:
    with TestClient(
        create_app(hub_settings(database_url, 1, scenario=SCENARIO), ingest=False)
    ) as c:
        add_users(database_url)  # carer is assigned r-a1b2c3
        admin = sign_in(c, "admin")
        for rid, name, device in (("r-a1b2c3", "王奶奶", "wb-1"), ("r-d4e5f6", "李爷爷", "wb-2")):
            response = c.post(
                "/api/v1/care/residents",
                headers=admin,
                json={
                    "id": rid,
                    "name": name,
                    "phone": "13800000000",
                    "site_id": "u-one-1-1",
                    "devices": [{"gateway_id": "gw-a", "device_id": device}],
                },
            )
            assert response.status_code == 201, response.text
        with psycopg.connect(database_url) as conn:
            write_batch(
                conn,
                [
                    Telemetry(gateway_id="gw-a", readings=readings(0, 600, "wb-1", "hr.bpm")),
                    Telemetry(gateway_id="gw-a", readings=readings(0, 60, "wb-2", "hr.bpm")),
                    alarm("gw-a", "wb-1", "fall").model_copy(
                        update={"data": {"resident_id": "r-a1b2c3"}}
                    ),
                    alarm("gw-a", "wb-2", "sos").model_copy(
                        update={"data": {"resident_id": "r-d4e5f6"}}
                    ),
                ],
                [],
            )
        yield c


def test_caregiver_lists_only_assigned_residents(api: TestClient) -> None:
    rows = api.get("/api/v1/care/residents", headers=sign_in(api, "carer")).json()
    assert [(r["id"], r["name"], r["open_alerts"]) for r in rows] == [("r-a1b2c3", "王奶奶", 1)]


def test_caregiver_charts_their_resident(api: TestClient) -> None:
    chart = api.get(
        "/api/v1/care/residents/r-a1b2c3/vitals",
        headers=sign_in(api, "carer"),
        params={
            "metric": "hr.bpm",
            "bucket": "5m",
            "start": T0.isoformat(),
            "end": (T0 + timedelta(hours=1)).isoformat(),
        },
    ).json()
    assert [b["n"] for b in chart] == [300, 300]


@pytest.mark.parametrize("path", ["/latest", "/vitals?metric=hr.bpm"])
def test_caregiver_cannot_read_another_resident(api: TestClient, path: str) -> None:
    response = api.get(f"/api/v1/care/residents/r-d4e5f6{path}", headers=sign_in(api, "carer"))
    assert response.status_code == 404
    assert "李爷爷" not in response.text


def test_caregiver_alerts_are_their_residents_and_can_be_acknowledged(api: TestClient) -> None:
    carer = sign_in(api, "carer")
    alerts = api.get("/api/v1/alerts", headers=carer).json()
    assert [(a["type"], a["resident_id"]) for a in alerts] == [("fall", "r-a1b2c3")]
    assert (
        api.post(f"/api/v1/alerts/{alerts[0]['id']}/acknowledge", headers=carer, json={}).json()[
            "status"
        ]
        == "acknowledged"
    )


@pytest.mark.parametrize("user", ["one-duty", "street", "auditor"])
def test_other_roles_have_no_registry_access(api: TestClient, user: str) -> None:
    response = api.get("/api/v1/care/residents", headers=sign_in(api, user))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"id": "R1", "name": "x"}, 422),
        ({"id": "r-abc123", "name": ""}, 422),
        ({"id": "r-abc123", "name": "x", "site_id": "nowhere"}, 422),
        ({"id": "r-abc123", "name": "x", "devices": [{"gateway_id": "g"}]}, 422),
        ({"id": "r-abc123", "name": "x", "extra": True}, 422),
    ],
)
def test_registry_refuses_bad_residents(
    api: TestClient, body: dict[str, object], code: int
) -> None:
    response = api.post("/api/v1/care/residents", headers=sign_in(api, "admin"), json=body)
    assert response.status_code == code
    assert response.json()["detail"]


def test_only_admins_register(api: TestClient) -> None:
    response = api.post(
        "/api/v1/care/residents",
        headers=sign_in(api, "carer"),
        json={"id": "r-zz9999", "name": "x"},
    )
    assert response.status_code == 403
