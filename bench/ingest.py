"""Sustained telemetry ingest, end to end, against a direct-COPY baseline.

load generator -> edge agent (privacy gate, SQLite outbox) -> Mosquitto ->
hub process (validate, COPY, commit, PUBACK) -> PostgreSQL. The baseline
COPYs the same rows straight into PostgreSQL from this one process, in the
same run, so the ratio is comparable on a noisy machine.

    .venv/bin/python bench/ingest.py --json [--readings 600000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from edge.agent import EdgeAgent
from edge.config import BrokerConfig, GatewayConfig, OutboxConfig
from hub.db import migrate
from protocol.models import Reading
from smartcommunity.broker import Mosquitto, free_port
from smartcommunity.postgres import start_embedded

BATCH = 2000
DEVICES = 500


def make_batches(total: int, start: datetime) -> list[list[Reading]]:
    """Readings of DEVICES meters, one per second each, in BATCH-sized lists."""
    rows = [
        Reading(
            device_id=f"m{i % DEVICES}",
            metric="water.total_m3",
            ts=start + timedelta(seconds=i // DEVICES),
            value=float(i),
        )
        for i in range(total)
    ]
    return [rows[i : i + BATCH] for i in range(0, total, BATCH)]


def count(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT value) FROM telemetry").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def committed_rows(metrics_url: str) -> float:
    """The hub's counter of telemetry rows it has committed (0 until it answers)."""
    try:
        text = httpx.get(metrics_url, timeout=2).text
    except httpx.HTTPError:
        return 0.0
    for family in text_string_to_metric_families(text):
        if family.name == "sc_ingest_telemetry_rows":
            return sum(sample.value for sample in family.samples if sample.name.endswith("_total"))
    return 0.0


def run_pipeline(url: str, broker: Mosquitto, batches: list[list[Reading]], work: Path) -> float:
    """Feed every batch through an edge agent; return seconds until all rows are committed."""
    total = sum(len(b) for b in batches)
    env = dict(
        os.environ,
        SC_DATABASE_URL=url,
        SC_MQTT_PORT=str(broker.port),
        SC_MQTT_PASSWORD="hub-pw",
        SC_API_PORT=str(free_port()),
    )
    hub = subprocess.Popen([sys.executable, "-m", "smartcommunity", "hub"], env=env)
    time.sleep(3)  # hub connects and subscribes before the gateway publishes
    config = GatewayConfig(
        gateway_id="gw-bench",
        broker=BrokerConfig(port=broker.port, username="gw-bench", password=SecretStr("pw")),
        outbox=OutboxConfig(path=work / f"outbox-{time.monotonic_ns()}.sqlite", fsync="full"),
    )
    agent = EdgeAgent(config)
    agent.start()
    started = time.perf_counter()
    for batch in batches:
        agent.accept_readings(batch)
    # Poll the hub's own count of committed readings: counting the table
    # every 50 ms would load PostgreSQL (a scan of up to all the rows each
    # time) while it is being measured. The rows are counted in the
    # database once, after the run.
    metrics = f"http://127.0.0.1:{env['SC_API_PORT']}/metrics"
    while committed_rows(metrics) < total:
        time.sleep(0.05)
        if time.perf_counter() - started > 600:
            break
    elapsed = time.perf_counter() - started
    agent.stop()
    hub.terminate()
    hub.wait(30)
    return elapsed


def run_baseline(url: str, batches: list[list[Reading]]) -> float:
    """COPY the same rows into a copy of the telemetry table from this process."""
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS telemetry_baseline")
        conn.execute("CREATE TABLE telemetry_baseline (LIKE telemetry INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        for batch in batches:
            with conn.cursor().copy(
                "COPY telemetry_baseline (time, gateway_id, device_id, metric, value, message_id)"
                " FROM STDIN"
            ) as copy:
                for r in batch:
                    copy.write_row(
                        (
                            r.ts,
                            "gw-bench",
                            r.device_id,
                            r.metric,
                            r.value,
                            "01900000-0000-7000-8000-000000000000",
                        )
                    )
            conn.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=600_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs, baselines, lost, dups = [], [], 0, 0
    with tempfile.TemporaryDirectory(prefix="sc-bench-") as tmp:
        work = Path(tmp)
        server = start_embedded(work / "pg", keep=False)
        broker = Mosquitto(work / "broker", {"_hub": "hub-pw", "gw-bench": "pw"})
        broker.start()
        try:
            for run in range(args.repeat):
                dbname = f"bench{run}"
                with psycopg.connect(server, autocommit=True) as conn:
                    conn.execute(f"CREATE DATABASE {dbname}")
                url = psycopg.conninfo.make_conninfo(server, dbname=dbname)
                migrate(url)
                batches = make_batches(args.readings, datetime.now(UTC) - timedelta(hours=1))
                elapsed = run_pipeline(url, broker, batches, work)
                stored, distinct = count(url)
                lost += args.readings - distinct
                dups += stored - distinct
                runs.append(args.readings / elapsed)
                baselines.append(args.readings / run_baseline(url, batches))
        finally:
            broker.stop()
    result = {
        "readings_per_s": round(statistics.median(runs)),
        "baseline_readings_per_s": round(statistics.median(baselines)),
        "ratio": round(statistics.median(r / b for r, b in zip(runs, baselines, strict=True)), 3),
        "lost": lost,
        "duplicates": dups,
        "readings_per_run": args.readings,
        "runs": args.repeat,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
