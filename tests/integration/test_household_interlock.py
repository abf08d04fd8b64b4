"""Guarantee 3: gas over threshold closes the valve at the edge, broker or not."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from edge.gateway import Gateway
from edge.household.valve import ValvePosition
from hub.api.app import create_app
from protocol.models import Reading
from tests.conftest import TestBroker
from tests.factories import add_users, gateway_config, hub_settings, sign_in
from tests.integration.helpers import SCENARIO, scalar, wait_until

HOUSEHOLD = {
    "gas_detectors": [{"device_id": "gd-1", "household_id": "h-101"}],
    "valves": [{"device_id": "gv-1", "household_id": "h-101"}],
}


def test_valve_closes_with_the_broker_down_and_the_alarm_arrives_later(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    settings = hub_settings(database_url, broker.port, scenario=SCENARIO)
    with TestClient(create_app(settings)) as api:
        add_users(database_url)
        gateway = Gateway(gateway_config("gw-a", broker.port, tmp_path, household=HOUSEHOLD))
        gateway.start()
        try:
            wait_until(lambda: gateway.agent.link.connected, what="the gateway to connect")
            broker.stop()
            wait_until(lambda: not gateway.agent.link.connected, what="the link to notice")
            assert gateway.safety is not None
            started = time.monotonic()
            # 40 %LEL is above the high threshold: no confirmation delay.
            gateway.safety.on_reading(
                Reading(device_id="gd-1", metric="gas.lel_pct", ts=datetime.now(UTC), value=40.0)
            )
            valve = gateway.valves["gv-1"]
            assert valve.close_commands, "the valve was not told to close"
            assert time.monotonic() - started < 0.2
            assert gateway.agent.outbox.depth() >= 1, "the alarm waits in the outbox"
            wait_until(
                lambda: valve.position(time.time()) is ValvePosition.CLOSED,
                timeout_s=10,
                what="the valve to report closed",
            )
            broker.start()
            wait_until(
                lambda: scalar(
                    database_url, "SELECT count(*) FROM alerts WHERE type = 'gas_alarm'"
                ),
                timeout_s=20,
                what="the gas alarm at the hub",
            )
            alerts = api.get("/api/v1/alerts", headers=sign_in(api, "one-duty")).json()
            gas = next(a for a in alerts if a["type"] == "gas_alarm")
            assert gas["severity"] == "critical"
            # Re-opening needs an authorised command; plain valve.open is refused.
            sent = api.post(
                "/api/v1/gateways/gw-a/commands",
                headers=sign_in(api, "one-security"),
                json={"name": "valve.open", "device_id": "gv-1"},
            ).json()
            wait_until(
                lambda: (
                    api.get(
                        f"/api/v1/commands/{sent['message_id']}",
                        headers=sign_in(api, "one-security"),
                    ).json()["status"]
                    != "sent"
                ),
                what="the valve.open ack",
            )
            ack = api.get(
                f"/api/v1/commands/{sent['message_id']}", headers=sign_in(api, "one-security")
            ).json()
            assert ack["status"] == "rejected"
            assert valve.position(time.time()) is ValvePosition.CLOSED
        finally:
            gateway.stop()


def test_wearable_vitals_reach_the_caregiver(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    household = {
        "residents": [
            {"resident_id": "r-a1b2c3", "household_id": "h-101", "wearable": {"device_id": "wb-1"}}
        ],
    }
    settings = hub_settings(database_url, broker.port, scenario=SCENARIO)
    with TestClient(create_app(settings)) as api:
        add_users(database_url)
        api.post(
            "/api/v1/care/residents",
            headers=sign_in(api, "admin"),
            json={
                "id": "r-a1b2c3",
                "name": "王奶奶",
                "devices": [{"gateway_id": "gw-a", "device_id": "wb-1"}],
            },
        )
        gateway = Gateway(
            gateway_config(
                "gw-a", broker.port, tmp_path, household=household, telemetry_batch_s=0.2
            )
        )
        gateway.start()
        try:
            now = time.time()
            for i, bpm in enumerate((72, 75, 71)):
                assert gateway.on_device_payload(
                    {"device_id": "wb-1", "metric": "hr.bpm", "ts": now - 3 + i, "value": bpm}
                )
            assert not gateway.on_device_payload(b'{"device_id": "wb-1", "metric": "hr.bpm"}')
            assert not gateway.on_device_payload(
                {"device_id": "??", "metric": "hr.bpm", "ts": now, "value": 70}
            )
            carer = sign_in(api, "carer")
            wait_until(
                lambda: api.get("/api/v1/care/residents/r-a1b2c3/latest", headers=carer).json()[
                    "latest"
                ],
                what="vitals at the hub",
            )
            latest = api.get("/api/v1/care/residents/r-a1b2c3/latest", headers=carer).json()
            assert [(v["metric"], v["value"]) for v in latest["latest"]] == [("hr.bpm", 71.0)]
            assert latest["name"] == "王奶奶"  # from the hub's registry; the edge never had it
            assert gateway.safety is not None and sum(gateway.safety.errors.values()) == 2
        finally:
            gateway.stop()
