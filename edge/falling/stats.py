"""Bounded frame queue that drops and counts, and the detector's health statistics."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]
WINDOW_FRAMES = 250


class FrameQueue:
    """A bounded queue between the camera and the analysis; full means the oldest goes.

    Dropping the oldest keeps analysis near real time when it falls behind;
    every drop is counted so health messages show it.
    """

    def __init__(self, *, maxsize: int) -> None:
        self._items: deque[tuple[float, Frame]] = deque()
        self._maxsize = maxsize
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0

    def put(self, t: float, frame: Frame) -> None:
        """Add a frame, dropping the oldest one when full."""
        with self._cond:
            if len(self._items) >= self._maxsize:
                self._items.popleft()
                self.dropped += 1
            self._items.append((t, frame))
            self._cond.notify()

    def close(self) -> None:
        """No more frames will come; ``get`` returns None once drained."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def get(self, timeout_s: float = 1.0) -> tuple[float, Frame] | None:
        """The oldest frame, waiting up to ``timeout_s``; None when closed and empty."""
        with self._cond:
            deadline = time.monotonic() + timeout_s
            while not self._items and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._items.popleft() if self._items else None

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)


@dataclass
class DetectorStats:
    """Counters and a sliding window of per-frame costs."""

    frames: int = 0
    analysed: int = 0
    idle: int = 0
    global_changes: int = 0
    alarms: int = 0
    rejected_tracks: int = 0
    dropped: int = 0
    _ms: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW_FRAMES))
    _times: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW_FRAMES))

    def record(self, stream_t: float, ms: float, *, moved: bool) -> None:
        self.frames += 1
        self.analysed += 1 if moved else 0
        self.idle += 0 if moved else 1
        self._ms.append(ms)
        self._times.append(stream_t)

    def as_dict(self) -> dict[str, float]:
        """Stats for health messages (names fit protocol ``Name``)."""
        span = self._times[-1] - self._times[0] if len(self._times) > 1 else 0.0
        fps = (len(self._times) - 1) / span if span > 0 else 0.0
        ms = np.array(self._ms) if self._ms else np.zeros(1)
        return {
            "falling.fps": round(fps, 2),
            "falling.skipped": float(self.dropped),
            "falling.ms_per_frame_p50": round(float(np.median(ms)), 3),
            "falling.ms_per_frame_max": round(float(ms.max()), 3),
            "falling.frames": float(self.frames),
            "falling.idle_frames": float(self.idle),
            "falling.global_changes": float(self.global_changes),
            "falling.alarms": float(self.alarms),
            "falling.rejected_tracks": float(self.rejected_tracks),
        }
