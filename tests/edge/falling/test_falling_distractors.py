"""Every distractor class is rejected, end to end on simulated footage and as tracks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from falling_factories import kinematic_track, make_calibration

from edge.falling.analysis import TrackJudge
from edge.falling.classifier import TrajectoryClassifier
from edge.falling.config import FallingConfig
from edge.falling.detector import FallingObjectDetector
from edge.falling.trajectory import TrackPoints
from simulators.facade import make_episode
from simulators.facade.distractors import DISTRACTOR_KINDS
from simulators.facade.sink import MemorySink

ROOT = Path(__file__).resolve().parents[3]
ENTRY = yaml.safe_load((ROOT / "models/registry/trajectory_classifier.yaml").read_text("utf-8"))
CONDITION = {"rain": "rain", "snow": "snow", "ir_noise": "night"}
# Seeds of this test range (500_100+) are used by no training, tuning or evaluation.
SEED = 500_100


def classifier_judge(calibration: object) -> TrackJudge:
    classifier = TrajectoryClassifier(path=ROOT / ENTRY["file"], sha256=ENTRY["sha256"])
    return TrackJudge(
        calibration,
        scorer=classifier,  # type: ignore[arg-type]
        threshold=ENTRY["decoder"]["threshold"],
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
    detector = FallingObjectDetector(
        config=FallingConfig(gateway_id="gw-b1", calibration=episode.calibration),
        sink=sink,
        judge=classifier_judge(episode.calibration),
        on_track=judged.append,
    )
    detector.run(episode.frames())
    assert sink.events == []
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
