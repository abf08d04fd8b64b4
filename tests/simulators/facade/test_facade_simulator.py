"""The façade simulator: deterministic by seed, consistent ground truth and calibration."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest

from simulators.facade import CONDITIONS, make_episode
from simulators.facade.distractors import DISTRACTOR_KINDS, make_distractor


def digest(seed: int, kind: str, frames: int = 20) -> str:
    episode = make_episode(seed, kind, size_wh=(320, 180))  # type: ignore[arg-type]
    h = hashlib.sha256()
    for _, frame in itertools.islice(episode.frames(), frames):
        h.update(frame.tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("kind", ["fall", "distractor"])
def test_same_seed_same_frames(kind: str) -> None:
    assert digest(7, kind) == digest(7, kind)
    assert digest(7, kind) != digest(8, kind)


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_fall_truth_is_consistent(seed: int) -> None:
    episode = make_episode(seed, "fall", size_wh=(320, 180))
    truth = episode.truth
    assert truth is not None
    cal = episode.calibration
    assert 2 <= truth.floor <= cal.top_floor
    assert 1 <= truth.column <= len(cal.column_lines) - 1
    assert truth.release_t < truth.left_view_t <= episode.duration_s
    positions = [episode.object_at(truth.release_t + k / 25) for k in range(1, 20)]
    ys = [p[1] for p in positions if p is not None]
    assert len(ys) > 10
    assert np.all(np.diff(ys) > -0.5), "a dropped object moves down the image"
    assert np.diff(ys)[-1] > np.diff(ys)[0], "and speeds up"


def test_release_point_lies_on_its_floor_in_the_calibration() -> None:
    episode = make_episode(21, "fall", size_wh=(960, 540))
    cal, fall = episode.calibration, episode.fall
    assert fall is not None
    xy = episode.object_at(fall.release_t)
    assert xy is not None
    y_full = xy[1] * cal.frame_wh[0] / episode.camera.width
    x_full = xy[0] * cal.frame_wh[0] / episode.camera.width
    apparent = cal.height_m_at(y_full)
    column = cal.column_at(x_full, y_full)
    assert column == fall.column
    assert cal.floor_at_height_m(cal.release_height_m(apparent, column)) == fall.floor


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_condition_renders(condition: str) -> None:
    episode = make_episode(3, "distractor", size_wh=(320, 180), duration_s=1.0, condition=condition)  # type: ignore[arg-type]
    frames = [f for _, f in episode.frames()]
    assert len(frames) == 25
    assert frames[0].shape == (180, 320, 3) and frames[0].dtype == np.uint8
    assert episode.truth is None


@pytest.mark.parametrize("kind", [k for k in DISTRACTOR_KINDS if k not in ("shake", "ir_noise")])
def test_every_distractor_actor_shows_up(kind: str) -> None:
    episode = make_episode(5, "distractor", size_wh=(480, 270), duration_s=8.0, distractors=())
    rng = np.random.default_rng(1)
    actors = make_distractor(kind, rng, episode.building, episode.camera, 8.0)
    assert actors
    changed = []
    for t in np.arange(0.0, 8.0, 0.2):
        frame = episode.background.copy()
        for actor in actors:
            actor.draw(frame, float(t), episode.camera)
        changed.append(np.abs(frame.astype(np.int16) - episode.background).max() > 8)
    assert any(changed)


@pytest.mark.parametrize("kind", ["shake", "ir_noise"])
def test_frame_effects_change_the_picture(kind: str) -> None:
    clean = make_episode(5, "distractor", size_wh=(480, 270), duration_s=8.0, distractors=())
    noisy = make_episode(5, "distractor", size_wh=(480, 270), duration_s=8.0, distractors=(kind,))
    differs = [
        np.abs(a.astype(np.int16) - b).max() > 25
        for (_, a), (_, b) in zip(noisy.frames(), clean.frames(), strict=True)
    ]
    assert any(differs)


def test_simulated_capture_streams_one_building_and_throws_now_and_then() -> None:
    from simulators.facade.capture import SEGMENT_S, SIZE_WH, SimulatedCapture, calibration_of

    capture = SimulatedCapture(seed=5, fps=0, gap_s=SEGMENT_S)  # a throw in every segment
    frames = [capture.read()[1] for _ in range(int(3 * SEGMENT_S * 25))]
    assert all(f is not None and f.shape == (SIZE_WH[1], SIZE_WH[0], 3) for f in frames)
    assert len(capture.thrown) == 3 and all(f >= 2 for f in capture.thrown)
    # The same seed gives the same camera, so an installer's calibration holds for ever.
    assert calibration_of(5, "c") == calibration_of(5, "c")
    # Calibrated on the full-resolution picture; frames come at the analysis size.
    width, height = calibration_of(5, "c").frame_wh
    assert width / height == SIZE_WH[0] / SIZE_WH[1]
    capture.release()
    assert capture.read() == (False, None)
