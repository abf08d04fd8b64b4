"""Wearables and home monitors: each alarm type, persistence, hysteresis, silence."""

from __future__ import annotations

import numpy as np
import pytest

from edge.household.config import CircleFence, PolygonFence
from edge.household.geofence import outside_m
from simulators.household.activities import adl_segment, fall_segment
from simulators.household.carestream import care_stream
from tests.edge.household.factories import T0, make_safety, run_for, scalar

CENTRE = (38.30, 116.84)
FENCE = {"type": "circle", "lat": CENTRE[0], "lon": CENTRE[1], "radius_m": 300.0}


def wearable_safety(**wearable: object):  # type: ignore[no-untyped-def]
    return make_safety(
        residents=[
            {
                "resident_id": "r-a1b2c3d4",
                "household_id": "h-1",
                "wearable": {"device_id": "wb-1", **wearable},
            }
        ]
    )


def test_sos_is_critical_and_debounced() -> None:
    safety, sink, _, _ = make_safety()
    for dt in (0, 5, 40):
        assert safety.on_payload(scalar("wb-1", "sos.pressed", T0 + dt, 1))
    events = sink.of("sos")
    assert [e.observed_at.timestamp() - T0 for e in events] == [0, 40]
    assert all(e.severity == "critical" and e.alarm for e in events)
    assert events[0].data == {"resident_id": "r-a1b2c3d4", "household_id": "h-1"}


@pytest.mark.parametrize(
    ("metric", "values", "event", "alarms"),
    [
        ("hr.bpm", [130, 72, 130, 130], "heart_rate_abnormal", 0),
        ("hr.bpm", [130, 135, 140], "heart_rate_abnormal", 1),
        ("hr.bpm", [40, 38, 35, 36, 37], "heart_rate_abnormal", 1),
        ("hr.bpm", [0, 0, 0, 0], "heart_rate_abnormal", 0),
        ("hr.bpm", [130, 135, 140, 70, 130, 135, 140], "heart_rate_abnormal", 2),
        ("spo2.pct", [88, 87, 86], "spo2_low", 1),
        ("spo2.pct", [88, 95, 87, 96], "spo2_low", 0),
        ("battery.pct", [25, 20, 15, 12], "battery_low", 1),
        ("battery.pct", [15, 35, 15], "battery_low", 2),
    ],
)
def test_vitals_and_battery(metric: str, values: list[float], event: str, alarms: int) -> None:
    safety, sink, _, _ = make_safety()
    for k, value in enumerate(values):
        assert safety.on_payload(scalar("wb-1", metric, T0 + 60 * k, value))
    assert len(sink.of(event)) == alarms


def test_personal_vital_range_is_used() -> None:
    safety, sink, _, _ = wearable_safety(vitals={"hr_max_bpm": 100, "persist_samples": 2})
    for k, bpm in enumerate([105, 106]):
        safety.on_payload(scalar("wb-1", "hr.bpm", T0 + 60 * k, bpm))
    (event,) = sink.of("heart_rate_abnormal")
    assert event.severity == "major"
    assert event.data["bpm"] == 106


@pytest.mark.parametrize("kind", ["forward", "backward", "sideways", "from_bed", "slow_slump"])
def test_fall_kinds_raise_a_critical_fall(kind: str) -> None:
    rng = np.random.default_rng(7)
    segment = fall_segment(rng, kind, 50.0)
    while kind == "slow_slump" and np.linalg.norm(segment.samples, axis=1).max() < 1.6:
        segment = fall_segment(rng, kind, 50.0)  # a clear slump; borderline ones are in bench
    safety, sink, _, _ = make_safety()
    for i in range(0, segment.samples.shape[0], 50):
        safety.on_payload(
            {
                "device_id": "wb-1",
                "metric": "accel.g",
                "ts": T0 + i / 50,
                "hz": 50,
                "samples": segment.samples[i : i + 50].tolist(),
            }
        )
    (fall,) = sink.of("fall")
    assert fall.severity == "critical"
    assert fall.alarm
    assert abs(fall.observed_at.timestamp() - (T0 + segment.event_s)) < 2.0


@pytest.mark.parametrize("kind", ["walking", "sit_down_hard", "stumble", "stairs", "bend"])
def test_daily_activities_do_not_raise_falls(kind: str) -> None:
    rng = np.random.default_rng(11)
    safety, sink, _, _ = make_safety()
    for n in range(5):
        segment = adl_segment(rng, kind, 50.0)
        for i in range(0, segment.samples.shape[0], 50):
            safety.on_payload(
                {
                    "device_id": "wb-1",
                    "metric": "accel.g",
                    "ts": T0 + 30 * n + i / 50,
                    "hz": 50,
                    "samples": segment.samples[i : i + 50].tolist(),
                }
            )
    assert sink.of("fall") == []


def test_dropped_device_reported_by_wear_sensor_not_as_fall() -> None:
    segment = adl_segment(np.random.default_rng(3), "device_drop", 50.0)
    safety, sink, clock, _ = make_safety()
    for i in range(0, segment.samples.shape[0], 50):
        ts = T0 + i / 50
        if ts >= T0 + segment.event_s + 1 and segment.off_body_from_s is not None:
            safety.on_payload(scalar("wb-1", "wear.on", ts, 0))
        safety.on_payload(
            {
                "device_id": "wb-1",
                "metric": "accel.g",
                "ts": ts,
                "hz": 50,
                "samples": segment.samples[i : i + 50].tolist(),
            }
        )
    assert sink.of("fall") == []
    clock.now_s = T0 + segment.event_s + 1900
    safety.poll()
    assert len(sink.of("wearable_not_worn")) == 1


