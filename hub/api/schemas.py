"""Response schemas of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class GatewayPublic(BaseModel):
    """A gateway with its connection state."""

    id: str
    name: str
    site_id: str | None
    status: str
    status_at: datetime | None
    last_seen: datetime | None
    agent_version: str | None
    capabilities: list[str]
    health: dict[str, Any] | None


class TelemetryBucket(BaseModel):
    """Aggregate of one series over one time bucket."""

    bucket: datetime
    device_id: str
    metric: str
    avg: float
    min: float
    max: float
    n: int


class EventPublic(BaseModel):
    """An event as stored."""

    message_id: str
    gateway_id: str
    device_id: str
    type: str
    severity: str
    alarm: bool
    channel: str | None
    observed_at: datetime
    received_at: datetime
    historical: bool
    data: dict[str, Any]
    evidence: list[dict[str, Any]]


class AlertPublic(BaseModel):
    """An alert (one open per source and type)."""

    id: int
    source: str
    type: str
    severity: str
    status: str
    gateway_id: str
    device_id: str
    site_id: str | None
    count: int
    first_seen: datetime
    last_seen: datetime


class DeadLetterPublic(BaseModel):
    """A refused message and the reason."""

    id: int
    received_at: datetime
    topic: str
    reason: str
    detail: str
    payload_size: int
    payload_sha256: str


class SitePublic(BaseModel):
    """A node of the site tree."""

    id: str
    kind: str
    parent_id: str | None
    name: str
    path: str


class Stats(BaseModel):
    """Counts for dashboards and the demo summary."""

    telemetry_rows: int
    events: int
    alerts: int
    open_alerts: int
    dead_letters: int
    gateways_online: int
    gateways: int
