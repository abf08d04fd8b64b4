"""Factories for household-safety tests: configs, a recording sink, a settable clock."""

from __future__ import annotations

from typing import Any

from edge.household.config import HouseholdSafetyConfig
from edge.household.safety import HouseholdSafety
from edge.household.valve import FailureMode, SimulatedValve
from protocol.models import Command, Event, EvidenceRef, Reading

T0 = 1_767_225_600.0  # 2026-01-01T00:00Z, 08:00 in China
GATEWAY = "gw-test"


class Clock:
    """A clock the test moves by hand (UTC epoch seconds)."""

    def __init__(self, now_s: float = T0) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


class RecordingSink:
    """Keeps events; ``down`` makes it fail as an unreachable outbox would."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.down = False

    def emit_event(self, event: Event) -> None:
        if self.down:
            raise ConnectionError("outbox unavailable")
        self.events.append(event)

    def emit_evidence(self, media_type: str, content: bytes, role: str) -> EvidenceRef:
        raise AssertionError("household safety must not emit evidence")

    def accept_readings(self, readings: list[Reading]) -> None:
        raise AssertionError("household safety must not publish readings")

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def of(self, event_type: str) -> list[Event]:
        return [e for e in self.events if e.type == event_type]


def household_config(**overrides: Any) -> HouseholdSafetyConfig:
    """One household with a detector, a valve, a water meter, a resident with a wearable."""
    raw: dict[str, Any] = {
        "gas_detectors": [{"device_id": "gd-1", "household_id": "h-1"}],
        "valves": [{"device_id": "gv-1", "household_id": "h-1", "close_timeout_s": 10}],
        "meters": [{"device_id": "wm-1", "household_id": "h-1", "medium": "water"}],
        "residents": [
            {"resident_id": "r-a1b2c3d4", "household_id": "h-1", "wearable": {"device_id": "wb-1"}}
        ],
        "monitors": [
            {"device_id": "sm-1", "household_id": "h-1", "kind": "smoke"},
            {"device_id": "dc-1", "household_id": "h-1", "kind": "door"},
            {"device_id": "bd-1", "household_id": "h-1", "kind": "bed"},
            {"device_id": "rm-1", "household_id": "h-1", "kind": "room"},
        ],
    }
    raw.update(overrides)
    return HouseholdSafetyConfig.model_validate(raw)


def make_safety(
    *, failure: FailureMode = "none", actuation_s: float = 2.0, **overrides: Any
) -> tuple[HouseholdSafety, RecordingSink, Clock, SimulatedValve]:
    """A HouseholdSafety over household_config, with its sink, clock and valve."""
    sink, clock = RecordingSink(), Clock()
    valve = SimulatedValve(actuation_s=actuation_s, failure=failure)
    safety = HouseholdSafety(
        gateway_id=GATEWAY,
        config=household_config(**overrides),
        sink=sink,
        valves={"gv-1": valve},
        clock=clock,
    )
    return safety, sink, clock, valve


def scalar(device_id: str, metric: str, ts_s: float, value: object) -> dict[str, object]:
    """A raw scalar payload as a device sends it."""
    return {"device_id": device_id, "metric": metric, "ts": ts_s, "value": value}


def gas(safety: HouseholdSafety, clock: Clock, lel: float, at_s: float) -> None:
    """Move the clock to ``at_s`` and feed a concentration reading."""
    clock.now_s = at_s
    assert safety.on_payload(scalar("gd-1", "gas.lel_pct", at_s, lel))


def run_for(safety: HouseholdSafety, clock: Clock, seconds: float) -> None:
    """Advance the clock second by second, polling as the agent does."""
    end = clock.now_s + seconds
    while clock.now_s < end:
        clock.now_s += 1.0
        safety.poll()


def command(name: str, device_id: str | None = "gv-1", **args: Any) -> Command:
    """A hub command to this gateway."""
    return Command(gateway_id=GATEWAY, name=name, device_id=device_id, args=args)
