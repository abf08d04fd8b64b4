"""``smartcommunity demo``: everything on one laptop with no external services."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
from psycopg.rows import dict_row
from pydantic import SecretStr

from hub.api.app import create_app
from hub.auth.users import create_user
from hub.settings import HubSettings
from protocol.sites import load_scenario
from smartcommunity.broker import Mosquitto, free_port
from smartcommunity.cli import wait_for_signal
from smartcommunity.community import Community, gateway_config, make_passwords, vehicle_lists
from smartcommunity.postgres import start_embedded

logger = logging.getLogger(__name__)


class HubServer:
    """The hub app served by uvicorn in a background thread."""

    def __init__(self, settings: HubSettings) -> None:
        config = uvicorn.Config(
            create_app(settings),
            host=settings.api_host,
            port=settings.api_port,
            log_level="warning",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="hub-api", daemon=True)

    def start(self, timeout_s: float = 60) -> None:
        """Serve, and wait until the app has started."""
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the hub did not start; see the log above")
            time.sleep(0.05)

    def stop(self) -> None:
        """Shut down (runs the app's lifespan exit: ingest stops, pool closes)."""
        self.server.should_exit = True
        self.thread.join(15)


def run_demo(
    *,
    duration_s: float | None,
    port: int,
    workdir: Path | None,
    scenario: Path,
    interval_s: float,
    echo: Callable[[str], None],
    incidents_every_s: float | None = 60.0,
) -> dict[str, Any]:
    """Start database, broker, hub and gateways; return the summary at the end."""
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="smartcommunity-demo-")
        workdir = Path(tmp.name)
    workdir.mkdir(parents=True, exist_ok=True)
    plan = load_scenario(scenario)
    passwords = make_passwords(plan)
    database_url = start_embedded(workdir / "pgdata", keep=tmp is None)
    broker = Mosquitto(workdir / "broker", passwords)
    broker.start()
    settings = HubSettings(
        database_url=database_url,
        mqtt_port=broker.port,
        mqtt_password=SecretStr(passwords["_hub"]),
        api_port=port or free_port(),
        scenario=scenario,
    )
    hub = HubServer(settings)
    hub.start()
    create_demo_users(database_url)
    community = Community(
        incidents_every_s=incidents_every_s,
        configs=[
            gateway_config(
                gw,
                broker_host="127.0.0.1",
                broker_port=broker.port,
                password=passwords[gw.id],
                outbox_dir=workdir / "outbox",
                meter_interval_s=interval_s,
            )
            for gw in plan.gateways()
        ],
    )
    community.start()
    base_url = f"http://{settings.api_host}:{settings.api_port}"
    stop_vehicles = threading.Event()
    # Not a daemon: a thread killed inside OpenCV at exit aborts the process.
    vehicles = threading.Thread(
        target=register_vehicles, args=(base_url, community, stop_vehicles), name="demo-vehicles"
    )
    vehicles.start()
    echo(
        f"hub: http://{settings.api_host}:{settings.api_port}/  "
        f"({len(community.configs)} gateways; Ctrl-C to stop)"
    )
    echo(f"consoles: http://{settings.api_host}:{settings.api_port}/console/")
    echo(
        f"demo users (password {DEMO_PASSWORD}): "
        + ", ".join(f"{name} ({role})" for name, role, _ in DEMO_USERS)
    )
    try:
        wait_for_signal(duration_s)
    finally:
        stop_vehicles.set()
        vehicles.join(60)
        online = summarise(database_url)["gateways_online"]
        left = community.stop()
        time.sleep(1.0)  # let the hub commit the last batches
        summary = summarise(database_url)
        summary["gateways_online"] = online  # as it was while running, before the goodbyes
        summary["outbox_left"] = left
        hub.stop()
        broker.stop()
        if tmp is not None:
            tmp.cleanup()
    return summary


def register_vehicles(
    base_url: str, community: Community, stop: threading.Event, timeout_s: float = 60
) -> None:
    """Push each gate's vehicle lists the way an operator would: over the hub's API."""
    gates = [g for g in community.gateways if g.gate is not None]
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=base_url, timeout=30) as client:
        login = {"username": "admin", "password": DEMO_PASSWORD}
        token = client.post("/api/v1/auth/login", json=login).json()["access_token"]
        for gateway in gates:
            while not gateway.agent.link.connected and time.monotonic() < deadline:
                if stop.wait(0.5):
                    return
            if stop.is_set():
                return
            gateway_id = gateway.config.gateway_id
            sent = client.post(
                f"/api/v1/gateways/{gateway_id}/commands",
                headers={"Authorization": f"Bearer {token}"},
                json={"name": "allowlist.sync", "args": vehicle_lists(gateway_id, 0)},
            )
            if sent.status_code != 202:
                logger.warning("vehicle lists for %s refused: %s", gateway_id, sent.text)


DEMO_PASSWORD = "demo-only-pw"  # noqa: S105 - printed at start; the demo is local only
DEMO_USERS = [
    ("admin", "admin", None),
    ("street", "street_officer", "st-lianhu"),
    ("qn-duty", "community_officer", "c-qingnian"),
    ("qn-security", "property_security", "c-qingnian"),
    ("tb-duty", "community_officer", "c-taibai"),
    ("auditor", "auditor", None),
]


def create_demo_users(database_url: str) -> None:
    """One user per role, all with the demo password."""
    with psycopg.connect(database_url) as conn:
        for name, role, site in DEMO_USERS:
            if conn.execute("SELECT 1 FROM users WHERE username = %s", (name,)).fetchone():
                continue
            create_user(
                conn,
                username=name,
                password=DEMO_PASSWORD,
                role=role,  # type: ignore[arg-type]
                site_id=site,
            )


def summarise(database_url: str) -> dict[str, Any]:
    """Counts for the one-line JSON summary."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM telemetry) AS telemetry_rows,"
            " (SELECT count(*) FROM events) AS events,"
            " (SELECT count(*) FROM alerts) AS alerts,"
            " (SELECT count(*) FROM dead_letters) AS dead_letters,"
            " (SELECT count(*) FROM gateways WHERE status = 'online') AS gateways_online,"
            " (SELECT count(*) FROM gateways WHERE last_seen IS NOT NULL) AS gateways_seen,"
            " (SELECT count(*) FROM gateways) AS gateways"
        ).fetchone()
    return dict(row or {})
