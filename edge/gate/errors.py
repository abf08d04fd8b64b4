"""Errors of the vehicle gate."""

from __future__ import annotations

from edge.errors import EdgeError


class GateError(EdgeError):
    """Base of vehicle-gate errors."""


class BadListSync(GateError, ValueError):
    """An ``allowlist.sync`` command's arguments are malformed; ``problem`` says how."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"allowlist.sync refused: {problem}")
        self.problem = problem


class BarrierFault(GateError):
    """The barrier driver could not move the barrier."""

    def __init__(self, *, lane: str, action: str, problem: str) -> None:
        super().__init__(f"barrier of lane {lane} could not {action}: {problem}")
        self.lane = lane
        self.action = action
        self.problem = problem
