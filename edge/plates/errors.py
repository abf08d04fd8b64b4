"""Errors of plate reading."""

from __future__ import annotations

from edge.errors import EdgeError


class PlateError(EdgeError):
    """Base of plate-reading errors."""


class InvalidPlate(PlateError, ValueError):
    """A string is not a Chinese licence plate; ``reason`` names the broken rule.

    The message never repeats the rejected text: it may be a real plate with
    one bad character, and errors end up in logs.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"not a plate: {reason}")
        self.reason = reason


class ModelError(PlateError):
    """An OCR model file is missing, unreadable or not the registered one."""

    def __init__(self, *, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}; reinstall rapidocr-onnxruntime or fix the registry")
        self.path = path
        self.problem = problem
