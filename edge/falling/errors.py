"""Errors of the falling-object capability."""

from __future__ import annotations

from edge.errors import EdgeError


class FallingError(EdgeError):
    """Base of falling-object errors."""


class ModelLoadError(FallingError):
    """An ONNX model could not be loaded or is not the expected file.

    ``path`` is the file; ``reason`` says what was wrong.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}; check the file against the model registry entry")
        self.path = path
        self.reason = reason


class FrameError(FallingError):
    """A frame had the wrong shape or type for this camera's calibration."""

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(f"expected a frame of {expected}, got {got}; check the camera stream")
        self.expected = expected
        self.got = got
