"""Visitors still inside after their registered window raise one alarm each."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from gate_factories import T0, make_gate, sync_command

from edge.plates.grammar import PlateColour, parse
from edge.plates.reader import PassResult
from edge.plates.vote import PlateResult


def read(plate: str) -> PassResult:
    result = PlateResult(
        plate=parse(plate), colour=PlateColour.BLUE, confidence=0.95, frames_used=3
    )
    return PassResult(result, None, [], 3, 10.0)


def test_overstaying_visitor_is_flagged_once_and_leavers_are_not(tmp_path: Path) -> None:
    now = [T0]
    gate, sink, _, _ = make_gate(tmp_path, reader=False)
    gate._clock = lambda: now[0]  # the factory's clock is fixed; this test moves time
    until = (T0 + timedelta(hours=1)).isoformat()
    gate.handle_command(
        sync_command(
            visitor=[
                {"plate": "冀A12345", "from": T0.isoformat(), "until": until},
                {"plate": "冀B54321", "from": T0.isoformat(), "until": until},
            ]
        )
    )
    gate.on_plate_result(read("冀A12345"), direction="in")
    gate.on_plate_result(read("冀B54321"), direction="in")
    now[0] = T0 + timedelta(minutes=30)
    gate.on_plate_result(read("冀B54321"), direction="out")
    assert gate.poll() == 0
    now[0] = T0 + timedelta(hours=2)
    assert gate.poll() == 1
    assert gate.poll() == 0
    late = [e for e in sink.events if e.type == "visitor_overstay"]
    assert len(late) == 1 and late[0].alarm
    assert late[0].data["plate_masked"] == "冀A·1**45"
    assert "冀A12345" not in late[0].model_dump_json()
    assert gate.stats()["gate_visitors_inside"] == 1


def test_residents_are_not_tracked(tmp_path: Path) -> None:
    gate, _, _, _ = make_gate(
        tmp_path, reader=False, now=datetime(2026, 11, 23, 8, 0, tzinfo=T0.tzinfo)
    )
    gate.handle_command(sync_command(resident=["冀A12345"]))
    gate.on_plate_result(read("冀A12345"), direction="in")
    assert len(gate.visits) == 0


def test_a_restarted_gateway_still_knows_who_is_inside(tmp_path: Path) -> None:
    now = [T0]
    gate, _, _, _ = make_gate(tmp_path, reader=False)
    gate._clock = lambda: now[0]
    until = (T0 + timedelta(hours=1)).isoformat()
    gate.handle_command(
        sync_command(visitor=[{"plate": "冀A12345", "from": T0.isoformat(), "until": until}])
    )
    gate.on_plate_result(read("冀A12345"), direction="in")
    # The gateway restarts: a new controller over the same files.
    again, sink, _, _ = make_gate(tmp_path, reader=False)
    again._clock = lambda: now[0]
    assert again.stats()["gate_visitors_inside"] == 1
    now[0] = T0 + timedelta(hours=2)
    assert again.poll() == 1
    assert "冀A12345".encode() not in (tmp_path / "lists.sqlite").read_bytes()
    # ...and after one more restart the alarm is not raised twice.
    third, _, _, _ = make_gate(tmp_path, reader=False)
    third._clock = lambda: now[0]
    assert third.poll() == 0
    assert [e.type for e in sink.events] == ["visitor_overstay"]
