"""A simulated gate camera with OpenCV's capture interface (read/isOpened/release)."""

from __future__ import annotations

import time

import numpy as np

from simulators.gate.scene import make_pass


class SimulatedCapture:
    """Endless vehicle passes from ``seed``, paced at ``fps`` (0 = as fast as read)."""

    def __init__(self, *, seed: int = 0, fps: float = 10.0, frames_per_pass: int = 4) -> None:
        self._rng = np.random.default_rng(seed)
        self._fps = fps
        self._frames_per_pass = frames_per_pass
        self._pending: list[np.ndarray] = []
        self._opened = True
        self._next_t = time.monotonic()

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's spelling
        """True until released."""
        return self._opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The next frame of the current pass, starting a new pass when one ends."""
        if not self._opened:
            return False, None
        if not self._pending:
            self._pending = list(make_pass(self._rng, n_frames=self._frames_per_pass).frames)
        if self._fps > 0:
            delay = self._next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._next_t = max(self._next_t + 1.0 / self._fps, time.monotonic())
        return True, self._pending.pop(0)

    def release(self) -> None:
        """Stop delivering frames."""
        self._opened = False
