"""Gas shut-off valve drivers: the protocol the interlock uses, and a simulated valve.

A driver only starts motion and reports position; it never blocks and never
touches the network, so the interlock acts with the hub unreachable.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Literal, Protocol

logger = logging.getLogger(__name__)


class ValvePosition(StrEnum):
    """Position as reported by the valve's limit switches."""

    OPEN = "open"
    CLOSED = "closed"
    MOVING = "moving"
    UNKNOWN = "unknown"


class ValveDriver(Protocol):
    """A motorised valve. Calls return at once; ``position`` reports progress."""

    def command_close(self, now_s: float) -> None:
        """Start closing."""

    def command_open(self, now_s: float) -> None:
        """Start opening."""

    def position(self, now_s: float) -> ValvePosition:
        """Current position feedback."""


FailureMode = Literal["none", "stuck", "slow", "no_feedback", "fail_first"]


class SimulatedValve:
    """A valve with an actuation time and a failure mode.

    ``actuation_s`` is the travel time; ``failure`` is ``none``, ``stuck``
    (never moves), ``slow`` (travel takes ``slow_factor`` times longer),
    ``no_feedback`` (moves but the limit switches report unknown), or
    ``fail_first`` (ignores the first close command, obeys a retry).
    """

    def __init__(
        self,
        *,
        actuation_s: float = 3.0,
        failure: FailureMode = "none",
        slow_factor: float = 10.0,
        initial: ValvePosition = ValvePosition.OPEN,
    ) -> None:
        self.actuation_s = actuation_s
        self.failure = failure
        self.slow_factor = slow_factor
        self._from = initial
        self._target = initial
        self._started_s = float("-inf")
        self.close_commands: list[float] = []
        self.open_commands: list[float] = []

    def command_close(self, now_s: float) -> None:
        """Start closing (a simulated failure may ignore it)."""
        self.close_commands.append(now_s)
        if self.failure == "fail_first" and len(self.close_commands) == 1:
            return
        self._start(ValvePosition.CLOSED, now_s)

    def command_open(self, now_s: float) -> None:
        """Start opening."""
        self.open_commands.append(now_s)
        self._start(ValvePosition.OPEN, now_s)

    def position(self, now_s: float) -> ValvePosition:
        """Position at ``now_s``, as the limit switches would report it."""
        if self.failure == "no_feedback":
            return ValvePosition.UNKNOWN
        if self._target == self._from:
            return self._target
        travel = self.actuation_s * (self.slow_factor if self.failure == "slow" else 1.0)
        if now_s - self._started_s >= travel:
            self._from = self._target
            return self._target
        return ValvePosition.MOVING

    def _start(self, target: ValvePosition, now_s: float) -> None:
        if self.failure == "stuck":
            logger.debug("simulated valve stuck; ignoring command to %s", target)
            return
        if self._target == target:
            return
        self._from = self.position(now_s)
        self._target = target
        self._started_s = now_s
