"""What an analysis component found, before it becomes a protocol event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from protocol.models import Severity


@dataclass(frozen=True, slots=True)
class Finding:
    """One detection: becomes an Event with the same type, severity and alarm flag."""

    event_type: str
    device_id: str
    at_s: float
    severity: Severity = "info"
    alarm: bool = False
    data: dict[str, Any] = field(default_factory=dict)
