"""Frame buffers: a bounded queue that drops the oldest, and a pre-event ring."""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured frame: monotonic capture time, sequence number, BGR pixels."""

    t: float
    seq: int
    image: np.ndarray


class DropOldestQueue:
    """Bounded frame queue: a full queue drops its oldest frame and counts it.

    Analysis that falls behind should see the newest frames, not a growing
    backlog; ``dropped`` says how far behind it fell.
    """

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        self._frames: collections.deque[Frame] = collections.deque(maxlen=maxsize)
        self._ready = threading.Condition()
        self.dropped = 0

    def put(self, frame: Frame) -> None:
        """Add a frame, dropping the oldest if full."""
        with self._ready:
            if len(self._frames) == self._frames.maxlen:
                self.dropped += 1
            self._frames.append(frame)
            self._ready.notify()

    def get(self, timeout_s: float | None = None) -> Frame | None:
        """The oldest waiting frame, or None after ``timeout_s``."""
        with self._ready:
            if not self._frames and not self._ready.wait_for(lambda: bool(self._frames), timeout_s):
                return None
            return self._frames.popleft()

    def __len__(self) -> int:
        return len(self._frames)


class PreEventBuffer:
    """The last ``seconds`` of frames, so evidence can start before the event."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._frames: collections.deque[Frame] = collections.deque()
        self._lock = threading.Lock()

    def add(self, frame: Frame) -> None:
        """Keep ``frame`` and forget frames older than the window."""
        with self._lock:
            self._frames.append(frame)
            while self._frames and frame.t - self._frames[0].t > self.seconds:
                self._frames.popleft()

    def snapshot(self, since_s: float | None = None) -> list[Frame]:
        """Frames of the window (or of its last ``since_s`` seconds), oldest first."""
        with self._lock:
            frames = list(self._frames)
        if since_s is None or not frames:
            return frames
        newest = frames[-1].t
        return [f for f in frames if newest - f.t <= since_s]
