"""A Sink that keeps what it is given in memory, for simulations, tests and benchmarks."""

from __future__ import annotations

import hashlib
from typing import Literal, cast

from protocol.models import Event, EvidenceRef, Reading

MediaType = Literal["image/jpeg", "image/png", "video/mp4", "application/json"]
Role = Literal["snapshot", "clip", "composite", "track"]


class MemorySink:
    """Records events, evidence objects (by sha256) and readings."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.evidence: dict[str, tuple[str, bytes, str]] = {}
        self.readings: list[Reading] = []

    def emit_event(self, event: Event) -> None:
        self.events.append(event)

    def emit_evidence(self, media_type: str, content: bytes, role: str) -> EvidenceRef:
        digest = hashlib.sha256(content).hexdigest()
        self.evidence[digest] = (media_type, content, role)
        return EvidenceRef(
            sha256=digest, media_type=cast(MediaType, media_type), role=cast(Role, role)
        )

    def accept_readings(self, readings: list[Reading]) -> None:
        self.readings.extend(readings)
