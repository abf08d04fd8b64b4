"""A real hub in a thread and scenes to show in it, for the console tests and bench."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import uvicorn
from fastapi import FastAPI

from hub import web
from hub.api.app import create_app
from hub.settings import HubSettings
from hub.store import write_batch
from protocol.models import Envelope, Event, EvidenceRef, Health, Reading, State, Telemetry
from tests.factories import ROLE_USERS

# The resident assigned to the test caregiver ("carer" in tests.factories.ROLE_USERS).
CARED_FOR = next(residents[0] for _, role, _, residents in ROLE_USERS if role == "caregiver")
SCENARIO = Path(__file__).resolve().parents[2] / "data" / "scenario.yaml"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHROMIUM = "/usr/bin/chromium"


def console_app(settings: HubSettings) -> FastAPI:
    """The hub's API with the consoles (included here until app.py includes them itself)."""
    app = create_app(settings, ingest=False)
    if not any(getattr(r, "path", "").startswith("/console") for r in app.routes):
        app.include_router(web.router)
    return app


@contextmanager
def serve(app: FastAPI, *, startup_timeout_s: float = 20) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port in a thread; yield its origin."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The WebSocket protocol is left to uvicorn, as the hub and the demo leave it.
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="hub", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the hub did not start within {startup_timeout_s} s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def store(database_url: str, messages: list[Envelope]) -> None:
    """Write messages the way ingest does (one committed batch)."""
    with psycopg.connect(database_url) as conn:
        write_batch(conn, messages, [])


def alarm(
    gateway: str, device: str, type_: str, severity: str = "critical", **data: object
) -> Event:
    """An alarm raised now (so SLA countdowns are running)."""
    return Event.model_validate(
        {
            "gateway_id": gateway,
            "device_id": device,
            "type": type_,
            "severity": severity,
            "alarm": True,
            "observed_at": datetime.now(UTC) - timedelta(minutes=3),
            "data": data,
        }
    )


def scene() -> list[Envelope]:
    """A night on duty: alarms of every severity, live gateways, readings and a gate log."""
    now = datetime.now(UTC)
    thrown = alarm("gw-a", "cam-1", "falling_object", "major", floor_estimate=12, track_points=41)
    thrown = thrown.model_copy(
        update={
            "channel": "cam-1/main",
            "evidence": [EvidenceRef(sha256="ab" * 32, media_type="image/jpeg")],
        }
    )
    readings = [
        Reading(device_id=device, metric=metric, ts=now - timedelta(minutes=5 * i), value=value)
        for i in range(72)
        for device, metric, value in (
            ("m1", "water.flow_lpm", 6 + (i % 12) * 0.8),
            ("m2", "gas.lel_pct", 2 + (i % 7) * 0.5),
        )
    ]
    return [
        State(gateway_id="gw-a", status="online", agent_version="0.1.0", capabilities=["valve"]),
        State(gateway_id="gw-c", status="offline", agent_version="0.1.0"),
        Health(
            gateway_id="gw-a",
            uptime_s=86_400,
            outbox_depth=0,
            outbox_oldest_s=0,
            published=1200,
            stats={
                "falling.fps": 12.5,
                "falling.skipped": 3,
                "falling.inference_ms": 18.2,
                "camera.cam_1.view_faults": 1,
                "camera.cam_1.view_match": 0.04,
                "gate_read_faults": 1,
                "gate_passes": 40,
            },
        ),
        Telemetry(gateway_id="gw-a", readings=readings),
        alarm("gw-a", "m2", "gas_alarm", lel_pct=35.0),
        thrown,
        alarm("gw-a", "m1", "water_leak", "minor", resident_id=CARED_FOR, litres=40),
        alarm("gw-b", "m1", "smoke", "major"),
    ]


def many_alarms(count: int) -> list[Envelope]:
    """``count`` distinct open alerts in community c-one (one device each)."""
    severities = ("critical", "major", "minor", "info")
    return [
        alarm("gw-a", f"bulk-{i}", "perimeter", severities[i % 4], zone=f"z{i % 9}")
        for i in range(count)
    ]
