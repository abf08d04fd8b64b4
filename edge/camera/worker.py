"""A camera source and the one thread that analyses its frames."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod

from edge.camera.buffers import Frame
from edge.camera.config import SourceConfig
from edge.camera.source import CameraSource
from edge.camera.viewcheck import ViewChange, ViewCheck

logger = logging.getLogger(__name__)

# How long the analysing thread waits for a frame before checking whether to stop.
POLL_S = 0.2


class CameraWorker(ABC):
    """Captures on the source's thread and analyses on ``name``'s.

    Subclasses write ``_run``, and ``_view_changed`` to report their camera's faults.

    With a ``view`` check, ``next_frame`` shows it every frame and every empty
    wait, and hands each fault it raises or clears to ``_view_changed``.
    """

    def __init__(self, source: SourceConfig, *, name: str, view: ViewCheck | None = None) -> None:
        self.source = CameraSource(config=source)
        self.view = view
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Capture and analyse in the background."""
        self.source.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop capturing, then analysing (the analysis finishes what it holds first)."""
        self.source.stop()
        self._stop.set()
        self._thread.join(10)

    @property
    def stopping(self) -> bool:
        """True once ``stop`` was called."""
        return self._stop.is_set()

    def next_frame(self, timeout_s: float = POLL_S) -> Frame | None:
        """The next captured frame, or None after ``timeout_s`` or when stopping."""
        frame = self.source.frames.get(timeout_s=timeout_s)
        if self.stopping:
            return None
        if self.view is not None:
            self._check_view(self.view, frame)
        return frame

    def _check_view(self, view: ViewCheck, frame: Frame | None) -> None:
        try:
            if frame is None:
                changes = view.idle(time.monotonic())
            else:
                changes = view.frame(frame.t, frame.image)
            for change in changes:
                self._view_changed(change, frame)
        except Exception:
            # The view check must never stop the camera's analysis.
            logger.exception("camera %s: view check failed", self.source.config.id)

    @abstractmethod
    def _view_changed(self, change: ViewChange, frame: Frame | None) -> None:
        """Report a fault the view check raised or cleared (``frame``: the one that showed it)."""

    @abstractmethod
    def _run(self) -> None:
        """The analysing thread: take frames with ``next_frame`` until ``stopping``."""
