"""A camera source and the one thread that analyses its frames."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

from edge.camera.buffers import Frame
from edge.camera.config import SourceConfig
from edge.camera.source import CameraSource

# How long the analysing thread waits for a frame before checking whether to stop.
POLL_S = 0.2


class CameraWorker(ABC):
    """Captures on the source's thread and analyses on ``name``'s; subclasses write ``_run``."""

    def __init__(self, source: SourceConfig, *, name: str) -> None:
        self.source = CameraSource(config=source)
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
        return None if self.stopping else frame

    @abstractmethod
    def _run(self) -> None:
        """The analysing thread: take frames with ``next_frame`` until ``stopping``."""
