"""Trajectory fit and floor mapping on synthetic tracks with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from falling_factories import FPS, STOREY_M, fall_track, kinematic_track, make_calibration

from edge.falling.analysis import TrackJudge
from edge.falling.trajectory import (
    FEATURE_NAMES,
    PhysicsRule,
    TrackPoints,
    estimate_release,
    fastest_mean_speed_mps,
    features,
    is_candidate,
)
from simulators.facade.distractors import DISTRACTOR_KINDS


@pytest.mark.parametrize(
    ("floor", "above_slab_m", "v_up_mps", "delay_s"),
    [
        (2, 1.2, 0.0, 0.08),
        (5, 1.0, 0.0, 0.2),
        (7, 1.5, 1.5, 0.12),
        (9, 1.3, -0.5, 0.3),
        (11, 1.1, 2.0, 0.16),
        (12, 1.4, 0.0, 0.4),
    ],
)
def test_release_floor_is_recovered(
    floor: int, above_slab_m: float, v_up_mps: float, delay_s: float
) -> None:
    cal = make_calibration()
    height = (floor - 1) * STOREY_M + above_slab_m
    points = fall_track(cal, release_height_m=height, v_up_mps=v_up_mps, delay_s=delay_s)
    release = estimate_release(points, cal)
    assert release.floor == floor
    assert abs(release.height_m - (height + v_up_mps**2 / (2 * 9.81))) < 0.5
    assert release.t <= points.t[0]
    assert 0.0 < release.floor_confidence <= 1.0


def test_release_is_capped_at_the_roof_line() -> None:
    cal = make_calibration()
    points = fall_track(cal, release_height_m=cal.facade_top_m() + 2.0, delay_s=0.7)
    release = estimate_release(points, cal)
    assert release.height_m == pytest.approx(cal.facade_top_m(), abs=1e-6)
    assert release.floor == cal.top_floor


def test_window_column_is_reported() -> None:
    cal = make_calibration()
    points = fall_track(
        cal, release_height_m=6 * STOREY_M + 1.2, x=cal.column_lines[2].x_bottom - 60
    )
    release = estimate_release(points, cal)
    expected = cal.column_at(release.x, release.y)
    assert release.column == expected
    assert release.column in {2, 3}


def test_height_mapping_round_trips() -> None:
    cal = make_calibration()
    for height in np.linspace(0.5, cal.facade_top_m() - 0.5, 9):
        assert cal.height_m_at(cal.y_at_height_m(float(height))) == pytest.approx(height, abs=1e-6)


def test_free_fall_features_show_gravity() -> None:
    cal = make_calibration()
    values = dict(
        zip(FEATURE_NAMES, features(fall_track(cal, release_height_m=30.0), cal, FPS), strict=True)
    )
    assert values["g_est"] == pytest.approx(9.81, abs=1.0)
    assert values["down_fraction"] == 1.0
    assert PhysicsRule().accepts(features(fall_track(cal, release_height_m=30.0), cal, FPS), 40)


@pytest.mark.parametrize("kind", DISTRACTOR_KINDS)
def test_physics_rule_rejects_distractor_tracks(kind: str) -> None:
    cal = make_calibration()
    points = kinematic_track(kind, cal)
    assert not PhysicsRule().accepts(features(points, cal, FPS), len(points.t))


def test_missed_frames_are_not_a_jump_but_a_hop_onto_another_blob_is() -> None:
    cal = make_calibration()
    full = fall_track(cal, release_height_m=30.0, duration_s=1.2)
    keep = np.ones(len(full.t), dtype=bool)
    keep[10:14] = False  # four frames lost mid-fall (coasting)
    gappy = TrackPoints(t=full.t[keep], x=full.x[keep], y=full.y[keep], area=full.area[keep])
    hopped = TrackPoints(
        t=full.t, x=full.x + np.where(full.t > full.t[20], 25.0, 0.0), y=full.y, area=full.area
    )
    jump = FEATURE_NAMES.index("max_jump_ratio")

    def ratio(points: TrackPoints) -> float:
        return float(features(points, cal, FPS)[jump])

    assert ratio(gappy) < 1.1 * ratio(full)
    assert ratio(hopped) > 2 * ratio(full)


def test_a_track_faster_than_a_fall_from_the_roof_is_never_judged() -> None:
    cal = make_calibration()
    top = cal.facade_top_m()  # 36 m: free fall from there reaches 26.6 m/s
    assert fastest_mean_speed_mps(top) == pytest.approx(np.sqrt(2 * 9.81 * 36) + 10)
    # Dropped from the roof line with a hard throw down: still judged.
    thrown = fall_track(cal, release_height_m=top, v_up_mps=-8.0, delay_s=0.04, duration_s=3.0)
    assert is_candidate(features(thrown, cal, FPS), top)
    # Clutter strung into one track: 30 m down the façade in 0.6 s (50 m/s).
    t = np.arange(0.0, 0.6, 1 / FPS)
    y = np.array([cal.y_at_height_m(33.0 - 50.0 * float(k)) for k in t])
    streak = TrackPoints(t=t, x=np.full(len(t), 900.0), y=y, area=np.full(len(t), 20.0))
    values = features(streak, cal, FPS)
    assert values[FEATURE_NAMES.index("drop_m")] > 25
    assert not is_candidate(values, top)
    # The same track on a façade three times as tall could be a fall.
    assert is_candidate(values, 3 * top)
    # The judge says so in its verdict, and does not score what it cannot judge.
    judge = TrackJudge(cal, fps=FPS, scorer=lambda _: 1.0)
    fast, fall = judge.judge(streak), judge.judge(thrown)
    assert fast is not None and not fast.candidate and fast.score == 0.0 and not fast.alarm
    assert fall is not None and fall.candidate and fall.score == 1.0 and fall.alarm
