"""Guarantee 3 at the gate: a known plate opens the barrier with the hub unreachable."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from edge.gate.decision import Action, Reason
from edge.gateway import Gateway
from edge.plates.grammar import PlateColour, parse
from edge.plates.reader import PassResult
from edge.plates.vote import PlateResult
from hub.api.app import create_app
from tests.conftest import TestBroker
from tests.factories import add_users, gateway_config, hub_settings, sign_in
from tests.integration.helpers import SCENARIO, scalar, wait_until


def read(plate: str) -> PassResult:
    result = PlateResult(
        plate=parse(plate), colour=PlateColour.BLUE, confidence=0.95, frames_used=3
    )
    return PassResult(result, None, [], 3, 10.0)


def test_lists_sync_by_command_then_barrier_opens_offline(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    gate = {
        "device_id": "lane-1",
        "lists_path": str(tmp_path / "lists.sqlite"),
        "secret": "gateway-secret-0123456789",
    }
    settings = hub_settings(database_url, broker.port, scenario=SCENARIO)
    with TestClient(create_app(settings)) as api:
        add_users(database_url)
        gateway = Gateway(gateway_config("gw-c", broker.port, tmp_path, gate=gate))
        gateway.start()
        try:
            wait_until(lambda: gateway.agent.link.connected, what="the gate gateway")
            admin = sign_in(api, "admin")
            sent = api.post(
                "/api/v1/gateways/gw-c/commands",
                headers=admin,
                json={
                    "name": "allowlist.sync",
                    "args": {"resident": ["冀A12345"], "blacklist": ["京B77777"]},
                },
            ).json()
            wait_until(
                lambda: (
                    api.get(f"/api/v1/commands/{sent['message_id']}", headers=admin).json()[
                        "status"
                    ]
                    == "done"
                ),
                what="the lists to sync",
            )
            stored = (tmp_path / "lists.sqlite").read_bytes()
            assert "冀A12345".encode() not in stored, "plates are kept as keyed hashes only"

            broker.stop()
            assert gateway.gate is not None
            started = time.perf_counter()
            outcome = gateway.gate.on_plate_result(read("冀A12345"))
            assert (time.perf_counter() - started) * 1000 < 50
            assert outcome.decision.action is Action.OPEN
            refused = gateway.gate.on_plate_result(read("京B77777"))
            assert refused.decision.reason is Reason.BLACKLISTED
            broker.start()
            wait_until(
                lambda: scalar(
                    database_url, "SELECT count(*) FROM alerts WHERE type = 'vehicle_blacklisted'"
                ),
                what="the blacklist alert at the hub",
            )
            with_plates = api.get("/api/v1/events", headers=admin).text
            assert "冀A12345" not in with_plates and "京B77777" not in with_plates
            assert "冀A·1**45" in with_plates  # masked plate in the gate log
        finally:
            gateway.stop()
