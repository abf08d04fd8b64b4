"""Replaying a camera's recorded footage: alarms, closest tracks, the threshold for a goal."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from edge.falling.analysis import Verdict
from edge.falling.config import FallingConfig
from edge.falling.sitecheck import (
    GOAL_PER_HOUR,
    TOP_TRACKS,
    ReplayedTrack,
    SiteCheckError,
    Tally,
    allowed_false_tracks,
    check_footage,
    threshold_for_goal,
)
from edge.falling.trajectory import TrackPoints
from models.trajectory.registry import shipped_classifier
from simulators.camera_faults import shifted
from simulators.facade import FPS, Episode, make_episode
from smartcommunity.cli import main
from tests import factories

FALL_SEED = 500_003  # a test seed of the façade simulator, the one the detector test uses


def write_video(path: Path, frames: list[np.ndarray], fps: float = FPS) -> Path:
    return factories.write_video(path, frames, fps)


@pytest.fixture(scope="module")
def episode() -> Episode:
    return make_episode(FALL_SEED, "fall", condition="day", distractors=())


@pytest.fixture(scope="module")
def fall_video(tmp_path_factory: pytest.TempPathFactory, episode: Episode) -> Path:
    frames = [frame for _, frame in episode.frames()]
    return write_video(tmp_path_factory.mktemp("footage") / "fall.mp4", frames)


def camera_config(episode: Episode, *, classifier: bool = True) -> FallingConfig:
    return FallingConfig(
        gateway_id="gw-a",
        calibration=episode.calibration,
        classifier=shipped_classifier() if classifier else None,
    )


def test_a_throw_in_the_footage_is_the_alarm_the_gateway_would_raise(
    episode: Episode, fall_video: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="edge.falling.sitecheck"):
        report = check_footage(camera_config(episode), [fall_video])
    assert f"{fall_video}: 0.1 min, 1 alarms" in caplog.messages
    assert episode.truth is not None
    frames = sum(1 for _ in episode.frames())
    assert report["hours"] == pytest.approx(frames / FPS / 3600, abs=1e-4)
    assert report["alarms"] == 1
    assert report["videos"] == [
        {"video": str(fall_video), "seconds": pytest.approx(frames / FPS, abs=0.01), "alarms": 1}
    ]
    top = report["top_tracks"][0]
    assert top["alarm"] and top["score"] >= report["threshold"] == shipped_classifier().threshold
    assert abs(top["floor"] - episode.truth.floor) <= 1
    low, high = report["alarms_per_hour_ci95"]
    assert 0 < low < report["alarms_per_hour"] < high
    # A few seconds of footage cannot show 0.5 an hour: two hours are needed.
    assert report["threshold_for_goal"] is None and report["allowed_false_tracks"] is None
    assert report["hours_needed_for_goal"] == 2.0
    scores = [t["score"] for t in report["top_tracks"]]
    assert scores == sorted(scores, reverse=True)


def test_a_generous_goal_lets_the_tracks_through(episode: Episode, fall_video: Path) -> None:
    report = check_footage(camera_config(episode), [fall_video], goal_per_hour=1e6, top=1)
    assert report["threshold_for_goal"] == 0.0
    assert len(report["top_tracks"]) == 1 <= report["candidate_tracks"]


def test_the_physics_rule_alone_has_no_threshold_to_suggest(
    episode: Episode, fall_video: Path
) -> None:
    report = check_footage(camera_config(episode, classifier=False), [fall_video])
    assert report["threshold"] is None and report["threshold_for_goal"] is None
    assert report["alarms"] == sum(t["alarm"] for t in report["top_tracks"])


def test_footage_that_cannot_be_replayed_is_refused_with_the_reason(
    tmp_path: Path, episode: Episode
) -> None:
    config = camera_config(episode)
    frame = next(iter(episode.frames()))[1]
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 100, encoding="utf-8")
    slow = write_video(tmp_path / "slow.mp4", [frame] * 5, fps=10.0)
    square = write_video(tmp_path / "square.mp4", [frame[:, : frame.shape[0]].copy()] * 5)
    cases = [
        ([tmp_path / "missing.mp4"], "no such file"),
        ([tmp_path], "no such file"),
        ([text], "not a video OpenCV can read"),
        ([slow], "recorded at 10 fps, the camera is configured for 25"),
        ([square], "expected a frame of aspect 1920:1080"),
        ([], "no footage given"),
    ]
    for videos, message in cases:
        with pytest.raises(SiteCheckError, match=message):
            check_footage(config, videos)
    for goal in (-1.0, 0.0):
        with pytest.raises(SiteCheckError, match="a rate above 0 an hour"):
            check_footage(config, [slow], goal_per_hour=goal)


def gateway_yaml(path: Path, episode: Episode, **view_check: object) -> Path:
    classifier = shipped_classifier()
    camera: dict[str, object] = {
        "source": {"type": "file", "id": "cam-facade-1", "path": "/dev/null"},
        "falling": {
            "gateway_id": "gw-a",
            "calibration": episode.calibration.model_dump(mode="json"),
            "classifier": {
                "path": str(classifier.path),
                "sha256": classifier.sha256,
                "threshold": classifier.threshold,
            },
        },
        "view_check": view_check,
    }
    config = {
        "gateway_id": "gw-a",
        "broker": {"port": 1},
        "outbox": {"path": str(path.parent / "outbox.sqlite")},
        "facade_cameras": [camera],
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_command_line_reports_in_json_and_in_words(
    tmp_path: Path, episode: Episode, fall_video: Path
) -> None:
    config = gateway_yaml(tmp_path / "gw.yaml", episode)
    runner = CliRunner()
    result = runner.invoke(
        main, ["falling-check", "--config", str(config), "cam-facade-1", str(fall_video), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["camera"] == episode.calibration.camera_id and report["alarms"] == 1
    words = runner.invoke(
        main, ["falling-check", "--config", str(config), "cam-facade-1", str(fall_video)]
    )
    assert words.exit_code == 0, words.output
    assert "alarms: 1 (" in words.output and f"ALARM {fall_video} at" in words.output
    assert "cannot show 0.5 an hour: replay at least 2.0 h" in words.output
    assert "view check: no camera fault raised" in words.output
    assert report["view_checked"] is True and report["view_faults"] == []
    command = ["falling-check", "--config", str(config), "cam-facade-1", str(fall_video)]
    generous = runner.invoke(main, [*command, "--goal", "1e6"])
    assert "stays at 1000000.0 an hour or under from threshold 0.0" in generous.output


def test_footage_of_a_camera_off_its_reference_shows_the_view_fault(
    tmp_path: Path, episode: Episode, fall_video: Path
) -> None:
    # The installer's picture: the view a storey and a half higher than the footage's.
    storey = episode.calibration.tightest_storey_px()  # full-frame px
    reference = tmp_path / "calibrated.png"
    # The footage is rendered at half the calibrated width.
    cv2.imwrite(str(reference), shifted(episode.background, 0.0, -1.5 * storey / 2))
    settings = {"reference": str(reference), "every_s": 0.2, "hold_s": 0.4}
    config = gateway_yaml(tmp_path / "gw.yaml", episode, **settings)
    runner = CliRunner()
    command = ["falling-check", "--config", str(config), "cam-facade-1", str(fall_video)]
    report = json.loads(runner.invoke(main, [*command, "--json"]).output)
    assert [(f["fault"], f["raised"], f["video"]) for f in report["view_faults"]] == [
        ("moved", True, str(fall_video))
    ]
    fault = report["view_faults"][0]
    assert fault["since_s"] == 0.0 and fault["at_s"] == pytest.approx(0.4, abs=0.05)
    assert fault["shift_px"][1] == pytest.approx(1.5 * storey, abs=4.0), "full-frame px"
    words = runner.invoke(main, command).output
    assert f"view check: moved raised at {fault['at_s']} s in {fall_video}" in words
    off = gateway_yaml(tmp_path / "off.yaml", episode, enabled=False)
    silent = runner.invoke(
        main, ["falling-check", "--config", str(off), "cam-facade-1", str(fall_video)]
    )
    assert "view check: off for this camera" in silent.output
    gone = gateway_yaml(tmp_path / "gone.yaml", episode, reference=str(tmp_path / "none.png"))
    refused = runner.invoke(
        main, ["falling-check", "--config", str(gone), "cam-facade-1", str(fall_video)]
    )
    assert refused.exit_code == 1 and "none.png: missing or not an image" in refused.output


def test_command_line_names_what_is_wrong(tmp_path: Path, episode: Episode) -> None:
    config = gateway_yaml(tmp_path / "gw.yaml", episode)
    runner = CliRunner()
    unknown = runner.invoke(main, ["falling-check", "--config", str(config), "cam-9", "x.mp4"])
    assert unknown.exit_code == 1
    assert "no facade camera 'cam-9' (cameras: cam-facade-1)" in unknown.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("gateway_id: [unclosed\n", encoding="utf-8")
    bad = runner.invoke(main, ["falling-check", "--config", str(broken), "cam-facade-1", "x.mp4"])
    assert bad.exit_code == 1 and "not valid YAML" in bad.output
    missing = runner.invoke(
        main, ["falling-check", "--config", str(config), "cam-facade-1", "x.mp4"]
    )
    assert missing.exit_code == 1 and "x.mp4: no such file" in missing.output
    no_video = runner.invoke(main, ["falling-check", "--config", str(config), "cam-facade-1"])
    assert no_video.exit_code == 2 and "Missing argument" in no_video.output
    zero = runner.invoke(
        main, ["falling-check", "--config", str(config), "cam-facade-1", "x.mp4", "--goal", "0"]
    )
    assert zero.exit_code == 2 and "0.0 is not in the range x>0.0" in zero.output


def test_command_line_defaults_are_the_site_checks_own() -> None:
    # The command imports the site check only when it runs; its defaults must not drift.
    defaults = {p.name: p.default for p in main.commands["falling-check"].params}
    assert (defaults["goal"], defaults["top"]) == (GOAL_PER_HOUR, TOP_TRACKS)


def verdict(score: float) -> Verdict:
    points = TrackPoints(t=np.zeros(1), x=np.zeros(1), y=np.zeros(1), area=np.ones(1))
    return Verdict(points, np.zeros(1), False, score, False, None, candidate=True)


def test_only_the_closest_tracks_are_kept_but_every_score_is_counted() -> None:
    tally = Tally(top=3)
    scores = [0.2, 0.9, 0.1, 0.9, 0.5, 0.95, 0.3]
    for i, score in enumerate(scores):
        tally.add(ReplayedTrack(f"v{i}", verdict(score)))
    assert tally.scores == scores
    # Highest first; of two equal scores the earlier track is listed first.
    assert [t.video for t in tally.closest()] == ["v5", "v1", "v3"]
    none = Tally(top=0)
    none.add(ReplayedTrack("v", verdict(0.99)))
    assert none.closest() == [] and none.scores == [0.99]


def test_the_threshold_for_a_goal_keeps_one_track_fewer_than_the_goal_allows() -> None:
    # Kept k, unseen footage of the same length expects k + 1 above the threshold.
    assert [allowed_false_tracks(h, 0.5) for h in (0.5, 1.99, 2.0, 3.9, 4.0, 5.0)] == [
        None,
        None,
        0,
        0,
        1,
        1,
    ]
    for hours, goal in ((-1.0, 0.5), (3.0, 0.0), (3.0, -0.5)):
        with pytest.raises(ValueError, match="a goal above 0 and hours of at least 0"):
            allowed_false_tracks(hours, goal)
    scores = np.array([0.3, 0.999, 0.97, 0.9812341, 0.5])
    assert threshold_for_goal(scores, 1.0, 0.5) is None
    assert threshold_for_goal(scores, 2.0, 0.5) == 0.999001  # above every score, rounded up
    assert threshold_for_goal(scores, 4.0, 0.5) == 0.981235  # one kept: 0.999
    assert threshold_for_goal(np.array([1.0]), 2.0, 0.5) is None  # only 1 or more would do
    assert threshold_for_goal(np.array([]), 2.0, 0.5) == 0.0
