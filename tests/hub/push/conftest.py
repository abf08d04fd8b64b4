"""Fixtures of the push tests: a migrated database, a controllable clock, a real HTTP receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from hub.db import MIGRATIONS, make_pool, migrate
from hub.push.config import PushConfig
from hub.push.outbox import alert_snapshot
from hub.store import write_batch
from protocol.models import EvidenceRef
from tests.factories import alarm

SECRET = "webhook-secret-0123456789"
EVIDENCE_SHA = "ab" * 32


@pytest.fixture
def push_db(database_url: str) -> str:
    """A migrated database with the push outbox (applied here until db.py lists it)."""
    migrate(database_url)
    if 4 not in {version for version, _ in MIGRATIONS}:
        sql = resources.files("hub.migrations").joinpath("0004_push.sql").read_text("utf-8")
        with psycopg.connect(database_url) as conn:
            conn.execute(sql.encode())
    return database_url


@pytest.fixture
def pool(push_db: str) -> Iterator[ConnectionPool]:
    """A connection pool like a hub process has."""
    opened = make_pool(push_db, max_size=4)
    yield opened
    opened.close()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_alert(
    database_url: str, device: str = "cam-1", type_: str = "falling_object"
) -> dict[str, Any]:
    """Ingest one alarm event (camera channel, one evidence image) and return its alert row."""
    event = alarm("gw-a", device, type_).model_copy(
        update={
            "channel": "2",
            "evidence": [EvidenceRef(sha256=EVIDENCE_SHA, media_type="image/jpeg")],
        }
    )
    with psycopg.connect(database_url) as conn:
        write_batch(conn, [event], [])
        row = conn.execute(
            "SELECT id FROM alerts WHERE device_id = %s AND type = %s", (device, type_)
        ).fetchone()
        assert row is not None
        snapshot = alert_snapshot(conn, int(row[0]))
    assert snapshot is not None
    return snapshot


def webhook_config(url: str, **overrides: Any) -> PushConfig:
    """One webhook target for both levels, fast retries."""
    values: dict[str, Any] = {
        "hub_base_url": "https://hub.example.test/",
        "targets": [
            {
                "name": "vms",
                "kind": "webhook",
                "levels": ["community", "street"],
                "url": url,
                "secret": SECRET,
                "timeout_s": 2.0,
            }
        ],
        "backoff_base_s": 10.0,
        "backoff_cap_s": 60.0,
        "give_up_after_days": 2.0,
    }
    values.update(overrides)
    return PushConfig.model_validate(values)


@dataclass
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on loopback that records POSTs and answers ``status``."""

    server: ThreadingHTTPServer
    status: int = 200
    delay_s: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/alerts"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(receiver.delay_s)
            with receiver.lock:
                receiver.received.append(Received(dict(self.headers.items()), body))
                status = receiver.status
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test asserts on what was received instead."""

    return Handler


def start_receiver(port: int = 0) -> Receiver:
    """Serve on 127.0.0.1:``port`` (0: any free port) in a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
    receiver = Receiver(server=server)
    server.RequestHandlerClass = _handler(receiver)
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running webhook receiver."""
    started = start_receiver()
    yield started
    started.server.shutdown()
    started.server.server_close()
