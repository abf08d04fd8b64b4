"""Errors of video-platform push; each carries what a log line or the outbox row needs."""

from __future__ import annotations


class PushError(Exception):
    """Base of every push error."""


class DeliveryFailed(PushError):
    """One attempt to hand an alert to a target failed; the outbox retries it later.

    ``reason`` is short and safe to store in ``push_deliveries.last_error``.
    """

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"push to {target!r} failed: {reason}")
        self.target = target
        self.reason = reason


class UnknownTarget(PushError):
    """A pending delivery names a target that is no longer configured."""

    def __init__(self, target: str) -> None:
        super().__init__(
            f"delivery names target {target!r}, which is not in the push configuration;"
            " restore the target or let the delivery go dead"
        )
        self.target = target
