"""Turns detections into protocol events, screened and handed to the sink.

Safety logic must never stop because the outbox or the privacy gate refused
an event: the valve has already acted by then. Failures are counted, logged
and (for sink failures) retried on the next poll from a bounded queue.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from edge.egress import EgressGate
from edge.errors import PrivacyViolation
from edge.sink import Sink
from protocol.ids import new_message_id
from protocol.models import Event, Severity

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
RETRY_LIMIT = 1000


def utc(ts_s: float) -> datetime:
    """UTC datetime of an epoch-seconds timestamp."""
    return datetime.fromtimestamp(ts_s, tz=UTC)


class Emitter:
    """Builds events, screens them through the egress gate and emits them.

    ``gateway_id`` stamps every event; ``sink`` receives them; ``egress`` is
    the privacy gate each payload must pass; ``stats`` counts outcomes.
    """

    def __init__(
        self,
        *,
        gateway_id: str,
        sink: Sink,
        egress: EgressGate,
        new_id: Callable[[], str] = new_message_id,
    ) -> None:
        self._gateway_id = gateway_id
        self._sink = sink
        self._egress = egress
        self._new_id = new_id
        self._retry: deque[Event] = deque()
        self.stats: Counter[str] = Counter()

    def emit(
        self,
        *,
        event_type: str,
        device_id: str,
        at_s: float,
        severity: Severity = "info",
        alarm: bool = False,
        data: dict[str, Any] | None = None,
    ) -> Event | None:
        """Emit one event; return it, or None when the privacy gate refused it."""
        # Three decimals is more precision than any of these sensors has.
        tidy = {k: round(v, 3) if isinstance(v, float) else v for k, v in (data or {}).items()}
        event = Event(
            message_id=self._new_id(),
            gateway_id=self._gateway_id,
            type=event_type,
            severity=severity,
            alarm=alarm,
            device_id=device_id,
            observed_at=utc(at_s),
            data=tidy,
        )
        try:
            self._egress.screen_message(event, what=event_type)
        except PrivacyViolation:
            self.stats["privacy_refused"] += 1
            return None
        self.stats[f"event.{event_type}"] += 1
        self._send(event)
        return event

    def flush(self) -> None:
        """Retry events the sink refused earlier, oldest first."""
        for _ in range(len(self._retry)):
            self._send(self._retry.popleft())

    @property
    def pending(self) -> int:
        """Events waiting for a retry."""
        return len(self._retry)

    def _send(self, event: Event) -> None:
        try:
            self._sink.emit_event(event)
        except Exception:  # the sink is external; any failure must not stop safety logic
            self.stats["sink_failures"] += 1
            logger.exception("sink refused event %s; will retry", event.type)
            if len(self._retry) >= RETRY_LIMIT:
                self._retry.popleft()
                self.stats["retry_dropped"] += 1
            self._retry.append(event)
