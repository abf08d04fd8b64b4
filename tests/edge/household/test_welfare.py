"""Welfare checks from water use: quiet window, away flag, learned pattern, excess and slots."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.household.safety import HouseholdSafety
from tests.edge.household.factories import T0, Clock, RecordingSink, command, make_safety, scalar

INTERVAL = 900.0
HOUR = 3600.0


def local_hour(ts_s: float) -> float:
    return ((ts_s / HOUR) + 8.0) % 24


def day_user(wake: float, sleep: float) -> Callable[[float], float]:
    """20 L per interval while awake (local hours [wake, sleep)), nothing at night."""
    return lambda ts: 20.0 if wake <= local_hour(ts) < sleep else 0.0


def run_water(
    safety: HouseholdSafety,
    clock: Clock,
    use: Callable[[float], float],
    hours: float,
    *,
    start_s: float = T0,
    total_m3: float = 50.0,
) -> float:
    """Feed meter readings every 15 min for ``hours``; return the final total."""
    ts = start_s
    for _ in range(int(hours * HOUR / INTERVAL)):
        ts += INTERVAL
        total_m3 += use(ts) / 1000.0
        clock.now_s = ts
        assert safety.on_payload(scalar("wm-1", "water.total_m3", ts, round(total_m3, 3)))
    return total_m3


def welfare_events(sink: RecordingSink) -> list[float]:
    return [e.observed_at.timestamp() for e in sink.of("welfare_check")]


def test_no_use_for_12_hours_raises_one_welfare_check() -> None:
    safety, sink, clock, _ = make_safety()
    total = run_water(safety, clock, lambda ts: 20.0, 14)
    last_use = clock.now_s
    run_water(safety, clock, lambda ts: 0.0, 20, start_s=last_use, total_m3=total)
    (alert,) = sink.of("welfare_check")
    assert alert.observed_at.timestamp() == last_use + 12 * HOUR
    assert alert.severity == "major"
    assert alert.alarm
    assert alert.data["resident_id"] == "r-a1b2c3d4"
    assert alert.data["window_h"] == 12.0


def test_small_use_below_10_litres_still_counts_as_quiet() -> None:
    safety, sink, clock, _ = make_safety()
    total = run_water(safety, clock, lambda ts: 20.0, 14)
    start = clock.now_s
    trickle = {start + 4 * HOUR, start + 8 * HOUR}
    run_water(
        safety, clock, lambda ts: 4.0 if ts in trickle else 0.0, 13, start_s=start, total_m3=total
    )
    assert welfare_events(sink) == [start + 12 * HOUR]


def test_use_resumes_after_alert() -> None:
    safety, sink, clock, _ = make_safety()
    total = run_water(safety, clock, lambda ts: 20.0, 14)
    total = run_water(safety, clock, lambda ts: 0.0, 13, start_s=clock.now_s, total_m3=total)
    run_water(safety, clock, lambda ts: 20.0, 1, start_s=clock.now_s, total_m3=total)
    assert len(sink.of("welfare_check")) == 1
    assert len(sink.of("welfare_resumed")) == 1


@pytest.mark.parametrize(
    ("away_from_h", "away_to_h", "alerts"),
    [(14.0, 40.0, 0), (20.0, 30.0, 0), (-10.0, 2.0, 1)],
)
def test_away_flag_suppresses_welfare_check(
    away_from_h: float, away_to_h: float, alerts: int
) -> None:
    safety, sink, clock, _ = make_safety()
    total = run_water(safety, clock, lambda ts: 20.0, 14)
    ack = safety.handle_command(
        command(
            "resident.away",
            device_id=None,
            resident_id="r-a1b2c3d4",
            set_by="family-app",
            start_s=T0 + away_from_h * HOUR,
            end_s=T0 + away_to_h * HOUR,
        )
    )
    assert ack.status == "done"
    run_water(safety, clock, lambda ts: 0.0, 26, start_s=clock.now_s, total_m3=total)
    assert len(welfare_events(sink)) == alerts


def test_away_ended_then_still_quiet_alerts_a_window_after_return() -> None:
    safety, sink, clock, _ = make_safety(
        residents=[
            {
                "resident_id": "r-a1b2c3d4",
                "household_id": "h-1",
                "away": [{"start_s": T0 + 14 * HOUR, "end_s": T0 + 20 * HOUR, "set_by": "staff-3"}],
            }
        ]
    )
    total = run_water(safety, clock, lambda ts: 20.0, 14)
    run_water(safety, clock, lambda ts: 0.0, 40, start_s=clock.now_s, total_m3=total)
    assert welfare_events(sink) == [T0 + 32 * HOUR]


@pytest.mark.parametrize(
    "args",
    [
        {"resident_id": "r-unknown1", "set_by": "staff-3", "start_s": T0, "end_s": T0 + 1},
        {"resident_id": "r-a1b2c3d4", "set_by": "staff-3", "start_s": T0 + 5, "end_s": T0},
        {"resident_id": "r-a1b2c3d4", "set_by": "staff-3", "start_s": "soon", "end_s": T0},
        {"resident_id": "r-a1b2c3d4", "start_s": T0, "end_s": T0 + 1},
    ],
)
def test_away_command_refusals(args: dict[str, object]) -> None:
    safety, _, _, _ = make_safety()
    ack = safety.handle_command(command("resident.away", device_id=None, **args))
    assert ack.status == "rejected"
    assert "resident.away" in ack.detail or "set_by" in ack.detail


def test_learned_pattern_checks_a_regular_person_sooner() -> None:
    safety, sink, clock, _ = make_safety()
    # Awake 06:00-22:00 local: 8 h quiet nights, learned window 8 h x 1.25 = 10 h.
    total = run_water(safety, clock, day_user(6, 22), 24 * 9)
    assert sink.of("welfare_check") == []
    assert safety.welfare["r-a1b2c3d4"].window_s() == pytest.approx(10 * HOUR, abs=INTERVAL)
    stop = clock.now_s
    run_water(safety, clock, lambda ts: 0.0, 13, start_s=stop, total_m3=total)
    (alert,) = sink.of("welfare_check")
    assert alert.data["window_h"] == pytest.approx(10.0, abs=0.25)


def test_learned_pattern_stops_flagging_a_late_sleeper() -> None:
    safety, sink, clock, _ = make_safety()
    # Awake 11:00-22:00 local: 13 h quiet nights exceed the default 12 h window.
    run_water(safety, clock, day_user(11, 22), 24 * 14)
    times = welfare_events(sink)
    assert times
    learned_from = T0 + 8 * 24 * HOUR
    assert [t for t in times if t > learned_from] == []


def test_more_than_a_cubic_metre_a_day_suggests_a_leak() -> None:
    safety, sink, clock, _ = make_safety()
    run_water(safety, clock, lambda ts: 12.0, 26)
    (excess,) = sink.of("water_excess")
    assert excess.data["litres_24h"] > 1000.0


def test_use_in_every_half_hour_slot_for_a_day() -> None:
    safety, sink, clock, _ = make_safety()
    run_water(safety, clock, lambda ts: 3.0, 25)
    assert len(sink.of("water_continuous_use")) == 1
    assert sink.of("water_excess") == []


def test_one_dry_slot_resets_the_every_slot_rule() -> None:
    safety, sink, clock, _ = make_safety()
    dry = {T0 + 12 * HOUR + INTERVAL, T0 + 12 * HOUR + 2 * INTERVAL}  # one whole slot
    run_water(safety, clock, lambda ts: 0.0 if ts in dry else 3.0, 25)
    assert sink.of("water_continuous_use") == []
