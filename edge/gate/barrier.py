"""Barrier drivers: the interface the gate controller moves barriers through.

Real barriers are driven by relay boards or vendor controllers (RS-485,
dry contacts); each is a small class with these methods. The simulated
barrier records its moves so tests and the simulator can check them.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Literal, Protocol

from edge.gate.errors import BarrierFault

logger = logging.getLogger(__name__)

BarrierState = Literal["open", "closed"]


class BarrierDriver(Protocol):
    """Moves one lane's barrier. Calls return once the command is given."""

    @property
    def state(self) -> BarrierState:
        """Last commanded position."""

    def open(self) -> None:
        """Raise the barrier; raise BarrierFault if it cannot."""

    def close(self) -> None:
        """Lower the barrier; raise BarrierFault if it cannot."""


class SimulatedBarrier:
    """A barrier in memory; ``moves`` lists (monotonic time, position) for checks."""

    def __init__(self, *, lane: str, fail: bool = False) -> None:
        self.lane = lane
        self.fail = fail
        self.moves: list[tuple[float, BarrierState]] = []
        self._state: BarrierState = "closed"
        self._lock = threading.Lock()

    @property
    def state(self) -> BarrierState:
        """Last commanded position."""
        return self._state

    def _move(self, target: BarrierState) -> None:
        if self.fail:
            raise BarrierFault(lane=self.lane, action=target, problem="simulated relay fault")
        with self._lock:
            self._state = target
            self.moves.append((time.monotonic(), target))
        logger.info("lane %s barrier %s", self.lane, target)

    def open(self) -> None:
        """Raise the barrier."""
        self._move("open")

    def close(self) -> None:
        """Lower the barrier."""
        self._move("closed")
