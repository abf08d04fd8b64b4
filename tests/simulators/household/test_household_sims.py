"""Household simulators: deterministic by seed, ground truth consistent with the signals."""

from __future__ import annotations

import numpy as np
import pytest

from edge.household.payloads import Accel, Scalar, parse
from simulators.household.activities import adl_segment, evaluation_set, fall_segment
from simulators.household.carestream import EPISODES, care_stream
from simulators.household.community import Community
from simulators.household.gasleak import gas_traces
from simulators.household.motion import ADL_KINDS, FALL_KINDS
from simulators.household.water import SCENARIOS, household_series

T0 = 1_767_225_600.0


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_water_series_deterministic_and_monotonic(scenario: str) -> None:
    a = household_series(5, scenario, start_s=T0, days=4)
    b = household_series(5, scenario, start_s=T0, days=4)
    c = household_series(6, scenario, start_s=T0, days=4)
    np.testing.assert_array_equal(a.total_m3, b.total_m3)
    assert not np.array_equal(a.total_m3, c.total_m3)
    assert (np.diff(a.total_m3) >= 0).all()
    assert np.allclose(a.total_m3 * 1000, np.round(a.total_m3 * 1000))
    assert a.truth["scenario"] == scenario


@pytest.mark.parametrize(
    ("scenario", "check"),
    [
        ("inactive", lambda used, after: used[after].sum() == 0),
        ("leak", lambda used, after: (used[after] > 0).mean() > 0.8),
        ("burst", lambda used, after: used[after].max() >= 300),
    ],
)
def test_water_ground_truth_matches_signal(scenario: str, check: object) -> None:
    series = household_series(9, scenario, start_s=T0, days=4)
    used = np.diff(series.total_m3) * 1000
    after = series.ts_s[1:] > float(series.truth["event_s"]) + 900
    assert check(used, after)  # type: ignore[operator]


def test_gas_traces_leaks_and_transients() -> None:
    traces = gas_traces(3, detectors=400, duration_s=600, start_s=T0)
    assert traces.lel_pct.shape == (400, 120)
    assert traces.leak.any()
    assert traces.transient.any()
    assert not (traces.leak & traces.transient).any()
    assert (traces.lel_pct[traces.transient] < 25.0).all()
    assert (traces.lel_pct >= 0).all()
    leak_rows = traces.lel_pct[traces.leak]
    assert (leak_rows[:, -1] > leak_rows[:, 0]).all()
    again = gas_traces(3, detectors=400, duration_s=600, start_s=T0)
    np.testing.assert_array_equal(traces.lel_pct, again.lel_pct)


@pytest.mark.parametrize("kind", FALL_KINDS)
def test_fall_segments_end_lying_and_still(kind: str) -> None:
    seg = fall_segment(np.random.default_rng(1), kind, 50.0)
    assert seg.is_fall
    assert seg.samples.shape == (1200, 3)
    tail = seg.samples[-200:]
    assert np.linalg.norm(tail, axis=1).std() < 0.1
    assert abs(tail.mean(axis=0)[2]) < 0.65


@pytest.mark.parametrize("kind", ADL_KINDS)
def test_adl_segments_are_labelled(kind: str) -> None:
    seg = adl_segment(np.random.default_rng(1), kind, 50.0)
    assert not seg.is_fall
    assert np.isfinite(seg.samples).all()
    assert (seg.off_body_from_s is not None) is (kind == "device_drop")


def test_unknown_kinds_refused() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="expected a fall kind"):
        fall_segment(rng, "cartwheel", 50.0)
    with pytest.raises(ValueError, match="expected an activity"):
        adl_segment(rng, "cartwheel", 50.0)


def test_evaluation_set_deterministic_and_balanced() -> None:
    a = evaluation_set(4, n_falls=10, n_adls=20)
    b = evaluation_set(4, n_falls=10, n_adls=20)
    assert [s.kind for s in a] == [s.kind for s in b]
    assert all(np.array_equal(x.samples, y.samples) for x, y in zip(a, b, strict=True))
    assert sum(s.is_fall for s in a) == 10
    assert {s.kind for s in a if s.is_fall} == set(FALL_KINDS)


def test_community_payloads_are_valid_and_scale() -> None:
    community = Community(2, households=300)
    assert len(community.devices) >= 1200
    assert len({d.device_id for d in community.devices}) == len(community.devices)
    assert community.residents
    payloads = community.second(T0, 0) + community.second(T0, 1)
    parsed = [parse(p) for p in payloads]
    accel = [p for p in parsed if isinstance(p, Accel)]
    assert len(accel) == 2 * len(community.residents)
    assert all(p.samples.shape == (50, 3) for p in accel)
    assert any(isinstance(p, Scalar) and p.metric == "gas.lel_pct" for p in parsed)


def test_community_deterministic_by_seed() -> None:
    first = [Community(8, households=50).second(T0, k) for k in range(3)]
    second = [Community(8, households=50).second(T0, k) for k in range(3)]
    assert first == second
    assert Community(9, households=50).second(T0, 0) != first[0]


def test_care_stream_episodes_and_determinism() -> None:
    a = care_stream(3, residents=100, minutes=120, centre=(38.3, 116.84))
    b = care_stream(3, residents=100, minutes=120, centre=(38.3, 116.84))
    np.testing.assert_array_equal(a.hr_bpm, b.hr_bpm)
    assert set(a.episode) <= set(EPISODES)
    assert a.sos.sum() == a.episode.count("sos")
    sos_rows = np.flatnonzero(a.sos.any(axis=1))
    assert all(a.episode[r] == "sos" for r in sos_rows)
    hypoxic = [r for r, e in enumerate(a.episode) if e == "hypoxia"]
    assert all(a.spo2_pct[r, a.episode_minute[r] :].max() < 90 for r in hypoxic)
