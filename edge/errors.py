"""Errors of the edge agent."""

from __future__ import annotations


class EdgeError(Exception):
    """Base of edge errors."""


class ConfigError(EdgeError):
    """The gateway configuration file is missing or invalid.

    ``path`` is the file; ``problems`` lists each bad key with what was expected.
    """

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


class PrivacyViolation(EdgeError):
    """A message would have carried personal data off the gateway."""

    def __init__(self, *, what: str, found: str) -> None:
        super().__init__(
            f"refused to publish {what}: it contains a {found}; desensitise it first "
            "(mask plates, pseudonymise people) before emitting"
        )
        self.what = what
        self.found = found
