"""Several hub processes share the load through an MQTT v5 shared subscription."""

from __future__ import annotations

import time
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


def test_two_hub_processes_escalate_each_overdue_alert_once(
    broker: TestBroker, database_url: str
) -> None:
    import psycopg

    from hub.store import write_batch
    from tests.factories import alarm

    hubs = [
        HubRuntime.start(
            hub_settings(
                database_url, broker.port, share_group="hub", instance=name, escalation_every_s=0.05
            )
        )
        for name in ("r1", "r2")
    ]
    try:
        with psycopg.connect(database_url) as conn:
            conn.execute("UPDATE alert_sla SET ack_within = '1 second'")
            write_batch(conn, [alarm("gw-a", f"gd-{i}") for i in range(20)], [])
        wait_until(
            lambda: (
                scalar(database_url, "SELECT count(*) FROM alerts WHERE level = 'street'") == 20
            ),
            what="every alert escalated",
        )
        time.sleep(0.5)  # both workers keep running: nothing may be escalated again
        assert (
            scalar(database_url, "SELECT count(*) FROM audit_log WHERE action = 'escalate'") == 20
        )
    finally:
        for hub in hubs:
            hub.stop()
