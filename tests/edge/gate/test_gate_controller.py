"""The gate controller: list sync by command, offline opening, events and privacy."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gate_factories import GATEWAY, make_gate, sync_command

from edge.egress import FULL_PLATE_RE
from edge.gate.decision import Action, Reason
from edge.plates.reader import PassResult
from protocol.models import Command
from simulators.gate.scene import VehiclePass, make_passes


@pytest.fixture(scope="module")
def vehicle() -> VehiclePass:
    # Seed 3's first pass is a clear standard plate under no conditions.
    passes = [p for p in make_passes(3, 6, n_frames=3) if not p.conditions]
    return passes[0]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("network is down in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_allowlist_sync_by_command(tmp_path: Path) -> None:
    gate, _, _, store = make_gate(tmp_path, reader=False)
    ack = gate.handle_command(
        sync_command(resident=["冀A12345", "冀A·D12345"], blacklist=["京B54321"])
    )
    assert ack.status == "done"
    assert "resident=2" in ack.detail and "blacklist=1" in ack.detail
    assert store.counts() == {"resident": 2, "visitor": 0, "blacklist": 1}
    ack = gate.handle_command(sync_command(resident=["冀A11111"]))
    assert store.counts()["resident"] == 1, "replace mode swaps the list"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ({}, "expected at least one"),
        ({"resident": "冀A12345"}, "must be a list"),
        ({"resident": ["ABC"]}, "resident[0] is not a plate"),
        ({"visitor": [{"plate": "冀A12345", "from": "2026-11-23T08:00:00"}]}, "time zone"),
        ({"visitor": [{"plate": "冀A12345", "from": "2026-11-23T08:00:00+08:00"}]}, "until"),
        (
            {
                "visitor": [
                    {
                        "plate": "冀A12345",
                        "from": "2026-11-23T10:00:00+08:00",
                        "until": "2026-11-23T09:00:00+08:00",
                    }
                ]
            },
            "'until' must be after",
        ),
        ({"resident": [], "mode": "append"}, "mode must be"),
    ],
)
def test_bad_sync_is_rejected_and_lists_kept(
    tmp_path: Path, args: dict[str, Any], problem: str
) -> None:
    gate, _, _, store = make_gate(tmp_path, reader=False)
    gate.handle_command(sync_command(resident=["冀A12345"]))
    ack = gate.handle_command(sync_command(**args))
    assert ack.status == "rejected"
    assert problem in ack.detail
    assert store.counts()["resident"] == 1


def test_barrier_opens_for_resident_with_no_network(
    tmp_path: Path, vehicle: VehiclePass, no_network: None
) -> None:
    gate, sink, barrier, _ = make_gate(tmp_path)
    gate.handle_command(sync_command(resident=[vehicle.plate.text]))
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 1883))
    outcome = gate.on_vehicle_pass(vehicle.frames)
    assert outcome.decision.action is Action.OPEN
    assert barrier.state == "open" and len(barrier.moves) == 1
    assert outcome.decided_ms < 50
    assert sink.events[0].type == "vehicle_pass"
    assert sink.events[0].data["decision"] == "open"


def test_blacklisted_pass_is_a_major_alarm(tmp_path: Path, vehicle: VehiclePass) -> None:
    gate, _, barrier, _ = make_gate(tmp_path)
    gate.handle_command(sync_command(blacklist=[vehicle.plate.text]))
    outcome = gate.on_vehicle_pass(vehicle.frames)
    event = outcome.event
    assert outcome.decision.reason is Reason.BLACKLISTED
    assert barrier.state == "closed"
    assert (event.type, event.severity, event.alarm) == ("vehicle_blacklisted", "major", True)
    assert (
        event.data["plate_masked"]
        == vehicle.plate.text[:2]
        + "·"
        + vehicle.plate.text[2]
        + "*" * (len(vehicle.plate.text) - 5)
        + vehicle.plate.text[-2:]
    )
    assert event.data["plate_pseudonym"].startswith("veh_")
    assert event.data["plate_colour"] == vehicle.plate.colour
    assert len(event.evidence) == 1


def test_unknown_plate_holds_for_the_guard(tmp_path: Path, vehicle: VehiclePass) -> None:
    gate, sink, barrier, _ = make_gate(tmp_path)
    outcome = gate.on_vehicle_pass(vehicle.frames)
    assert outcome.decision.action is Action.HOLD
    assert barrier.state == "closed"
    assert sink.events[0].data["needs_guard"] is True
    assert sink.events[0].severity == "minor"


def test_unreadable_pass_holds_with_reason(tmp_path: Path) -> None:
    gate, sink, barrier, _ = make_gate(tmp_path)
    blank = np.full((720, 1280, 3), 90, dtype=np.uint8)
    outcome = gate.on_vehicle_pass([blank, blank])
    assert outcome.decision.reason is Reason.UNREADABLE
    assert sink.events[0].data["rejected_reason"].startswith("no frame")
    assert barrier.moves == []


def test_no_full_plate_leaves_in_events_or_evidence(tmp_path: Path) -> None:
    passes = [p for p in make_passes(11, 8, n_frames=3) if not p.hard][:4]
    gate, sink, _, _ = make_gate(tmp_path)
    gate.handle_command(sync_command(resident=[p.plate.text for p in passes[:2]]))
    for vehicle in passes:
        gate.on_vehicle_pass(vehicle.frames)
    assert len(sink.events) == len(passes)
    assert sink.gate.refused == 0
    for payload in sink.payloads:
        text = payload.decode()
        assert FULL_PLATE_RE.search(text) is None
        assert all(p.plate.text not in text for p in passes)
        assert "*" in json.loads(text)["data"].get("plate_masked", "*")
    for _, content in sink.evidence:
        assert all(p.plate.text.encode() not in content for p in passes)


def test_snapshot_hides_the_plate(tmp_path: Path, vehicle: VehiclePass) -> None:
    import cv2

    gate, sink, _, _ = make_gate(tmp_path)
    gate.on_vehicle_pass(vehicle.frames)
    image = cv2.imdecode(np.frombuffer(sink.evidence[0][1], np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    shown = sink.events[0].data["frames_read"] - 1
    scale = image.shape[1] / vehicle.frames[shown].shape[1]
    x0, y0 = (vehicle.plate_quads[shown].min(axis=0) * scale).astype(int)
    x1, y1 = (vehicle.plate_quads[shown].max(axis=0) * scale).astype(int)
    plate_area = image[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2]
    assert plate_area.std() < 12, "the plate area is one flat fill, no characters"


@pytest.mark.parametrize(
    ("name", "fail", "status", "state"),
    [
        ("barrier.open", False, "done", "open"),
        ("barrier.close", False, "done", "closed"),
        ("barrier.open", True, "failed", "closed"),
    ],
)
def test_manual_barrier_commands(
    tmp_path: Path, name: str, fail: bool, status: str, state: str
) -> None:
    gate, _, barrier, _ = make_gate(tmp_path, reader=False, fail_barrier=fail)
    ack = gate.handle_command(
        Command(gateway_id=GATEWAY, name=name, args={"lane": "1"}, issued_by="guard-7")
    )
    assert ack.status == status
    assert barrier.state == state


@pytest.mark.parametrize(("name", "args"), [("barrier.open", {"lane": "9"}), ("valve.close", {})])
def test_foreign_commands_are_rejected(tmp_path: Path, name: str, args: dict[str, Any]) -> None:
    gate, _, barrier, _ = make_gate(tmp_path, reader=False)
    ack = gate.handle_command(Command(gateway_id=GATEWAY, name=name, args=args))
    assert ack.status == "rejected"
    assert barrier.moves == []


def test_low_confidence_listed_plate_waits(tmp_path: Path) -> None:
    from edge.plates.grammar import PlateColour, parse
    from edge.plates.vote import PlateResult

    gate, sink, barrier, _ = make_gate(tmp_path, reader=False, min_open_confidence=0.9)
    gate.handle_command(sync_command(resident=["冀A12345"]))
    weak = PlateResult(
        plate=parse("冀A12345"), colour=PlateColour.BLUE, confidence=0.4, frames_used=3
    )
    outcome = gate.on_plate_result(PassResult(weak, None, [], 3, 12.0))
    assert outcome.decision.reason is Reason.LOW_CONFIDENCE
    assert barrier.state == "closed"
    assert sink.events[0].data["confidence"] == 0.4


def test_stats_count_decisions(tmp_path: Path) -> None:
    gate, _, _, _ = make_gate(tmp_path, reader=False)
    gate.on_plate_result(PassResult(None, None, [], 1, 5.0))
    stats = gate.stats()
    assert stats["gate_passes"] == 1 and stats["gate_held"] == 1
