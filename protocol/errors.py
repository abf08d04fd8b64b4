"""Errors raised while encoding or decoding wire messages."""

from __future__ import annotations


class ProtocolError(ValueError):
    """A message does not follow protocol v1.

    ``reason`` is a short machine-readable code stored with dead letters
    (``too_large``, ``bad_topic``, ``bad_json``, ``bad_schema``, ``gateway_mismatch``);
    ``detail`` says what was expected, what came, and what to do.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
