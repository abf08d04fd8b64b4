"""Helpers for tests that run the whole chain."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

T = TypeVar("T")
SCENARIO = Path(__file__).resolve().parents[1] / "data" / "scenario.yaml"


def wait_until(
    probe: Callable[[], T], *, timeout_s: float = 20, every_s: float = 0.05, what: str = ""
) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` on timeout."""
    deadline = time.monotonic() + timeout_s
    last: T = probe()
    while not last:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what or probe}")
        time.sleep(every_s)
        last = probe()
    return last


def scalar(database_url: str, sql: str, *args: object) -> int:
    """First column of the first row, as int."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(sql, args).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def values(database_url: str, gateway: str = "gw-a") -> list[float]:
    """Every stored telemetry value of a gateway, sorted."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT value FROM telemetry WHERE gateway_id = %s ORDER BY value", (gateway,)
        ).fetchall()
    return [float(r[0]) for r in rows]


@contextmanager
def mqtt_client(port: int, user: str, password: str, client_id: str = "") -> Iterator[mqtt.Client]:
    """A connected MQTT v5 client with its network loop running."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id or f"test-{user}-{time.monotonic_ns()}",
        protocol=MQTTProtocolVersion.MQTTv5,
    )
    client.username_pw_set(user, password)
    client.connect("127.0.0.1", port)
    client.loop_start()
    wait_until(client.is_connected, timeout_s=5, what=f"{user} to connect")
    try:
        yield client
    finally:
        client.disconnect()
        client.loop_stop()
