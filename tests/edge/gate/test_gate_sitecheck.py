"""Replaying a lane's recorded traffic: passes cut, plates read (masked), the read watch."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from gate_factories import SECRET, shared_reader

from edge.egress import FULL_PLATE_RE
from edge.gate.config import GateConfig
from edge.gate.sitecheck import LaneCheckError, check_lane
from simulators.gate.capture import SimulatedCapture
from simulators.gate.scene import LANE_ROI_XYXY, make_passes
from smartcommunity.cli import main
from tests import factories

SEED = 43  # a test seed of the gate simulator, used by no tuning
VEHICLES = 6
FPS = 10.0


def write_video(path: Path, frames: list[np.ndarray]) -> Path:
    return factories.write_video(path, frames, FPS)


@pytest.fixture(scope="module")
def traffic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording of the simulated lane: VEHICLES vehicles, then empty lane."""
    capture = SimulatedCapture(seed=SEED, fps=0, frames_per_pass=4, gap_s=0.8)
    frames: list[np.ndarray] = []
    while (frame := capture.read()[1]) is not None and capture.started <= VEHICLES:
        frames.append(frame)
    frames += frames[:10]  # the lane empty again after the last vehicle
    return write_video(tmp_path_factory.mktemp("lane") / "lane.mp4", frames)


def lane_config(tmp_path: Path, **values: object) -> GateConfig:
    return GateConfig.model_validate(
        {
            "device_id": "lane-1",
            "lists_path": str(tmp_path / "lists.sqlite"),
            "secret": SECRET,
            "reader": {"roi_xyxy": list(LANE_ROI_XYXY)},
            **values,
        }
    )


def test_each_vehicle_is_one_pass_and_plates_show_masked(tmp_path: Path, traffic: Path) -> None:
    report = check_lane(lane_config(tmp_path), [traffic], reader=shared_reader())
    assert report["passes"] == VEHICLES, "the loop cut one pass per vehicle"
    assert report["read"] >= VEHICLES - 1
    assert report["read_share_ci95"][0] < report["read_share"] <= report["read_share_ci95"][1]
    assert report["read_faults"] == []
    masked = [row["plate_masked"] for row in report["pass_log"] if row["read"]]
    plates = [v.plate.text for v in make_passes(SEED, VEHICLES, n_frames=4)]
    assert {m.replace("·", "")[:2] for m in masked} <= {p[:2] for p in plates}
    text = json.dumps(report, ensure_ascii=False)
    assert not FULL_PLATE_RE.search(text), "no full plate in the report"
    assert all(p not in text for p in plates)


def test_a_lane_that_reads_nothing_raises_the_read_watch(tmp_path: Path, traffic: Path) -> None:
    # The same traffic through a camera gone out of focus: passes are cut, nothing reads.
    capture = cv2.VideoCapture(str(traffic))
    frames = []
    while (step := capture.read())[0]:
        frames.append(np.asarray(cv2.GaussianBlur(step[1], (0, 0), 10.0), np.uint8))
    capture.release()
    blurred = write_video(tmp_path / "blurred.mp4", frames)
    config = lane_config(tmp_path, read_watch={"window_passes": 4, "raise_unread": 3})
    report = check_lane(config, [blurred, blurred], reader=shared_reader())
    assert report["passes"] == 2 * VEHICLES and report["read"] == 0
    assert [(f["fault"], f["raised"]) for f in report["read_faults"]] == [("plates_unread", True)]
    assert report["read_faults"][0]["video"] == str(blurred)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("missing.mp4", None, "no such file"),
        ("notes.mp4", b"not a video at all", "not a video OpenCV can read"),
        ("empty.mp4", b"", "not a video OpenCV can read"),
    ],
)
def test_unreadable_footage_is_refused_clearly(
    tmp_path: Path, name: str, content: bytes | None, problem: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(LaneCheckError, match=problem):
        check_lane(lane_config(tmp_path), [path], reader=shared_reader())
    with pytest.raises(LaneCheckError, match="no footage"):
        check_lane(lane_config(tmp_path), [], reader=shared_reader())


def test_command_line_reports_in_json_and_in_words(tmp_path: Path, traffic: Path) -> None:
    config = tmp_path / "gw.yaml"
    gate = lane_config(tmp_path).model_dump(mode="json")
    gate["secret"] = SECRET
    config.write_text(
        yaml.safe_dump(
            {"gateway_id": "gw-c", "outbox": {"path": str(tmp_path / "o.sqlite")}, "gate": gate}
        ),
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(main, ["lane-check", "--config", str(config), str(traffic), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["passes"] == VEHICLES
    words = runner.invoke(main, ["lane-check", "--config", str(config), str(traffic)])
    assert words.exit_code == 0, words.output
    assert f"{VEHICLES} passes cut" in words.output
    assert "read watch: no fault raised" in words.output

    bare = tmp_path / "bare.yaml"
    bare.write_text("gateway_id: gw-c\noutbox: {path: o.sqlite}\n", encoding="utf-8")
    refused = runner.invoke(main, ["lane-check", "--config", str(bare), str(traffic)])
    assert refused.exit_code == 1 and "no gate: section" in refused.output
    gone = runner.invoke(main, ["lane-check", "--config", str(config), str(tmp_path / "x.mp4")])
    assert gone.exit_code == 1 and "x.mp4: no such file" in gone.output
