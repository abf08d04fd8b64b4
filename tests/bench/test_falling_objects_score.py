"""The falling-object benchmark's scoring, on hand-made episode results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.falling_objects import EPOCH, SEED_SETS, miss_cause, score
from edge.falling.analysis import Verdict
from edge.falling.intervals import rate_interval, share_interval
from edge.falling.trajectory import N_FEATURES, TrackPoints
from models.trajectory import seeds
from simulators.facade import FPS, make_episode


def fall(condition: str, *, caught: bool, floor: int = 5) -> dict[str, Any]:
    alarm = {
        "on_object": True,
        "floor": floor,
        "emitted": 3.5,
        "finalize_cpu_ms": 20.0,
        "finalize_wall_ms": 30.0,
    }
    return {
        "kind": "fall",
        "condition": condition,
        "duration_s": 4.0,
        "truth": {"floor": 5, "left": 3.0},
        "alarms": [alarm] if caught else [],
    }


def quiet(alarms: int) -> dict[str, Any]:
    alarm = {"on_object": False, "floor": 3, "emitted": 1.0}
    return {
        "kind": "distractor",
        "condition": "night",
        "duration_s": 1800.0,
        "alarms": [alarm] * alarms,
    }


def test_recall_is_reported_overall_and_by_condition() -> None:
    results = [
        fall("night", caught=True),
        fall("night", caught=False),
        fall("day", caught=True, floor=6),
        quiet(1),
    ]
    report = score(results, "alarms")
    assert report["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["recall_by_condition"] == {"day": 1.0, "night": 0.5}
    assert report["falls_by_condition"] == {"day": 1, "night": 2}
    assert report["false_alarms_per_hour"] == 2.0
    assert report["floor_exact"] == 0.5
    assert report["alarm_latency_p95_ms"] == pytest.approx(520.0)


def test_tuning_seeds_never_touch_the_evaluation_seeds() -> None:
    tune_fall, tune_quiet = SEED_SETS["tune"]
    assert (tune_fall, tune_quiet) == (seeds.TUNE_FALL, seeds.TUNE_DISTRACTOR)
    evaluated = set(seeds.EVAL_FALL) | set(seeds.EVAL_DISTRACTOR)
    assert evaluated.isdisjoint(tune_fall) and evaluated.isdisjoint(tune_quiet)


def test_falls_without_distractor_footage_have_no_false_alarm_rate() -> None:
    report = score([fall("night", caught=True), fall("day", caught=False)], "alarms")
    assert report["recall"] == 0.5
    assert report["false_alarms_per_hour"] is None


def test_no_floor_figure_without_a_detected_fall() -> None:
    report = score([fall("night", caught=False), quiet(alarms=0)], "alarms")
    assert report["recall"] == 0.0
    assert report["floor_exact"] is None and report["floor_within_1"] is None
    assert report["false_alarms_per_hour"] == 0.0


def test_development_seeds_are_falls_apart_from_every_other_set() -> None:
    dev_fall, dev_quiet = SEED_SETS["dev"]
    assert dev_fall == seeds.DEV and len(dev_quiet) == 0
    assert seeds.DEV in seeds.ALL
    seeds.assert_disjoint()


def test_distractor_footage_alone_has_a_false_alarm_rate_and_no_recall() -> None:
    check_fall, check_quiet = SEED_SETS["check"]
    assert len(check_fall) == 0 and check_quiet == seeds.CHECK_DISTRACTOR
    assert seeds.CHECK_DISTRACTOR in seeds.ALL
    report = score([quiet(alarms=1), quiet(alarms=0)], "alarms")
    assert report["recall"] is None and report["floor_exact"] is None
    assert report["false_alarms_per_hour"] == 1.0


def test_report_carries_the_intervals_and_the_count() -> None:
    report = score([fall("day", caught=True), fall("day", caught=False), quiet(1)], "alarms")
    assert report["false_alarms"] == 1
    assert report["recall_ci95"] == share_interval(1, 2)
    assert report["false_alarms_per_hour_ci95"] == rate_interval(1, 0.5)
    assert score([fall("day", caught=True)], "alarms")["false_alarms_per_hour_ci95"] is None


def verdict(points: TrackPoints, *, candidate: bool = True, alarm: bool = False) -> Verdict:
    features = np.zeros(N_FEATURES)
    return Verdict(points, features, False, float(alarm), alarm, None, candidate=candidate)


def test_a_missed_fall_is_put_down_to_what_its_tracks_were() -> None:
    episode = make_episode(500_190, "fall")
    truth = episode.truth
    assert truth is not None
    t = np.arange(truth.release_t + 0.1, truth.left_view_t, 1 / FPS)[:12]
    # Verdicts are in full-frame pixels; the truth is in the rendered view's.
    scale = episode.calibration.frame_wh[0] / episode.camera.width
    xy = np.array([episode.object_at(float(s)) for s in t]) * scale
    # Verdicts carry the detector's times, which the benchmark starts at EPOCH.
    t = t + EPOCH
    on = TrackPoints(t=t, x=xy[:, 0], y=xy[:, 1], area=np.full(len(t), 20.0))
    half_off = TrackPoints(
        t=t, x=xy[:, 0] + np.where(np.arange(len(t)) < 8, 40.0, 0.0), y=on.y, area=on.area
    )
    elsewhere = TrackPoints(t=t, x=xy[:, 0] + 200.0, y=on.y, area=on.area)
    assert miss_cause(episode, []) == "no_track"
    assert miss_cause(episode, [verdict(elsewhere, alarm=True)]) == "no_track"
    assert miss_cause(episode, [verdict(half_off)]) == "partial_tracks"
    assert miss_cause(episode, [verdict(on, candidate=False)]) == "not_judged"
    assert miss_cause(episode, [verdict(on, candidate=False), verdict(on)]) == "below_threshold"
    assert miss_cause(episode, [verdict(on), verdict(on, alarm=True)]) == "alarm"


def test_only_the_detectors_misses_are_counted_by_cause() -> None:
    missed = fall("rain", caught=False) | {"miss_cause": "below_threshold", "baseline": []}
    caught = fall("day", caught=True) | {"miss_cause": "alarm", "baseline": []}
    results = [missed, missed, caught, quiet(0) | {"baseline": []}]
    assert score(results, "alarms")["misses_by_cause"] == {"below_threshold": 2}
    # The causes are the classifier's verdicts: the physics rule's misses have none.
    assert "misses_by_cause" not in score(results, "baseline")