def test_wearable_silence_is_reported_once() -> None:
    safety, sink, clock, _ = make_safety()
    safety.on_payload(scalar("wb-1", "hr.bpm", T0, 70))
    run_for(safety, clock, 899)
    assert sink.of("wearable_no_data") == []
    run_for(safety, clock, 60)
    assert len(sink.of("wearable_no_data")) == 1


@pytest.mark.parametrize(
    ("fixes", "exits", "returns"),
    [
        ([0.0, 0.005, 0.005, 0.0], 0, 0),
        ([0.005, 0.005, 0.005], 1, 0),
        ([0.005, 0.005, 0.005, 0.0027, 0.0], 1, 1),
        ([0.005] * 5 + [0.0] + [0.005] * 3, 2, 1),  # once per exit, again after a return
    ],
)
def test_geofence_exit_needs_persistence_and_margin(
    fixes: list[float], exits: int, returns: int
) -> None:
    safety, sink, _, _ = wearable_safety(fence=FENCE)
    for k, dlat in enumerate(fixes):
        assert safety.on_payload(
            {
                "device_id": "wb-1",
                "metric": "geo.fix",
                "ts": T0 + 60 * k,
                "lat": CENTRE[0] + dlat,
                "lon": CENTRE[1],
            }
        )
    assert len(sink.of("geofence_exit")) == exits
    assert len(sink.of("geofence_return")) == returns


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [(38.3005, 116.8405, True), (38.3020, 116.8405, False), (38.2990, 116.8405, False)],
)
def test_polygon_and_circle_fences(lat: float, lon: float, inside: bool) -> None:
    square = PolygonFence(
        type="polygon",
        vertices=[(38.300, 116.840), (38.301, 116.840), (38.301, 116.841), (38.300, 116.841)],
    )
    assert (outside_m(square, lat, lon) < 0) is inside
    circle = CircleFence(type="circle", lat=38.3005, lon=116.8405, radius_m=60.0)
    assert (outside_m(circle, lat, lon) < 0) is inside


def test_smoke_alarm_is_critical_and_clears() -> None:
    safety, sink, _, _ = make_safety()
    for k, v in enumerate([0, 1, 1, 0]):
        safety.on_payload(scalar("sm-1", "smoke.alarm", T0 + k, v))
    (smoke,) = sink.of("smoke_alarm")
    assert smoke.severity == "critical"
    assert len(sink.of("smoke_cleared")) == 1


def test_door_left_open() -> None:
    safety, sink, clock, _ = make_safety()
    safety.on_payload(scalar("dc-1", "door.open", T0, 1))
    run_for(safety, clock, 1799)
    assert sink.of("door_left_open") == []
    run_for(safety, clock, 2)
    assert len(sink.of("door_left_open")) == 1


@pytest.mark.parametrize(("start_local_h", "alarms"), [(2.0, 1), (14.0, 0)])
def test_long_bed_exit_at_night(start_local_h: float, alarms: int) -> None:
    safety, sink, clock, _ = make_safety()
    start = T0 + ((start_local_h - 8.0) % 24) * 3600
    safety.on_payload(scalar("bd-1", "presence.bed", start - 60, 1))
    safety.on_payload(scalar("bd-1", "presence.bed", start, 0))
    clock.now_s = start
    run_for(safety, clock, 1810)
    assert len(sink.of("bed_exit_long")) == alarms


def test_no_room_presence_for_hours() -> None:
    safety, sink, clock, _ = make_safety()
    safety.on_payload(scalar("rm-1", "presence.room", T0, 1))
    clock.now_s = T0 + 12 * 3600 + 1
    safety.poll()
    (event,) = sink.of("no_presence")
    assert event.severity == "major"


def test_simulated_care_streams_raise_exactly_their_episodes() -> None:
    stream = care_stream(21, residents=40, minutes=240, centre=CENTRE)
    expected = {
        "sos": "sos",
        "tachycardia": "heart_rate_abnormal",
        "hypoxia": "spo2_low",
        "wandering": "geofence_exit",
    }
    for r in range(40):
        safety, sink, _, _ = wearable_safety(fence=FENCE)
        for m in range(stream.minutes):
            ts = T0 + 60 * m
            safety.on_payload(scalar("wb-1", "hr.bpm", ts, float(stream.hr_bpm[r, m])))
            safety.on_payload(scalar("wb-1", "spo2.pct", ts, float(stream.spo2_pct[r, m])))
            if stream.sos[r, m]:
                safety.on_payload(scalar("wb-1", "sos.pressed", ts, 1))
            safety.on_payload(
                {
                    "device_id": "wb-1",
                    "metric": "geo.fix",
                    "ts": ts,
                    "lat": float(stream.lat[r, m]),
                    "lon": float(stream.lon[r, m]),
                }
            )
        alarms = {e.type for e in sink.events if e.alarm}
        episode = stream.episode[r]
        assert alarms == ({expected[episode]} if episode in expected else set()), (r, episode)
