"""Errors of the household-safety capability."""

from __future__ import annotations

from edge.errors import EdgeError


class HouseholdError(EdgeError):
    """Base of household-safety errors."""


class PayloadError(HouseholdError):
    """A sensor payload is malformed.

    ``reason`` is a short code used as a stats key (``bad_type``, ``not_finite``,
    ``out_of_range``, ``oversized``, ``unknown_metric``, ``unknown_device``,
    ``bad_shape``); ``detail`` says what was expected and what came.
    """

    def __init__(self, *, reason: str, device_id: str, detail: str) -> None:
        super().__init__(
            f"payload from device {device_id!r} refused ({reason}): {detail}; "
            "check the device driver or its configuration"
        )
        self.reason = reason
        self.device_id = device_id
        self.detail = detail


class HouseholdConfigError(HouseholdError):
    """The household-safety configuration is inconsistent.

    ``problems`` lists each inconsistency with what was expected.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("household safety configuration: " + "; ".join(problems))
        self.problems = problems
