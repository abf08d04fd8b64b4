"""Motion model and tracker on hand-made frames and blobs with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from falling_factories import make_calibration

from edge.falling.motion import GAIN_TOLERANCE, Blobs, MotionModel
from edge.falling.tracker import Track, Tracker, predict
from edge.falling.trajectory import heights_at, px_per_m

SHAPE = (120, 160)


def noisy(rng: np.random.Generator, level: float, sigma: float = 2.0) -> np.ndarray:
    return np.clip(rng.normal(level, sigma, SHAPE), 0, 255).astype(np.uint8)


def with_object(frame: np.ndarray, x: int, y: int, grey: int = 200) -> np.ndarray:
    out = frame.copy()
    out[y : y + 3, x : x + 3] = grey
    return out


def test_a_small_object_is_one_blob_at_its_centre() -> None:
    rng = np.random.default_rng(1)
    motion = MotionModel()
    for _ in range(5):
        motion.update(noisy(rng, 80))
    result = motion.update(with_object(noisy(rng, 80), 101, 41))
    assert len(result.blobs) == 1
    assert result.blobs.xy[0] == pytest.approx([102.0, 42.0], abs=0.5)


def wall(rng: np.random.Generator, shift: int = 0, sigma: float = 2.0) -> np.ndarray:
    """A façade-like view: window bands (30 to 200 grey levels), moved ``shift`` px sideways."""
    cols = np.arange(SHAPE[1]) + shift
    rows = np.arange(SHAPE[0])
    pattern = 30 + 170 * (((cols // 12) % 2)[None, :] * ((rows // 9) % 2)[:, None])
    return np.clip(pattern + rng.normal(0, sigma, SHAPE), 0, 255).astype(np.uint8)


def test_a_global_change_reseeds_the_model() -> None:
    rng = np.random.default_rng(2)
    motion = MotionModel()
    for _ in range(5):
        motion.update(wall(rng))
    assert motion.update(wall(rng, shift=6)).global_change  # the camera was knocked
    after = motion.update(with_object(wall(rng, shift=6), 50, 60, grey=110))
    assert not after.global_change
    assert len(after.blobs) == 1


@pytest.mark.parametrize("gain", [0.85, 0.9, 1.1, 1.15])
def test_a_change_of_camera_gain_is_corrected_not_taken_for_a_global_change(gain: float) -> None:
    rng = np.random.default_rng(3)
    motion = MotionModel()
    for _ in range(12):
        motion.update(wall(rng))
    frame = with_object(wall(rng), 50, 60, grey=110)
    scaled = np.clip(frame.astype(np.float64) * gain, 0, 255).astype(np.uint8)
    result = motion.update(scaled)
    assert motion.gain == pytest.approx(gain, abs=0.01)
    assert not result.global_change
    assert len(result.blobs) == 1
    assert result.blobs.xy[0] == pytest.approx([51.0, 61.0], abs=0.5)
    assert not motion.update(wall(rng)).global_change  # and back


def test_a_small_drift_of_brightness_is_left_alone() -> None:
    rng = np.random.default_rng(4)
    motion = MotionModel()
    for _ in range(12):
        motion.update(wall(rng))
    frame = wall(rng)
    result = motion.update(np.clip(np.rint(frame * 1.01), 0, 255).astype(np.uint8))
    assert 1.0 < motion.gain < 1.0 + GAIN_TOLERANCE
    assert len(result.blobs) == 0 and not result.global_change


def test_the_gain_of_a_black_view_is_not_guessed() -> None:
    rng = np.random.default_rng(5)
    motion = MotionModel()
    for _ in range(3):
        motion.update(noisy(rng, 5))
    motion.update(noisy(rng, 9))
    assert motion.gain == 1.0


def test_gated_association_and_misses_end_tracks() -> None:
    tracker = Tracker(max_misses=2)
    area = np.array([4.0])
    for k in range(3):
        tracker.update(0.04 * k, Blobs(xy=np.array([[50.0, 20.0 + 2 * k]]), area=area))
    far = Blobs(xy=np.array([[150.0, 100.0]]), area=area)
    assert tracker.update(0.12, far) == []
    assert tracker.update(0.16, Blobs.empty()) == []
    ended = tracker.update(0.20, Blobs.empty())
    assert [len(t.t) for t in ended] == [3]
    assert [len(t.t) for t in tracker.active] == [1]


def test_batched_prediction_follows_each_kind_of_track() -> None:
    still, steady, falling = Track(1), Track(2), Track(3)
    still.add(1.0, 5.0, 5.0, 1.0)
    steady.add(0.0, 0.0, 0.0, 1.0)
    steady.add(0.1, 1.0, 2.0, 1.0)
    for k in range(10):
        t = 0.04 * k
        falling.add(t, 100.0 + 10 * t, 50.0 + 3 * t + 200 * t * t, 1.0)
    rows = predict([still, steady, falling], 0.4)
    assert rows[0] == pytest.approx([5.0, 5.0, 0.0])
    assert rows[1][:2] == pytest.approx([4.0, 8.0])
    assert rows[2][:2] == pytest.approx([104.0, 50.0 + 1.2 + 32.0])


def test_vectorised_heights_match_the_calibration_row_by_row() -> None:
    cal = make_calibration()
    ys = np.linspace(-50.0, 1100.0, 97)
    assert np.array_equal(heights_at(ys, cal), [cal.height_m_at(float(y)) for y in ys])
    assert np.array_equal(px_per_m(ys, cal), [cal.px_per_m_at(float(y)) for y in ys])


def _night_hits(motion: MotionModel, rng: np.random.Generator, frames: int = 40) -> int:
    """Frames (after warm-up) whose blobs include a dark 4x4 object on a dark, noisy wall."""
    hits = 0
    for k in range(frames):
        frame = noisy(rng, 45, sigma=10.0)
        if k >= 24:
            x = 40 + 2 * (k - 24)
            frame[60:64, x : x + 4] = 20
            found = motion.update(frame).blobs.xy
            hits += int(np.any(np.hypot(found[:, 0] - (x + 1.5), found[:, 1] - 61.5) < 3))
        else:
            motion.update(frame)
    return hits


def test_high_noise_switches_smoothing_on_and_finds_a_dark_object_it_hid() -> None:
    plain = MotionModel(smooth_on_sigma=None)
    smoothed = MotionModel(smooth_on_sigma=6.0)
    assert _night_hits(plain, np.random.default_rng(5)) <= 2
    assert _night_hits(smoothed, np.random.default_rng(5)) >= 12
    assert smoothed.smoothing and not plain.smoothing
    assert smoothed.threshold < plain.threshold / 2


def test_smoothing_stays_off_by_day_and_switches_off_when_the_noise_drops() -> None:
    rng = np.random.default_rng(6)
    motion = MotionModel(smooth_on_sigma=6.0, smooth_off_sigma=4.0)
    for _ in range(30):
        motion.update(noisy(rng, 120, sigma=2.0))
    assert not motion.smoothing
    for _ in range(30):
        motion.update(noisy(rng, 45, sigma=10.0))
    assert motion.smoothing
    for _ in range(40):
        motion.update(noisy(rng, 120, sigma=2.0))
    assert not motion.smoothing


def test_a_falling_track_coasts_over_missed_frames_and_a_still_one_does_not() -> None:
    tracker = Tracker(max_misses=2, falling_misses=5)
    area = np.array([4.0, 4.0])

    def fall_y(t: float) -> float:
        return 20.0 + 40.0 * t + 150.0 * t * t

    for k in range(8):
        t = 0.04 * k
        tracker.update(t, Blobs(xy=np.array([[50.0, fall_y(t)], [120.0, 30.0]]), area=area))
    for k in range(8, 12):
        ended = tracker.update(0.04 * k, Blobs.empty())
        assert all(len(track.t) == 8 and track.x[0] == 120.0 for track in ended)
    t = 0.04 * 12
    assert tracker.update(t, Blobs(xy=np.array([[50.0, fall_y(t)]]), area=area[:1])) == []
    (falling,) = tracker.active
    assert len(falling.t) == 9 and falling.y[-1] == pytest.approx(fall_y(t))
