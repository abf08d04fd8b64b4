"""Motion model and tracker on hand-made frames and blobs with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from falling_factories import make_calibration

from edge.falling.motion import Blobs, MotionModel
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


def test_a_global_change_reseeds_the_model() -> None:
    rng = np.random.default_rng(2)
    motion = MotionModel()
    for _ in range(5):
        motion.update(noisy(rng, 80))
    assert motion.update(noisy(rng, 130)).global_change
    after = motion.update(with_object(noisy(rng, 130), 50, 60))
    assert not after.global_change
    assert len(after.blobs) == 1


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
