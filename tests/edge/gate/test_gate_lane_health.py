"""A lane's camera health: unread plates and a lost or frozen stream raise camera faults."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gate_factories import GATEWAY, T0, make_gate
from pydantic import ValidationError

from edge.gate.config import GateConfig
from edge.gate.readwatch import FAULT, ReadChange, ReadWatch, ReadWatchConfig
from edge.plates.grammar import PlateColour, parse
from edge.plates.reader import PassResult
from edge.plates.vote import PlateResult
from simulators.gate.scene import make_passes


def feed(watch: ReadWatch, reads: str) -> list[tuple[int, ReadChange]]:
    """Passes one minute apart, 'r' read and 'u' unread; the changes with their pass index."""
    changes = []
    for index, mark in enumerate(reads):
        change = watch.record(read=mark == "r", at=T0 + timedelta(minutes=index))
        if change is not None:
            changes.append((index, change))
    return changes


def test_raises_at_the_unread_count_and_says_since_when() -> None:
    watch = ReadWatch(ReadWatchConfig(window_passes=6, raise_unread=4, clear_read=2))
    changes = feed(watch, "rrururuu")
    assert [(i, c.raised) for i, c in changes] == [(7, True)]
    index, change = changes[0]
    assert change.since == T0 + timedelta(minutes=2), "the oldest unread pass in the window"
    assert change.at == T0 + timedelta(minutes=index)
    assert (change.unread, change.passes) == (4, 6)
    assert watch.raised


def test_scattered_unread_passes_never_raise() -> None:
    watch = ReadWatch(ReadWatchConfig())
    # One pass in three unread for 300 passes: at most 7 in any 20, never 12.
    assert feed(watch, "rru" * 100) == []
    assert not watch.raised


def test_reads_in_a_row_clear_and_old_unread_passes_do_not_raise_again() -> None:
    watch = ReadWatch(ReadWatchConfig(window_passes=6, raise_unread=4, clear_read=2))
    changes = feed(watch, "uuuu" + "ru" + "rr" + "u")
    assert [(i, c.raised) for i, c in changes] == [(3, True), (7, False)]
    cleared = changes[1][1]
    assert cleared.since == T0, "the clear names when the fault began"
    assert (cleared.unread, cleared.passes) == (3, 6)
    assert not watch.raised, "one unread pass after the repair is not a fault"


def test_disabled_watch_says_nothing() -> None:
    watch = ReadWatch(ReadWatchConfig(enabled=False))
    assert feed(watch, "u" * 50) == []
    assert not watch.raised


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"window_passes": 10, "raise_unread": 11}, "cannot exceed window_passes"),
        ({"window_passes": 1}, "greater than or equal to 2"),
        ({"raise_unread": 0}, "greater than or equal to 1"),
        ({"clear_read": "a few"}, "valid integer"),
        ({"window_passes": 10**9}, "less than or equal to 1000"),
        ({"hold_s": 30}, "Extra inputs are not permitted"),
    ],
)
def test_bad_watch_config_is_refused_clearly(values: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        lane_config(read_watch=values)


def lane_config(**values: Any) -> GateConfig:
    return GateConfig.model_validate(
        {"device_id": "gate-east-1", "lists_path": "lists.sqlite", "secret": "s" * 16, **values}
    )


@pytest.mark.parametrize(
    ("view", "problem"),
    [
        ({"checks": ["no_signal", "moved"]}, "may hold only no_signal and frozen, not moved"),
        ({"reference": "lane.png"}, "for façade cameras; a lane has none"),
        ({"frozen_s": 0}, "greater than 0"),
    ],
)
def test_a_lane_stream_check_judges_only_the_stream(view: dict[str, Any], problem: str) -> None:
    assert lane_config().view_check.checks == {"no_signal", "frozen"}
    assert lane_config(view_check={"hold_s": 10}).view_check.checks == {"no_signal", "frozen"}
    with pytest.raises(ValidationError, match=problem):
        lane_config(view_check=view)


def _read(text: str) -> PassResult:
    plate = PlateResult(plate=parse(text), colour=PlateColour.BLUE, confidence=0.9, frames_used=3)
    return PassResult(plate, None, [], 3, 10.0)


def test_gate_emits_the_fault_and_its_clearing(tmp_path: Path) -> None:
    gate, sink, _, _ = make_gate(
        tmp_path, reader=False, read_watch={"window_passes": 4, "raise_unread": 3, "clear_read": 2}
    )
    for _ in range(3):
        gate.on_plate_result(PassResult(None, None, [], 1, 5.0))
    faults = [e for e in sink.events if e.type == "camera_fault"]
    assert len(faults) == 1
    raised = faults[0]
    assert raised.alarm and raised.severity == "major"
    assert raised.gateway_id == GATEWAY and raised.device_id == "gate-east-1"
    assert raised.data | {"since": None} == {
        "fault": FAULT,
        "raised": True,
        "since": None,
        "lane": "1",
        "unread": 3,
        "passes": 3,
    }
    assert gate.stats()["gate_read_faults"] == 1.0
    gate.on_plate_result(_read("冀A12345"))
    gate.on_plate_result(_read("冀A12346"))
    cleared = [e for e in sink.events if e.type == "camera_fault"][1:]
    assert len(cleared) == 1
    assert not cleared[0].alarm and cleared[0].severity == "info"
    assert cleared[0].data["raised"] is False and cleared[0].data["fault"] == FAULT
    assert gate.stats()["gate_read_faults"] == 0.0
    passes = [e for e in sink.events if e.type == "vehicle_pass"]
    assert len(passes) == 5, "every pass still has its own event"


def test_a_covered_lane_camera_raises_the_fault(tmp_path: Path) -> None:
    """Real reader, real frames: a lens covered by a bag reads nothing and says so."""
    gate, sink, _, _ = make_gate(
        tmp_path, read_watch={"window_passes": 4, "raise_unread": 3, "clear_read": 2}
    )
    clear = [p for p in make_passes(3, 8, n_frames=3) if not p.conditions]
    assert len(clear) >= 2
    for vehicle in clear[:2]:
        gate.on_vehicle_pass(vehicle.frames)
    assert not gate.reads.raised, "clear plates were read"
    bag = np.full((720, 1280, 3), 70, dtype=np.uint8)
    for _ in range(3):
        gate.on_vehicle_pass([bag, bag])
    faults = [e for e in sink.events if e.type == "camera_fault"]
    assert [e.data["raised"] for e in faults] == [True]
    assert faults[0].data["unread"] == 3 and faults[0].data["passes"] == 4
