"""Simulated meters -> edge agent -> Mosquitto -> hub -> PostgreSQL -> REST API."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from edge.agent import EdgeAgent
from edge.config import SimulatedMeterConfig
from edge.devices import MeterPoller
from hub.api.app import create_app
from tests.conftest import TestBroker
from tests.factories import add_users, gateway_config, hub_settings, sign_in
from tests.integration.helpers import SCENARIO, scalar, wait_until


def test_meter_readings_reach_the_api(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    settings = hub_settings(database_url, broker.port, scenario=SCENARIO)
    meters = [
        SimulatedMeterConfig(id="m1", medium="water", interval_s=0.1),
        SimulatedMeterConfig(id="m2", medium="gas", interval_s=0.1),
    ]
    with TestClient(create_app(settings)) as api:
        add_users(database_url)
        api.headers.update(sign_in(api, "admin"))
        agent = EdgeAgent(gateway_config("gw-a", broker.port, tmp_path, devices=meters))
        poller = MeterPoller(agent.config.devices, agent, tick_s=0.05)
        agent.add_capability("meters", poller.stats)
        agent.start()
        poller.start()
        wait_until(
            lambda: scalar(database_url, "SELECT count(*) FROM telemetry") >= 20,
            what="20 readings in the database",
        )
        gateways = {g["id"]: g for g in api.get("/api/v1/gateways").json()}
        assert gateways["gw-a"]["status"] == "online"
        assert gateways["gw-a"]["site_id"] == "b-one-1"
        assert gateways["gw-a"]["capabilities"] == ["meters"]
        assert gateways["gw-b"]["status"] == "unknown"  # known from the scenario, never connected

        wait_until(lambda: api.get("/api/v1/gateways").json()[0]["health"], what="a health message")
        poller.stop()
        agent.stop()
        wait_until(
            lambda: scalar(database_url, "SELECT count(*) FROM gateways WHERE status = 'offline'"),
            what="the goodbye state",
        )
        stored = scalar(database_url, "SELECT count(*) FROM telemetry")
        assert stored == poller.readings  # every accepted reading, once
        buckets = api.get(
            "/api/v1/telemetry",
            params={"gateway_id": "gw-a", "bucket": "1m", "metric": "water.total_m3"},
        ).json()
        assert buckets, "no buckets returned"
        assert {b["device_id"] for b in buckets} == {"m1"}
        assert sum(b["n"] for b in buckets) == scalar(
            database_url, "SELECT count(*) FROM telemetry WHERE metric = 'water.total_m3'"
        )
        assert all(b["min"] <= b["avg"] <= b["max"] for b in buckets)

        stats = api.get("/api/v1/stats").json()
        assert stats["telemetry_rows"] == stored
        assert stats["dead_letters"] == 0
        metrics = api.get("/metrics").text
        assert f"sc_ingest_telemetry_rows_total {float(stored)}" in metrics
        assert api.get("/readyz").json() == {
            "ready": True,
            "checks": {"database": "ok", "broker": "ok"},
        }
        sites = api.get("/api/v1/sites").json()
        assert [s["kind"] for s in sites if s["id"] == "u-one-1-1"] == ["unit"]
        community = api.get("/api/v1/gateways", params={"site": "c-two"}).json()
        assert {g["id"] for g in community} == {"gw-b", "gw-c"}


def test_alarm_events_raise_one_open_alert_per_source_and_type(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    from tests.factories import alarm

    settings = hub_settings(database_url, broker.port, scenario=SCENARIO)
    with TestClient(create_app(settings)) as api:
        add_users(database_url)
        api.headers.update(sign_in(api, "admin"))
        agent = EdgeAgent(gateway_config("gw-a", broker.port, tmp_path))
        agent.start()
        for _ in range(3):
            agent.emit_event(alarm(device="m2"))
        agent.emit_event(alarm(device="m2", type_="valve_failed"))
        wait_until(
            lambda: scalar(database_url, "SELECT count(*) FROM events") == 4, what="4 events"
        )
        agent.stop()
        alerts = api.get("/api/v1/alerts").json()
        assert sorted((a["type"], a["count"]) for a in alerts) == [
            ("gas_alarm", 3),
            ("valve_failed", 1),
        ]
        assert {a["site_id"] for a in alerts} == {"u-one-1-1"}  # the meter's household
        events = api.get("/api/v1/events", params={"type": "gas_alarm"}).json()
        assert len(events) == 3
        assert events[0]["data"] == {"lel_pct": 35.0}
