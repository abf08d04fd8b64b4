"""Every distractor class is rejected, end to end on simulated footage and as tracks."""

from __future__ import annotations

import pytest
from falling_factories import fall_track, kinematic_track, make_calibration

from edge.falling.analysis import FrameAnalyser, TrackJudge, Verdict
from edge.falling.calibration import FacadeCalibration
from edge.falling.config import FallingConfig
from edge.falling.detector import FallingObjectDetector, judge_for
from edge.falling.trajectory import TrackPoints
from models.trajectory.registry import shipped_classifier
from simulators.facade import make_episode
from simulators.facade.distractors import DISTRACTOR_KINDS
from simulators.facade.sink import MemorySink

CONDITION = {"rain": "rain", "snow": "snow", "ir_noise": "night"}
# Seeds of this test range (500_100+) are used by no training, tuning or evaluation.
SEED = 500_100


def classifier_judge(calibration: FacadeCalibration) -> TrackJudge:
    return judge_for(
        FallingConfig(gateway_id="gw-b1", calibration=calibration, classifier=shipped_classifier())
    )


@pytest.mark.parametrize("kind", DISTRACTOR_KINDS)
def test_distractor_footage_raises_no_alarm(kind: str) -> None:
    episode = make_episode(
        SEED + DISTRACTOR_KINDS.index(kind),
        "distractor",
        duration_s=8.0,
        condition=CONDITION.get(kind, "day"),  # type: ignore[arg-type]
        distractors=(kind,),
    )
    judged: list[TrackPoints] = []
    sink = MemorySink()
    # No judge given: the detector scores with the classifier its config names.
    config = FallingConfig(
        gateway_id="gw-b1", calibration=episode.calibration, classifier=shipped_classifier()
    )
    verdicts: list[Verdict] = []
    detector = FallingObjectDetector(
        config=config, sink=sink, on_track=judged.append, on_verdict=verdicts.append
    )
    detector.run(episode.frames())
    assert sink.events == []
    # The detector hands out its verdict on every track it could judge, and only those.
    again = [v for v in map(detector.judge.judge, judged) if v is not None]
    assert [(v.points.t[0], len(v.points.t), v.score) for v in verdicts] == [
        (v.points.t[0], len(v.points.t), v.score) for v in again
    ]
    baseline = TrackJudge(episode.calibration)
    assert not any(v is not None and v.alarm for v in map(baseline.judge, judged))


@pytest.mark.parametrize("kind", DISTRACTOR_KINDS)
def test_distractor_tracks_are_rejected_by_the_classifier(kind: str) -> None:
    cal = make_calibration()
    judge = classifier_judge(cal)
    for seed in range(3):
        verdict = judge.judge(kinematic_track(kind, cal, seed=seed))
        assert verdict is None or not verdict.alarm, (
            f"{kind} seed {seed}: {verdict and verdict.score}"
        )


def test_the_detector_scores_with_the_classifier_its_config_names() -> None:
    cal = make_calibration()
    track = fall_track(cal, release_height_m=24.0)
    physics = judge_for(FallingConfig(gateway_id="gw-b1", calibration=cal)).judge(track)
    scored = classifier_judge(cal).judge(track)
    assert physics is not None and scored is not None
    assert physics.score == 1.0, "the physics rule alone says yes or no"
    assert 0.5 < scored.score < 1.0, "the classifier gives a probability"
    assert scored.alarm


def test_an_ir_cameras_gain_flicker_ends_no_track() -> None:
    # Simulated IR footage changes its gain by up to 15 % in one frame of 20;
    # each such frame used to be a global change that ended every track.
    episode = make_episode(
        SEED + 50, "distractor", duration_s=8.0, condition="night", distractors=("ir_noise",)
    )
    analyser = FrameAnalyser(episode.calibration, analysis_width=episode.camera.width)
    flickers = 0
    for t, frame in episode.frames():
        analyser.step(t, frame)
        flickers += abs(analyser.motion.gain - 1.0) > 0.05
    assert flickers >= 3
    # Start-up: the first frames are compared before the night noise is measured.
    assert analyser.global_changes <= 2
