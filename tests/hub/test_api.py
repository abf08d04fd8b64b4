"""REST API: queries, validation of hostile parameters, storage paths."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.db import MIGRATIONS, Features, detect_features, migrate
from hub.store import write_batch
from protocol.models import Telemetry
from tests.factories import T0, add_users, alarm, hub_settings, readings, sign_in
from tests.integration.helpers import SCENARIO


@pytest.fixture
def api(database_url: str) -> Iterator[TestClient]:
    """The API without ingest, over a database holding known rows."""
    settings = hub_settings(database_url, 1, scenario=SCENARIO)
    with TestClient(create_app(settings, ingest=False)) as client:
        add_users(database_url)
        client.headers.update(sign_in(client, "admin"))
        with psycopg.connect(database_url) as conn:
            write_batch(
                conn,
                [
                    Telemetry(gateway_id="gw-a", readings=readings(0, 600, device="m1")),
                    Telemetry(
                        gateway_id="gw-a",
                        readings=readings(0, 120, device="m2", metric="gas.total_m3"),
                    ),
                    alarm(),
                ],
                [],
            )
        yield client


def test_telemetry_is_bucketed_with_date_bin(api: TestClient) -> None:
    rows = api.get(
        "/api/v1/telemetry",
        params={
            "gateway_id": "gw-a",
            "device_id": "m1",
            "bucket": "5m",
            "start": T0.isoformat(),
            "end": (T0 + timedelta(hours=1)).isoformat(),
        },
    ).json()
    assert [r["n"] for r in rows] == [300, 300]  # one reading a second: two 5-minute buckets
    assert rows[0]["min"] == 0 and rows[0]["max"] == 299 and rows[0]["avg"] == 149.5
    assert rows[1]["bucket"].startswith("2026-11-23T08:05:00")


def test_metric_filter_and_empty_results(api: TestClient) -> None:
    gas = api.get(
        "/api/v1/telemetry",
        params={
            "gateway_id": "gw-a",
            "metric": "gas.total_m3",
            "bucket": "1h",
            "start": T0.isoformat(),
            "end": (T0 + timedelta(hours=1)).isoformat(),
        },
    ).json()
    assert [(r["device_id"], r["n"]) for r in gas] == [("m2", 120)]
    none = api.get("/api/v1/telemetry", params={"gateway_id": "nobody"}).json()
    assert none == []


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"gateway_id": "gw-a", "bucket": "7m"}, "bucket"),
        ({"gateway_id": "gw-a", "start": "yesterday"}, "start"),
        (
            {
                "gateway_id": "gw-a",
                "start": "2026-11-23T09:00:00+00:00",
                "end": "2026-11-23T08:00:00+00:00",
            },
            "must be before",
        ),
        ({"gateway_id": "gw-a", "start": "2026-11-23T08:00:00"}, "time zone"),
        ({}, "gateway_id"),
    ],
)
def test_bad_telemetry_queries_get_422_with_a_reason(
    api: TestClient, params: dict[str, str], fragment: str
) -> None:
    response = api.get("/api/v1/telemetry", params=params)
    assert response.status_code == 422
    assert fragment in response.text


@pytest.mark.parametrize("limit", [0, -1, 1001, "many"])
def test_limits_are_bounded(api: TestClient, limit: object) -> None:
    assert api.get("/api/v1/events", params={"limit": limit}).status_code == 422


def test_injection_attempts_are_just_strings(api: TestClient) -> None:
    hostile = "gw-a' OR '1'='1"
    assert api.get("/api/v1/events", params={"gateway_id": hostile}).json() == []
    assert api.get("/api/v1/gateways", params={"site": "%"}).json() == []
    assert len(api.get("/api/v1/events").json()) == 1


def test_events_alerts_and_stats(api: TestClient) -> None:
    events = api.get("/api/v1/events").json()
    assert events[0]["type"] == "gas_alarm" and events[0]["alarm"] is True
    alerts = api.get("/api/v1/alerts", params={"status": "new"}).json()
    assert [(a["type"], a["count"]) for a in alerts] == [("gas_alarm", 1)]
    stats = api.get("/api/v1/stats").json()
    assert stats["telemetry_rows"] == 720 and stats["events"] == 1 and stats["gateways"] == 3


def test_readiness_reports_the_database(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/readyz").json() == {"ready": True, "checks": {"database": "ok"}}


def test_this_server_uses_native_partitioning(database_url: str) -> None:
    assert migrate(database_url) == Features(timescaledb=False)
    with psycopg.connect(database_url) as conn:
        assert detect_features(conn) == Features(timescaledb=False)
        parts = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'telemetry'::regclass"
        ).fetchone()
        assert parts is not None and parts[0] >= 8  # default + a day partition per day around today
        applied = conn.execute("SELECT name FROM schema_migrations ORDER BY version").fetchall()
        assert applied[:2] == [("0001_core.sql",), ("telemetry_native.sql",)]


def test_migrations_are_idempotent(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert row == (len(MIGRATIONS),)


def test_redelivered_batches_store_nothing_twice(database_url: str) -> None:
    migrate(database_url)
    batch = [Telemetry(gateway_id="gw-a", readings=readings(0, 10)), alarm()]
    with psycopg.connect(database_url) as conn:
        first = write_batch(conn, batch + batch, [])
        second = write_batch(conn, batch, [])
        rows = conn.execute("SELECT count(*) FROM telemetry").fetchone()
        alerts = conn.execute("SELECT count FROM alerts").fetchall()
    assert (first.new_messages, first.duplicates) == (2, 2)
    assert (second.new_messages, second.duplicates) == (0, 2)
    assert rows == (10,)
    assert alerts == [(1,)]


def test_upkeep_makes_future_partitions_and_prunes_old_ids(database_url: str) -> None:
    from hub.maintenance import run_upkeep

    features = migrate(database_url)
    later = datetime.now(UTC) + timedelta(days=10)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO ingested (message_id, gateway_id, kind, received_at) VALUES"
            " ('01900000-0000-7000-8000-000000000001', 'gw-a', 'telemetry',"
            "  now() - interval '40 days'),"
            " ('01900000-0000-7000-8000-000000000002', 'gw-a', 'telemetry', now())"
        )
        conn.commit()
        assert run_upkeep(conn, features, 30, datetime.now(UTC)) == 1
        run_upkeep(conn, features, 30, later)
        name = f"telemetry_{(later + timedelta(days=3)).date():%Y%m%d}"
        found = conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
    assert found is not None and found[0] is not None


def test_evidence_is_served_within_scope(api: TestClient, database_url: str) -> None:
    import hashlib
    from base64 import b64encode

    from protocol.models import Evidence

    content = b"\xff\xd8\xff jpeg bytes"
    digest = hashlib.sha256(content).hexdigest()
    with psycopg.connect(database_url) as conn:
        write_batch(
            conn,
            [
                Evidence(
                    gateway_id="gw-a",
                    sha256=digest,
                    media_type="image/jpeg",
                    content_b64=b64encode(content).decode(),
                )
            ],
            [],
        )
    got = api.get(f"/api/v1/evidence/{digest}")
    assert (got.status_code, got.content, got.headers["content-type"]) == (
        200,
        content,
        "image/jpeg",
    )
    add = api.post(
        "/api/v1/auth/login", json={"username": "two-duty", "password": "test-password-1"}
    ).json()
    other = {"Authorization": f"Bearer {add['access_token']}"}
    assert api.get(f"/api/v1/evidence/{digest}", headers=other).status_code == 404
    assert api.get("/api/v1/evidence/not-a-hash").status_code == 422


def test_a_console_renews_its_token_while_the_user_stays_active(
    api: TestClient, database_url: str
) -> None:
    signed_in = api.post(
        "/api/v1/auth/login", json={"username": "two-duty", "password": "test-password-1"}
    ).json()
    headers = {"Authorization": f"Bearer {signed_in['access_token']}"}
    renewed = api.post("/api/v1/auth/refresh", headers=headers)
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert body["user"]["username"] == "two-duty" and body["expires_in"] == 1800
    fresh = {"Authorization": f"Bearer {body['access_token']}"}
    assert api.get("/api/v1/auth/me", headers=fresh).json()["username"] == "two-duty"
    no_bearer = {"Authorization": "Basic dXNlcjpwdw=="}
    assert api.post("/api/v1/auth/refresh", headers=no_bearer).status_code == 401
    bad = {"Authorization": "Bearer not.a.token"}
    assert api.post("/api/v1/auth/refresh", headers=bad).status_code == 401
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE users SET disabled = true WHERE username = 'two-duty'")
    assert api.post("/api/v1/auth/refresh", headers=fresh).status_code == 401
