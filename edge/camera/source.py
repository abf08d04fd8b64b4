"""A camera source: a capture thread with reconnect, a watchdog and statistics.

Frames go into a drop-oldest queue for analysis and into a pre-event ring
for evidence. A source that fails to open, stops delivering frames, or
exceeds the watchdog is reopened with jittered, capped exponential backoff
(tenacity), so a camera that reboots comes back on its own and a hundred
cameras do not reconnect in lockstep.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_random_exponential

from edge.camera.buffers import DropOldestQueue, Frame, PreEventBuffer
from edge.camera.config import FileSource, SimulatorSource, SourceConfig, StreamSource
from edge.camera.errors import SourceUnavailable

logger = logging.getLogger(__name__)


class Capture(Protocol):
    """What ``cv2.VideoCapture`` offers and a simulator imitates."""

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's spelling
        """True when frames can be read."""

    def read(self) -> tuple[bool, Any]:
        """The next frame as (ok, BGR array)."""

    def release(self) -> None:
        """Close the capture."""


Opener = Callable[[], Capture]


def opener_for(config: SourceConfig) -> Opener:
    """How to open the configured source."""
    if isinstance(config, FileSource):
        return lambda: cv2.VideoCapture(config.path)
    if isinstance(config, StreamSource):
        # A read timeout makes a stalled stream's read return, so the capture
        # thread itself sees the watchdog expire.
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(config.open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(config.watchdog_s * 1000),
        ]
        return lambda: cv2.VideoCapture(config.url, cv2.CAP_FFMPEG, params)
    sim: SimulatorSource = config
    # Imported late: gateways in the field do not ship the simulators.
    module = importlib.import_module(f"simulators.{sim.scenario}.capture")
    factory: Callable[..., Capture] = module.SimulatedCapture
    return lambda: factory(seed=sim.seed, fps=sim.fps, gap_s=sim.gap_s)


class CameraSource:
    """Captures one camera on a named thread; ``frames`` and ``pre_event`` hold the output."""

    def __init__(self, *, config: SourceConfig, opener: Opener | None = None) -> None:
        self.config = config
        self._open = opener or opener_for(config)
        self.frames = DropOldestQueue(config.queue_size)
        self.pre_event = PreEventBuffer(config.pre_event_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._capture: Capture | None = None
        self._last_frame_t = time.monotonic()
        self._seq = 0
        self._next_due = 0.0
        self.ended = threading.Event()
        self.counts = {"frames": 0, "skipped": 0, "reconnects": 0, "watchdog": 0}
        self._window: list[float] = []

    # -- lifecycle --------------------------------------------------------
    def start(self) -> None:
        """Start capturing on a background thread."""
        self._thread = threading.Thread(
            target=self._run, name=f"camera-{self.config.id}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop capturing and wait for the thread, which releases the capture itself."""
        # Releasing an OpenCV capture from another thread while it reads crashes
        # the process, so only the capture thread ever releases.
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    # -- capture loop -----------------------------------------------------
    def _connect(self) -> Capture:
        return connect(self.config.id, self._open)

    def _reconnecting(self) -> Retrying:
        return Retrying(
            wait=wait_random_exponential(
                multiplier=self.config.reconnect_min_s, max=self.config.reconnect_max_s
            ),
            retry=retry_if_exception_type(SourceUnavailable),
            stop=lambda _state: self._stop.is_set(),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )

    def _sleep(self, seconds: float) -> None:
        """Back off, but wake at once when the source is stopped."""
        self._stop.wait(seconds)

    def _log_retry(self, state: RetryCallState) -> None:
        logger.warning(
            "camera %s unavailable (attempt %s); retrying", self.config.id, state.attempt_number
        )

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                capture = self._reconnecting()(self._connect)
            except SourceUnavailable:
                break  # only reached when stopping
            if not first:
                self.counts["reconnects"] += 1
            first = False
            self._capture = capture
            self._last_frame_t = time.monotonic()
            self._pump(capture)
            self._release()
            if self._finished():
                break
        self.ended.set()

    def _finished(self) -> bool:
        """A non-looping file ends at its last frame; every other source reconnects."""
        config = self.config
        return self._stop.is_set() or (isinstance(config, FileSource) and not config.loop)

    def _pump(self, capture: Capture) -> None:
        while not self._stop.is_set():
            if time.monotonic() - self._last_frame_t > self.config.watchdog_s:
                self.counts["watchdog"] += 1
                logger.warning(
                    "camera %s: no frame for %.1fs; reconnecting",
                    self.config.id,
                    self.config.watchdog_s,
                )
                return
            ok, image = capture.read()
            if not ok:
                return
            if image is None:
                continue  # a stalling stream may answer without a frame; the watchdog decides
            self._accept(np.asarray(image))
            if isinstance(self.config, FileSource) and self.config.realtime:
                self._stop.wait(1.0 / 25.0)

    def _accept(self, image: np.ndarray) -> None:
        now = time.monotonic()
        self._last_frame_t = now
        self._seq += 1
        self.counts["frames"] += 1
        self._window = [t for t in self._window if now - t <= 5.0] + [now]
        frame = Frame(t=now, seq=self._seq, image=image)
        self.pre_event.add(frame)
        target = self.config.target_fps
        if target is not None and now < self._next_due:
            self.counts["skipped"] += 1
            return
        if target is not None:
            self._next_due = max(self._next_due + 1.0 / target, now)
        self.frames.put(frame)

    def _release(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()

    def stalled(self) -> bool:
        """True when no frame came for longer than the watchdog (for health checks)."""
        return time.monotonic() - self._last_frame_t > self.config.watchdog_s

    def stats(self) -> dict[str, float]:
        """fps, skipped, dropped, reconnects and watchdog trips, for the health message."""
        now = time.monotonic()
        recent = [t for t in self._window if now - t <= 5.0]
        fps = (len(recent) - 1) / max(recent[-1] - recent[0], 1e-6) if len(recent) > 1 else 0.0
        return {
            "camera_fps": round(fps, 2),
            "camera_frames": float(self.counts["frames"]),
            "camera_skipped": float(self.counts["skipped"]),
            "camera_dropped": float(self.frames.dropped),
            "camera_reconnects": float(self.counts["reconnects"]),
            "camera_watchdog": float(self.counts["watchdog"]),
        }


def connect(source_id: str, opener: Opener) -> Capture:
    """An opened capture; SourceUnavailable (the capture released) when it will not open."""
    capture = opener()
    if not capture.isOpened():
        capture.release()
        raise SourceUnavailable(source_id, "could not open")
    return capture


def snapshot(
    config: SourceConfig, *, timeout_s: float = 15.0, opener: Opener | None = None
) -> npt.NDArray[np.uint8]:
    """One frame from the camera of ``config`` (BGR), for calibrating on.

    Raises SourceUnavailable when the source cannot be opened or gives no
    frame within ``timeout_s``.
    """
    capture = connect(config.id, opener or opener_for(config))
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ok, image = capture.read()
            if not ok:
                break
            if image is not None:
                return np.asarray(image, dtype=np.uint8)
        raise SourceUnavailable(config.id, f"gave no frame within {timeout_s:g} s")
    finally:
        capture.release()
