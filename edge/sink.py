"""What edge capabilities (cameras, gates, sensors) publish into.

Capabilities depend on this small protocol, not on the agent, so their
analysis runs and is tested without a broker; the agent implements it by
screening through the privacy egress gate and writing to the durable outbox.
"""

from __future__ import annotations

from typing import Protocol

from protocol.models import Event, EvidenceRef, Reading


class ReadingSink(Protocol):
    """Where device pollers send readings."""

    def accept_readings(self, readings: list[Reading]) -> None:
        """Store a batch of readings for publishing."""


class EventSink(Protocol):
    """Where a capability sends events and their evidence. Each call is durable on return."""

    def emit_event(self, event: Event) -> None:
        """Screen and store an event for publishing."""

    def emit_evidence(self, media_type: str, content: bytes, role: str) -> EvidenceRef:
        """Screen and store an already desensitised evidence object; return its reference."""


class Sink(ReadingSink, EventSink, Protocol):
    """Where a capability sends what it observed: readings, events and evidence."""
