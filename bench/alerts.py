"""End-to-end alert latency: edge alarm -> broker -> hub -> WebSocket console.

A gateway publishes alarms (each a new alert) while another pushes background
telemetry at --load readings/s; a console client on the hub's live feed
records when each alert arrives. Everything runs here: embedded PostgreSQL,
Mosquitto, the hub as its own process.

    .venv/bin/python bench/alerts.py --json [--alarms 200] [--load 5000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from pydantic import SecretStr
from websockets.sync.client import connect

from edge.agent import EdgeAgent
from edge.config import BrokerConfig, GatewayConfig, OutboxConfig
from hub.auth.users import create_user
from hub.db import migrate
from protocol.models import Event, Reading
from smartcommunity.broker import Mosquitto, free_port
from smartcommunity.postgres import start_embedded

PASSWORD = "bench-password"


def agent(gateway: str, broker: Mosquitto, work: Path) -> EdgeAgent:
    config = GatewayConfig(
        gateway_id=gateway,
        broker=BrokerConfig(port=broker.port, username=gateway, password=SecretStr("pw")),
        outbox=OutboxConfig(path=work / f"{gateway}.sqlite"),
    )
    edge = EdgeAgent(config)
    edge.start()
    return edge


def background_load(edge: EdgeAgent, per_s: int, stop: threading.Event) -> None:
    """Telemetry at ``per_s`` readings/s in ten batches a second."""
    batch = per_s // 10
    start = datetime.now(UTC)
    n = 0
    while not stop.wait(0.1):
        edge.accept_readings(
            [
                Reading(
                    device_id=f"m{i % 200}",
                    metric="water.total_m3",
                    ts=start + timedelta(milliseconds=n + i),
                    value=float(n + i),
                )
                for i in range(batch)
            ]
        )
        n += batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alarms", type=int, default=200)
    parser.add_argument("--load", type=int, default=5000, help="background readings per second")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sc-bench-alerts-") as tmp:
        work = Path(tmp)
        url = start_embedded(work / "pg", keep=False)
        migrate(url)
        with psycopg.connect(url) as conn:
            create_user(conn, username="console", password=PASSWORD, role="admin")
        broker = Mosquitto(work / "broker", {"_hub": "hub-pw", "gw-alarm": "pw", "gw-load": "pw"})
        broker.start()
        port = free_port()
        env = dict(
            os.environ,
            SC_DATABASE_URL=url,
            SC_MQTT_PORT=str(broker.port),
            SC_MQTT_PASSWORD="hub-pw",
            SC_API_PORT=str(port),
        )
        hub = subprocess.Popen([sys.executable, "-m", "smartcommunity", "hub"], env=env)
        try:
            result = run(args, broker, work, f"127.0.0.1:{port}")
            with psycopg.connect(url) as conn:
                row = conn.execute("SELECT count(*) FROM telemetry").fetchone()
            result["telemetry_rows_stored"] = int(row[0]) if row else 0
        finally:
            hub.terminate()
            hub.wait(30)
            broker.stop()
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


def run(args: argparse.Namespace, broker: Mosquitto, work: Path, host: str) -> dict[str, object]:
    for _ in range(100):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://{host}/readyz").status_code == 200:
                break
        time.sleep(0.2)  # the hub is still starting
    token = httpx.post(
        f"http://{host}/api/v1/auth/login", json={"username": "console", "password": PASSWORD}
    ).json()["access_token"]
    received: dict[int, float] = {}
    done = threading.Event()

    def listen() -> None:
        with connect(f"ws://{host}/api/v1/alerts/feed?token={token}&after=0") as ws:
            while not done.is_set():
                try:
                    row = json.loads(ws.recv(timeout=0.5))
                except TimeoutError:
                    continue
                if row["action"] == "raised":
                    received[row["data"]["seq"]] = time.time()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    alarm_edge, load_edge = agent("gw-alarm", broker, work), agent("gw-load", broker, work)
    stop = threading.Event()
    loader = threading.Thread(target=background_load, args=(load_edge, args.load, stop))
    loader.start()
    time.sleep(3)  # load reaches steady state
    sent: dict[int, float] = {}
    for seq in range(args.alarms):
        sent[seq] = time.time()
        alarm_edge.emit_event(
            Event(
                gateway_id="gw-alarm",
                type="gas_alarm",
                severity="critical",
                alarm=True,
                device_id=f"gd-{seq}",
                observed_at=datetime.now(UTC),
                data={"seq": seq},
            )
        )
        time.sleep(0.2)
    deadline = time.time() + 15
    while len(received) < args.alarms and time.time() < deadline:
        time.sleep(0.1)
    stop.set()
    loader.join()
    done.set()
    listener.join(5)
    for edge in (alarm_edge, load_edge):
        edge.stop()
    latencies = sorted((received[s] - sent[s]) * 1000 for s in received)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(q[98], 1),
        "alerts_sent": args.alarms,
        "alerts_lost": args.alarms - len(received),
        "background_readings_per_s": args.load,
    }


if __name__ == "__main__":
    main()
