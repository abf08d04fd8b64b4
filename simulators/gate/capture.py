"""A simulated gate camera with OpenCV's capture interface (read/isOpened/release).

Vehicles arrive one at a time with the empty lane between them, so the
stream can be cut into passes the way a live lane camera's is. ``started``
counts the passes whose first frame has been read; the plates, in order, are
those of ``make_passes(seed, n)``.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from simulators.gate.scene import empty_lane, make_pass

# Gap lengths are drawn from their own stream so the vehicles are the same
# whatever the gaps are.
_GAP_STREAM = 7919
_NOMINAL_FPS = 10.0
# Sensor noise over the empty lane: one of a few fields, picked per frame. A
# live sensor never gives two equal pictures (the lane's stream check counts
# on it); the vehicle frames carry their own conditions.
_NOISE_STREAM = 7927
_NOISE_BANK = 6
_NOISE_SIGMA = 1.5


class SimulatedCapture:
    """Endless vehicle passes from ``seed``, paced at ``fps`` (0 = as fast as read).

    About ``gap_s`` seconds (half to one and a half times) of empty lane come
    before each vehicle; at least three frames.
    """

    def __init__(
        self, *, seed: int = 0, fps: float = 10.0, frames_per_pass: int = 4, gap_s: float = 1.0
    ) -> None:
        self._rng = np.random.default_rng(seed)
        self._gap_rng = np.random.default_rng([seed, _GAP_STREAM])
        self._noise_rng = np.random.default_rng([seed, _NOISE_STREAM])
        self._fps = fps
        self._frames_per_pass = frames_per_pass
        self._gap_s = gap_s
        # (first frame of a vehicle, empty lane, frame)
        self._pending: list[tuple[bool, bool, np.ndarray]] = []
        self._noise: list[tuple[np.ndarray, np.ndarray]] = []
        self._opened = True
        self._next_t = time.monotonic()
        self.started = 0

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's spelling
        """True until released."""
        return self._opened

    def _queue_next_pass(self) -> None:
        vehicle = make_pass(self._rng, n_frames=self._frames_per_pass)
        rate = self._fps or _NOMINAL_FPS
        gap = max(3, round(self._gap_s * rate * self._gap_rng.uniform(0.5, 1.5)))
        # Two empty frames, alternated: rendering each one would cost more than reading it.
        empty = [empty_lane(vehicle, self._gap_rng) for _ in range(2)]
        self._pending = [(False, True, empty[i % 2]) for i in range(gap)]
        self._pending += [(i == 0, False, frame) for i, frame in enumerate(vehicle.frames)]

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The next frame: empty lane, then the next vehicle's frames."""
        if not self._opened:
            return False, None
        if not self._pending:
            self._queue_next_pass()
        if self._fps > 0:
            delay = self._next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._next_t = max(self._next_t + 1.0 / self._fps, time.monotonic())
        first, empty, frame = self._pending.pop(0)
        self.started += first
        return True, self._noisy(frame) if empty else frame

    def _noisy(self, frame: np.ndarray) -> np.ndarray:
        if not self._noise:
            for _ in range(_NOISE_BANK):
                field = self._noise_rng.normal(0.0, _NOISE_SIGMA, frame.shape)
                up = np.clip(field, 0, 255).astype(np.uint8)
                down = np.clip(-field, 0, 255).astype(np.uint8)
                self._noise.append((up, down))
        up, down = self._noise[int(self._noise_rng.integers(_NOISE_BANK))]
        return np.asarray(cv2.subtract(cv2.add(frame, up), down), dtype=np.uint8)

    def release(self) -> None:
        """Stop delivering frames."""
        self._opened = False
