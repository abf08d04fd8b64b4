"""Errors of camera sources."""

from __future__ import annotations

from edge.errors import EdgeError


class CameraError(EdgeError):
    """Base of camera errors."""


class SourceUnavailable(CameraError):
    """A camera source could not be opened or stopped delivering frames."""

    def __init__(self, source_id: str, problem: str) -> None:
        super().__init__(f"camera {source_id}: {problem}; check the URL/path and the network")
        self.source_id = source_id
        self.problem = problem


class ViewReferenceError(CameraError):
    """A camera's view-check reference image cannot be used."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"view reference {path}: {problem}")
        self.path = path
        self.problem = problem
