"""Several hub processes share the load through an MQTT v5 shared subscription."""

from __future__ import annotations

from pathlib import Path

from edge.agent import EdgeAgent
from hub.runtime import HubRuntime
from tests.conftest import TestBroker
from tests.factories import gateway_config, hub_settings, readings
from tests.integration.helpers import scalar, values, wait_until


def test_two_replicas_share_messages_and_store_each_once(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    hubs = [
        HubRuntime.start(hub_settings(database_url, broker.port, share_group="hub", instance=name))
        for name in ("r1", "r2")
    ]
    for hub in hubs:
        assert hub.ingestor is not None
        wait_until(hub.ingestor.connected.is_set, what=f"replica {hub.settings.instance}")
    agent = EdgeAgent(gateway_config("gw-a", broker.port, tmp_path))
    agent.start()
    try:
        for start in range(0, 4000, 10):
            agent.accept_readings(readings(start, 10))
        wait_until(
            lambda: scalar(database_url, "SELECT count(*) FROM telemetry") >= 4000,
            what="all 400 messages",
        )
        shares = [h.metrics.messages.labels("telemetry")._value.get() for h in hubs]
        assert sum(shares) == 400
        assert min(shares) > 50, f"one replica did almost nothing: {shares}"
        assert values(database_url) == [float(i) for i in range(4000)]
    finally:
        agent.stop()
        for hub in hubs:
            hub.stop()
