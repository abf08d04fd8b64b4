"""Guarantee 1: nothing acknowledged is lost, nothing is duplicated.

Broker outage, edge killed with SIGKILL, hub killed with SIGKILL: every
reading the edge accepted ends up in PostgreSQL exactly once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import yaml

from edge.agent import EdgeAgent
from hub.runtime import HubRuntime
from protocol.models import Telemetry
from smartcommunity.broker import free_port
from tests.conftest import TestBroker
from tests.factories import gateway_config, hub_settings, readings
from tests.integration.helpers import scalar, values, wait_until


class Feeder:
    """Hands readings numbered 0, 1, 2... to an agent in small batches, in a thread."""

    def __init__(self, agent: EdgeAgent, *, batch: int = 20, every_s: float = 0.02) -> None:
        self.agent = agent
        self.batch = batch
        self.every_s = every_s
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.agent.accept_readings(readings(self.accepted, self.batch))
            self.accepted += self.batch

    def __enter__(self) -> Feeder:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def assert_exactly_once(database_url: str, count: int) -> None:
    stored = values(database_url)
    assert len(stored) == count, f"stored {len(stored)} readings, accepted {count}"
    assert stored == [float(i) for i in range(count)]


def test_broker_outage_of_ten_seconds_loses_and_duplicates_nothing(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    runtime = HubRuntime.start(hub_settings(database_url, broker.port))
    agent = EdgeAgent(gateway_config("gw-a", broker.port, tmp_path))
    agent.start()
    try:
        with Feeder(agent) as feeder:
            wait_until(
                lambda: scalar(database_url, "SELECT count(*) FROM telemetry") > 100,
                what="the stream to flow",
            )
            broker.stop()
            time.sleep(10)
            assert agent.outbox.depth() > 0, (
                "readings accepted during the outage wait in the outbox"
            )
            broker.start()
            time.sleep(2)
        wait_until(
            lambda: scalar(database_url, "SELECT count(*) FROM telemetry") >= feeder.accepted,
            timeout_s=30,
            what="every accepted reading",
        )
        time.sleep(0.5)
        assert_exactly_once(database_url, feeder.accepted)
        assert scalar(database_url, "SELECT count(*) FROM ingested WHERE kind = 'telemetry'") > 0
        assert agent.link.stats.replayed > 0, "readings sent after the outage are marked historical"
    finally:
        agent.stop()
        runtime.stop()


def _edge_process(config_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "smartcommunity", "edge", "--config", str(config_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _outbox_readings(path: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT payload FROM outbox WHERE topic LIKE '%/telemetry'").fetchall()
    found = set()
    for (payload,) in rows:
        message = Telemetry.model_validate_json(
            bytes(payload).replace(b'"historical":true', b'"historical":false')
        )
        found.update((r.device_id, r.ts.isoformat()) for r in message.readings)
    return found


def _stored_readings(database_url: str) -> list[tuple[str, str]]:
    with psycopg.connect(database_url) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        rows = conn.execute("SELECT device_id, time FROM telemetry").fetchall()
    return [(d, t.isoformat()) for d, t in rows]


def test_edge_killed_mid_stream_loses_and_duplicates_nothing(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    meters = [
        {"type": "simulated_meter", "id": f"m{i}", "medium": "water", "interval_s": 0.02}
        for i in range(10)
    ]
    config = gateway_config("gw-a", broker.port, tmp_path).model_dump(mode="json")
    config["broker"]["password"] = "pw-a"
    config["devices"] = meters
    config_path = tmp_path / "gw-a.yaml"
    config_path.write_text(yaml.safe_dump(config))
    runtime = HubRuntime.start(hub_settings(database_url, broker.port))
    edge = _edge_process(config_path)
    try:
        wait_until(
            lambda: scalar(database_url, "SELECT count(*) FROM telemetry") > 200,
            what="readings from the edge process",
        )
        edge.send_signal(signal.SIGKILL)
        edge.wait(5)
        time.sleep(0.5)  # let the hub commit what the broker already had
        accepted = set(_stored_readings(database_url)) | _outbox_readings(tmp_path / "gw-a.sqlite")
        edge = _edge_process(config_path)
        wait_until(
            lambda: accepted <= set(_stored_readings(database_url)),
            timeout_s=30,
            what="every reading accepted before the kill",
        )
        wait_until(
            lambda: len(_stored_readings(database_url)) > len(accepted) + 100,
            what="readings from the restarted edge",
        )
        edge.send_signal(signal.SIGTERM)
        assert edge.wait(10) == 0
        time.sleep(0.5)
        stored = _stored_readings(database_url)
        assert len(stored) == len(set(stored)), "a reading was stored twice"
        assert accepted <= set(stored)
    finally:
        if edge.poll() is None:
            edge.kill()
        runtime.stop()


@contextmanager
def hub_process(database_url: str, broker_port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(
        os.environ,
        SC_DATABASE_URL=database_url,
        SC_MQTT_PORT=str(broker_port),
        SC_MQTT_PASSWORD="hub-pw",
        SC_API_PORT=str(free_port()),
        SC_BATCH_MAX_WAIT_MS="100",
        SC_SHARE_GROUP="",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "smartcommunity", "hub"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def test_hub_killed_mid_ingest_loses_and_duplicates_nothing(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    agent = EdgeAgent(gateway_config("gw-a", broker.port, tmp_path))
    with hub_process(database_url, broker.port) as hub:
        # The hub's broker session must exist before gateways publish: a broker
        # drops messages nobody has ever subscribed to.
        wait_until(
            lambda: scalar(
                database_url, "SELECT count(*) FROM pg_tables WHERE tablename = 'telemetry'"
            ),
            what="the hub to migrate",
        )
        time.sleep(1)
        agent.start()
        with Feeder(agent, batch=50) as feeder:
            wait_until(
                lambda: scalar(database_url, "SELECT count(*) FROM telemetry") > 500,
                what="the hub to ingest",
            )
            hub.send_signal(signal.SIGKILL)
            hub.wait(5)
            killed_at = scalar(database_url, "SELECT count(*) FROM telemetry")
            time.sleep(1)
    try:
        with hub_process(database_url, broker.port):
            wait_until(
                lambda: scalar(database_url, "SELECT count(*) FROM telemetry") >= feeder.accepted,
                timeout_s=30,
                what="every accepted reading",
            )
            time.sleep(0.5)
        assert killed_at < feeder.accepted
        assert_exactly_once(database_url, feeder.accepted)
    finally:
        agent.stop()
