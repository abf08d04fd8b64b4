"""Plate-reading health of a lane: a camera that stops reading plates raises a fault.

A lane camera knocked askew, covered, out of focus or blind at night keeps
sending frames and the virtual loop keeps cutting passes, but no plate is
read: every resident waits at the barrier for the guard, and nothing says
why. So the lane counts its unread passes. When most of the recent passes
went unread the lane raises a ``camera_fault`` (``plates_unread``) for its
camera; a few passes read in a row clear it.

Counted in passes, not seconds: a quiet lane at night reads few plates and
is not judged on the passes it did not have. A lens covered so fully that
the virtual loop cuts no passes is not caught here, nor by the lane's stream
check (frames still arrive and differ); a lost or frozen stream is.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge.camera.viewcheck import fault_event
from protocol.models import Event

FAULT = "plates_unread"


class ReadWatchConfig(BaseModel):
    """When a lane's unread passes count as a camera fault.

    The defaults keep a healthy lane quiet even where a third of the passes
    carry no readable plate (e-bikes through the car lane, new cars with
    paper plates): at an unread share of 0.3, 12 or more of 20 passes go
    unread by chance with a probability of 0.005 (0.0001 at 0.2).
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="Watch the lane's plate reading.")
    window_passes: int = Field(
        default=20, ge=2, le=1000, description="Recent passes the unread count is taken over."
    )
    raise_unread: int = Field(
        default=12, ge=1, description="Unread passes within the window that raise the fault."
    )
    clear_read: int = Field(
        default=5, ge=1, le=1000, description="Passes read in a row that clear the fault."
    )

    @model_validator(mode="after")
    def verify_counts(self) -> Self:
        if self.raise_unread > self.window_passes:
            raise ValueError(
                f"raise_unread ({self.raise_unread}) cannot exceed window_passes"
                f" ({self.window_passes})"
            )
        return self


@dataclass(frozen=True, slots=True)
class ReadChange:
    """The fault was raised (or cleared) by the pass at ``at``."""

    raised: bool
    since: datetime
    at: datetime
    unread: int
    passes: int


class ReadWatch:
    """Counts a lane's unread passes; :meth:`record` says when the fault is raised or cleared."""

    def __init__(self, config: ReadWatchConfig) -> None:
        self.config = config
        self._recent: deque[tuple[datetime, bool]] = deque(maxlen=config.window_passes)
        self._read_run = 0
        self._since: datetime | None = None

    @property
    def raised(self) -> bool:
        """Whether the fault is up."""
        return self._since is not None

    def record(self, *, read: bool, at: datetime) -> ReadChange | None:
        """Count one pass; return the change it made, if any."""
        if not self.config.enabled:
            return None
        self._recent.append((at, read))
        self._read_run = self._read_run + 1 if read else 0
        unread = [when for when, ok in self._recent if not ok]
        if self._since is None:
            if len(unread) < self.config.raise_unread:
                return None
            self._since = unread[0]
            return ReadChange(True, self._since, at, len(unread), len(self._recent))
        if self._read_run < self.config.clear_read:
            return None
        change = ReadChange(False, self._since, at, len(unread), len(self._recent))
        # The unread passes before the repair must not raise the fault again.
        self._since = None
        self._recent.clear()
        return change


def read_event(
    change: ReadChange, *, gateway_id: str, device_id: str, lane: str, channel: str | None
) -> Event:
    """The ``camera_fault`` event of a change: a major alarm when raised, a notice when cleared."""
    data: dict[str, Any] = {
        "fault": FAULT,
        "raised": change.raised,
        "since": change.since.isoformat(),
        "lane": lane,
        "unread": change.unread,
        "passes": change.passes,
    }
    return fault_event(
        gateway_id=gateway_id, device_id=device_id, at=change.at, data=data, channel=channel
    )
