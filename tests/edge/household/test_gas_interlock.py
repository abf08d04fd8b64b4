"""Gas interlock: thresholds, confirmation delay, hysteresis, valve feedback, re-open rules."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from edge.household.config import GasDetectorConfig
from edge.household.gas import GasDecision, GasDetector, GasLevel
from tests.edge.household.factories import T0, command, gas, make_safety, run_for


@pytest.mark.parametrize(
    ("lel", "level", "decision"),
    [
        (9.99, GasLevel.NORMAL, None),
        (10.0, GasLevel.PENDING, None),
        (24.99, GasLevel.PENDING, None),
        (25.0, GasLevel.ALARM, GasDecision.ALARM_HIGH),
        (80.0, GasLevel.ALARM, GasDecision.ALARM_HIGH),
    ],
)
def test_threshold_edges(lel: float, level: GasLevel, decision: GasDecision | None) -> None:
    detector = GasDetector(GasDetectorConfig(device_id="gd-1", household_id="h-1"))
    assert detector.on_lel(lel, T0) == decision
    assert detector.level is level


@pytest.mark.parametrize("delay_s", [15.0, 20.0, 45.0, 60.0])
def test_sustained_exposure_alarms_between_15_and_60_s(delay_s: float) -> None:
    safety, sink, clock, valve = make_safety(
        gas_detectors=[{"device_id": "gd-1", "household_id": "h-1", "confirm_delay_s": delay_s}]
    )
    for k in range(0, 70, 5):
        gas(safety, clock, 12.0, T0 + k)
        run_for(safety, clock, 4)
    (alarm,) = sink.of("gas_alarm")
    waited = alarm.observed_at.timestamp() - T0
    assert 15.0 <= waited <= 60.0
    assert waited == pytest.approx(delay_s, abs=1.0)
    assert alarm.data["trigger"] == "confirmed"
    assert valve.close_commands == [alarm.observed_at.timestamp()]


def test_cooking_transient_shorter_than_delay_does_not_alarm() -> None:
    safety, sink, clock, valve = make_safety()
    for k, lel in enumerate([0.5, 18.0, 20.0, 15.0, 0.8, 0.4, 0.5, 0.6, 0.5]):
        gas(safety, clock, lel, T0 + 4 * k)
        run_for(safety, clock, 3)
    run_for(safety, clock, 60)
    assert sink.of("gas_alarm") == []
    assert valve.close_commands == []


def test_high_concentration_skips_the_delay_and_closes_first() -> None:
    safety, sink, clock, valve = make_safety()
    gas(safety, clock, 30.0, T0)
    assert valve.close_commands == [T0]
    (alarm,) = sink.of("gas_alarm")
    assert alarm.severity == "critical"
    assert alarm.alarm
    assert alarm.data["trigger"] == "high"
    assert safety.interlock.latencies_ms[0] < 200.0


def test_pending_rides_dips_above_clear_level() -> None:
    safety, sink, clock, _ = make_safety()
    for k, lel in enumerate([12.0, 7.0, 6.0, 11.0, 8.0, 9.0]):
        gas(safety, clock, lel, T0 + 5 * k)
        run_for(safety, clock, 4)
    assert len(sink.of("gas_alarm")) == 1


def test_hysteresis_and_no_automatic_reopen() -> None:
    safety, sink, clock, valve = make_safety()
    gas(safety, clock, 40.0, T0)
    gas(safety, clock, 6.0, T0 + 10)
    assert sink.of("gas_cleared") == []
    gas(safety, clock, 4.9, T0 + 20)
    assert len(sink.of("gas_cleared")) == 1
    run_for(safety, clock, 600)
    assert valve.open_commands == []
    assert sink.of("valve_opened") == []


def test_interlock_acts_with_no_network_and_delivers_later() -> None:
    safety, sink, clock, valve = make_safety()
    sink.down = True
    gas(safety, clock, 50.0, T0)
    run_for(safety, clock, 5)
    assert valve.close_commands == [T0]
    assert valve.position(clock.now_s).value == "closed"
    assert safety.emitter.pending >= 2
    assert safety.stats["household.sink_failures"] >= 2
    sink.down = False
    safety.poll()
    assert sink.types()[:2] == ["gas_alarm", "valve_closed"]
    assert safety.emitter.pending == 0


def test_valve_closed_is_confirmed_by_feedback() -> None:
    safety, sink, clock, _ = make_safety(actuation_s=3.0)
    gas(safety, clock, 50.0, T0)
    run_for(safety, clock, 2)
    assert sink.of("valve_closed") == []
    run_for(safety, clock, 2)
    (closed,) = sink.of("valve_closed")
    assert closed.observed_at.timestamp() == T0 + 3
    assert closed.data["attempts"] == 1


@pytest.mark.parametrize(
    ("failure", "outcome", "commands"),
    [
        ("stuck", "valve_failed", 2),
        ("no_feedback", "valve_failed", 2),
        ("slow", "valve_closed", 2),
        ("fail_first", "valve_closed", 2),
    ],
)
def test_valve_failure_modes(failure: str, outcome: str, commands: int) -> None:
    safety, sink, clock, valve = make_safety(failure=failure)  # type: ignore[arg-type]
    gas(safety, clock, 50.0, T0)
    run_for(safety, clock, 40)
    assert sink.types().count(outcome) == 1
    assert len(valve.close_commands) == commands
    if outcome == "valve_failed":
        (failed,) = sink.of("valve_failed")
        assert failed.severity == "critical"
        assert failed.alarm


def _tripped_and_cleared() -> tuple:  # type: ignore[type-arg]
    safety, sink, clock, valve = make_safety()
    gas(safety, clock, 50.0, T0)
    run_for(safety, clock, 5)
    gas(safety, clock, 1.0, T0 + 60)
    return safety, sink, clock, valve


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ({}, "authorised_by"),
        ({"authorised_by": ""}, "authorised_by"),
        ({"authorised_by": 42}, "authorised_by"),
        ({"authorised_by": "13812345678"}, "phone"),
    ],
)
def test_reopen_refused_without_authorisation(args: dict[str, Any], reason: str) -> None:
    safety, _, _, valve = _tripped_and_cleared()
    ack = safety.handle_command(command("valve.open", **args))
    assert ack.status == "rejected"
    assert reason in ack.detail
    assert valve.open_commands == []


def test_reopen_refused_while_concentration_high() -> None:
    safety, _, clock, valve = make_safety()
    gas(safety, clock, 50.0, T0)
    gas(safety, clock, 8.0, T0 + 30)
    ack = safety.handle_command(command("valve.open", authorised_by="duty-officer-7"))
    assert ack.status == "rejected"
    assert "below 5.0 %LEL" in ack.detail
    assert valve.open_commands == []


def test_reopen_refused_when_detector_is_silent_or_faulty() -> None:
    safety, _, clock, valve = _tripped_and_cleared()
    clock.now_s = T0 + 1000
    ack = safety.handle_command(command("valve.open", authorised_by="duty-officer-7"))
    assert ack.status == "rejected"
    assert "no fresh reading" in ack.detail
    gas(safety, clock, 0.5, T0 + 1001)
    assert safety.on_payload(
        {"device_id": "gd-1", "metric": "gas.fault", "ts": T0 + 1001, "value": 1}
    )
    ack = safety.handle_command(command("valve.open", authorised_by="duty-officer-7"))
    assert ack.status == "rejected"
    assert "fault" in ack.detail
    assert valve.open_commands == []


def test_authorised_reopen_after_normal_air() -> None:
    safety, sink, clock, valve = _tripped_and_cleared()
    ack = safety.handle_command(command("valve.open", authorised_by="duty-officer-7"))
    assert ack.status == "accepted"
    assert valve.open_commands == [clock.now_s]
    (opened,) = sink.of("valve_opened")
    assert opened.data["authorised_by"] == "duty-officer-7"


def test_reopen_refused_after_valve_failure() -> None:
    safety, _, clock, valve = make_safety(failure="stuck")
    gas(safety, clock, 50.0, T0)
    run_for(safety, clock, 40)
    gas(safety, clock, 0.5, clock.now_s)
    assert valve.position(clock.now_s).value == "open"
    ack = safety.handle_command(command("valve.open", authorised_by="duty-officer-7"))
    assert ack.status == "rejected"
    assert "inspect it on site" in ack.detail
    assert valve.open_commands == []


@pytest.mark.parametrize(
    ("cmd", "status", "detail"),
    [
        (command("valve.open", device_id=None, authorised_by="op-1"), "rejected", "device_id"),
        (command("valve.open", device_id="gv-9", authorised_by="op-1"), "rejected", "device_id"),
        (command("barrier.open"), "rejected", "not a household-safety command"),
        (command("valve.close"), "accepted", "closing"),
    ],
)
def test_command_table(cmd: object, status: str, detail: str) -> None:
    safety, _, _, _ = make_safety()
    ack = safety.handle_command(cmd)  # type: ignore[arg-type]
    assert ack.status == status
    assert detail in ack.detail
    assert ack.command_id == cmd.message_id  # type: ignore[attr-defined]


def test_expired_command_rejected() -> None:
    safety, _, _, valve = _tripped_and_cleared()
    cmd = command("valve.open", authorised_by="op-1").model_copy(
        update={"expires_at": datetime.fromtimestamp(T0 - 1, tz=UTC)}
    )
    ack = safety.handle_command(cmd)
    assert ack.status == "rejected"
    assert "expired" in ack.detail
    assert valve.open_commands == []


@pytest.mark.parametrize(
    "bad",
    [
        {"clear_lel_pct": 10.0, "alarm_lel_pct": 10.0},
        {"alarm_lel_pct": 30.0, "high_lel_pct": 25.0},
        {"confirm_delay_s": 10.0},
        {"confirm_delay_s": 61.0},
        {"colour": "red"},
    ],
)
def test_detector_config_refuses_bad_values(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        GasDetectorConfig.model_validate({"device_id": "gd-1", "household_id": "h-1", **bad})


def test_detector_going_silent_is_reported() -> None:
    safety, sink, clock, _ = make_safety()
    gas(safety, clock, 0.5, T0)
    run_for(safety, clock, 130)
    (offline,) = sink.of("gas_detector_offline")
    assert offline.severity == "major"


def test_interlock_uses_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the interlock must not open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    safety, sink, clock, valve = make_safety()
    gas(safety, clock, 12.0, T0)
    run_for(safety, clock, 25)
    assert valve.close_commands == [T0 + 20]
    assert sink.types() == ["gas_alarm", "valve_closed"]
