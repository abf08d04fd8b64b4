"""Factories for configs and messages used across tests."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydantic import SecretStr

from edge.config import BrokerConfig, GatewayConfig, OutboxConfig
from hub.settings import HubSettings
from protocol.models import Event, Reading, Telemetry

PASSWORDS = {"gw-a": "pw-a", "gw-b": "pw-b", "gw-c": "pw-c"}
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def gateway_config(gateway_id: str, port: int, tmp: Path, **overrides: object) -> GatewayConfig:
    """A gateway config pointing at the test broker with the gateway's own credentials."""
    values: dict[str, object] = {
        "gateway_id": gateway_id,
        "broker": BrokerConfig(
            port=port,
            username=gateway_id,
            password=SecretStr(PASSWORDS[gateway_id]),
            reconnect_min_s=0.1,
            reconnect_max_s=1.0,
        ),
        "outbox": OutboxConfig(path=tmp / f"{gateway_id}.sqlite", fsync="normal"),
        "health_interval_s": 1.0,
    }
    values.update(overrides)
    return GatewayConfig.model_validate(values)


def hub_settings(database_url: str, port: int, **overrides: object) -> HubSettings:
    """Hub settings for the test broker and database."""
    values: dict[str, object] = {
        "database_url": database_url,
        "mqtt_port": port,
        "mqtt_password": SecretStr("hub-pw"),
        "batch_max_wait_ms": 20,
    }
    values.update(overrides)
    return HubSettings.model_validate(values)


def readings(
    start: int, count: int, device: str = "m1", metric: str = "water.total_m3"
) -> list[Reading]:
    """``count`` readings whose value is their sequence number (so loss and duplicates show)."""
    return [
        Reading(device_id=device, metric=metric, ts=T0 + timedelta(seconds=i), value=float(i))
        for i in range(start, start + count)
    ]


def telemetry(gateway_id: str = "gw-a", n: int = 3) -> Telemetry:
    """A small valid telemetry message."""
    return Telemetry(gateway_id=gateway_id, readings=readings(0, n))


def alarm(gateway_id: str = "gw-a", device: str = "gm-1", type_: str = "gas_alarm") -> Event:
    """An alarm event."""
    return Event(
        gateway_id=gateway_id,
        type=type_,
        severity="critical",
        alarm=True,
        device_id=device,
        observed_at=T0,
        data={"lel_pct": 35.0},
    )


PASSWORD = "test-password-1"
ROLE_USERS: list[tuple[str, str, str | None, tuple[str, ...]]] = [
    ("admin", "admin", None, ()),
    ("street", "street_officer", "st-test", ()),
    ("one-duty", "community_officer", "c-one", ()),
    ("two-duty", "community_officer", "c-two", ()),
    ("one-security", "property_security", "c-one", ()),
    ("carer", "caregiver", None, ("r-a1b2c3",)),
    ("auditor", "auditor", None, ()),
]


@functools.cache
def _password_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(PASSWORD)


def add_users(database_url: str) -> None:
    """One user per role over the test scenario (tests/data/scenario.yaml).

    Rows are written with one argon2 hash computed once per session: hashing
    is slow on purpose and create_user has its own tests.
    """
    import psycopg

    with psycopg.connect(database_url) as conn:
        for name, role, site, residents in ROLE_USERS:
            row = conn.execute(
                "INSERT INTO users (username, password_hash, role, site_id)"
                " VALUES (%s, %s, %s, %s) RETURNING id",
                (name, _password_hash(), role, site),
            ).fetchone()
            assert row is not None
            for resident in residents:
                conn.execute(
                    "INSERT INTO caregiver_residents (user_id, resident_id) VALUES (%s, %s)",
                    (row[0], resident),
                )


def sign_in(client: Any, username: str) -> dict[str, str]:
    """Authorization header for ``username`` (a TestClient or httpx client).

    Tokens are kept per client: argon2 is slow on purpose, tests need not be.
    """
    tokens: dict[str, str] = client.__dict__.setdefault("_test_tokens", {})
    if username not in tokens:
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        tokens[username] = response.json()["access_token"]
    return {"Authorization": f"Bearer {tokens[username]}"}


def write_video(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    """``frames`` (BGR, one size) as an MPEG-4 file at ``fps``, as a camera recording would be."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path
