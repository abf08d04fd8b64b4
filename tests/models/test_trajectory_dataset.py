"""The trajectory recipe's track store: tracks round-trip, features match the edge's."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.falling.trajectory import N_FEATURES, features
from models.trajectory import dataset, train
from simulators.facade import FPS, make_episode

# Seeds of the test range (500_000-500_199) are used by no training, tuning or evaluation.
FALL_SEED = 500_003
ONE_FALL = range(FALL_SEED, FALL_SEED + 1)


def test_stored_tracks_give_the_features_of_the_front_end(tmp_path: Path) -> None:
    calibration = make_episode(FALL_SEED, "fall").calibration
    direct = dataset.episode_tracks(FALL_SEED, "fall")
    stored = train.load_or_build(tmp_path, "t", ONE_FALL, range(0), 1)
    assert len(direct) == len(stored["length"]) > 0
    assert stored["seed"].tolist() == [FALL_SEED] * len(direct)
    assert stored["fall"].tolist() == [1.0] * len(direct)
    assert np.array_equal(stored["share"], [share for _, share in direct])
    assert stored["share"].max() >= dataset.MATCH_SHARE
    rows = dataset.feature_rows(stored)
    assert rows.shape == (len(direct), N_FEATURES)
    assert np.array_equal(rows, [features(points, calibration, FPS) for points, _ in direct])
    # A second call reads the cache instead of rendering (no seeds asked for).
    again = train.load_or_build(tmp_path, "t", range(0), range(0), 1)
    assert np.array_equal(again["points"], stored["points"])


def test_a_cache_in_the_old_feature_format_is_built_again(tmp_path: Path) -> None:
    np.savez(tmp_path / "t.npz", x=np.zeros((2, 3)), share=np.zeros(2), seed=np.zeros(2))
    data = train.load_or_build(tmp_path, "t", ONE_FALL, range(0), 1)
    assert set(data) == dataset.TRACK_KEYS
    assert set(np.load(tmp_path / "t.npz").files) == dataset.TRACK_KEYS
    assert int(data["length"].sum()) == len(data["points"]) > 0


def test_joined_stores_keep_every_track_whole_and_in_order(tmp_path: Path) -> None:
    one = train.load_or_build(tmp_path, "t", ONE_FALL, range(0), 1)
    # The same tracks relabelled as another seed: a second store to join.
    two = {key: value.copy() for key, value in one.items()}
    two["seed"][:] = FALL_SEED + 1
    both = dataset.joined(one, two)
    tracks = dataset.track_points(both)
    alone = dataset.track_points(one)
    assert len(tracks) == 2 * len(alone) > 0
    for got, want in zip(tracks, alone + alone, strict=True):
        assert np.array_equal(got.t, want.t) and np.array_equal(got.y, want.y)
    assert both["seed"].tolist() == [FALL_SEED] * len(alone) + [FALL_SEED + 1] * len(alone)
