"""Hub -> edge commands and their acknowledgements, through the real broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from edge.agent import EdgeAgent
from hub.api.app import create_app
from protocol.models import Command, CommandAck
from tests.conftest import TestBroker
from tests.factories import add_users, gateway_config, hub_settings, sign_in
from tests.integration.helpers import SCENARIO, wait_until


@pytest.fixture
def api(broker: TestBroker, database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(hub_settings(database_url, broker.port, scenario=SCENARIO))) as c:
        add_users(database_url)
        c.headers.update(sign_in(c, "one-security"))
        wait_until(lambda: c.get("/readyz").status_code == 200, what="the hub to be ready")
        yield c


def test_command_is_acknowledged_by_the_gateway(
    api: TestClient, broker: TestBroker, tmp_path: Path
) -> None:
    agent = EdgeAgent(gateway_config("gw-a", broker.port, tmp_path))
    closed: list[str | None] = []

    def close_valve(command: Command) -> CommandAck:
        closed.append(command.device_id)
        return CommandAck(gateway_id="gw-a", command_id=command.message_id, status="done")

    agent.register_command("valve.close", close_valve)
    agent.start()
    try:
        wait_until(lambda: agent.link.connected, what="the gateway to connect")
        sent = {}
        for name in ("ping", "valve.close", "teleport"):
            response = api.post(
                "/api/v1/gateways/gw-a/commands", json={"name": name, "device_id": "v1"}
            )
            assert response.status_code == 202, response.text
            sent[name] = response.json()["message_id"]

        def status(name: str) -> dict[str, str]:
            got: dict[str, str] = api.get(f"/api/v1/commands/{sent[name]}").json()
            return got

        wait_until(lambda: all(status(n)["status"] != "sent" for n in sent), what="three acks")
        assert status("ping")["detail"] == "pong"
        assert status("valve.close")["status"] == "done"
        assert closed == ["v1"]
        assert status("teleport")["status"] == "rejected"
        assert "unknown command 'teleport'" in status("teleport")["detail"]
    finally:
        agent.stop()


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/api/v1/gateways/nope/commands", {"name": "ping"}, 404),
        ("/api/v1/gateways/gw-a/commands", {"name": "Bad Name"}, 422),
        ("/api/v1/gateways/gw-a/commands", {"name": "ping", "extra": 1}, 422),
        ("/api/v1/gateways/gw-a/commands", {"name": "ping", "ttl_s": 0}, 422),
        ("/api/v1/gateways/gw-a/commands", {"name": "ping", "device_id": "x" * 500}, 422),
    ],
)
def test_bad_commands_are_refused_with_a_reason(
    api: TestClient, path: str, body: dict[str, object], code: int
) -> None:
    response = api.post(path, json=body)
    assert response.status_code == code
    assert response.json()["detail"]


def test_expired_commands_are_rejected_by_the_edge(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    agent = EdgeAgent(gateway_config("gw-a", 1, tmp_path))
    stale = Command(
        gateway_id="gw-a", name="ping", expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    ack = agent.handle_command(stale)
    assert (ack.status, ack.detail) == ("rejected", "command expired before it arrived")
