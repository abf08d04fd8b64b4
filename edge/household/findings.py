"""What an analysis component found, before it becomes a protocol event."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from protocol.models import Severity

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Finding:
    """One detection: becomes an Event with the same type, severity and alarm flag."""

    event_type: str
    device_id: str
    at_s: float
    severity: Severity = "info"
    alarm: bool = False
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Findings:
    """One device's findings since they were last taken, and its standing alarms.

    A standing alarm (``once``) is reported when it starts and not again until
    it is cleared; ``context`` (household, resident) goes into every finding's data.
    """

    device_id: str
    context: dict[str, Any] = field(default_factory=dict)
    standing: set[str] = field(default_factory=set)
    found: list[Finding] = field(default_factory=list)

    def add(
        self, event_type: str, at_s: float, severity: Severity, *, alarm: bool = True, **data: Any
    ) -> None:
        """Report a finding (an alarm unless ``alarm=False``)."""
        logger.debug("%s: %s", self.device_id, event_type)
        self.found.append(
            Finding(
                event_type=event_type,
                device_id=self.device_id,
                at_s=at_s,
                severity=severity,
                alarm=alarm,
                data={**self.context, **data},
            )
        )

    def once(self, event_type: str, at_s: float, severity: Severity, **data: Any) -> None:
        """Report a standing alarm unless it already stands."""
        if event_type not in self.standing:
            self.standing.add(event_type)
            self.add(event_type, at_s, severity, **data)

    def clear(self, event_type: str) -> bool:
        """End a standing alarm; True when it stood."""
        if event_type in self.standing:
            self.standing.discard(event_type)
            return True
        return False

    def take(self) -> list[Finding]:
        """The findings since the last call."""
        found, self.found = self.found, []
        return found
