"""Train the trajectory classifier on simulated tracks and export it to ONNX.

    python -m models.trajectory.train [--cache DIR] [--workers 2]

Renders the TRAIN_* episodes (1,200 falls, 100 minutes of distractors),
runs the edge front end on them (the tracks are cached in ``--cache``;
features are computed from them on every run),
trains boosted trees (``trees.py``), writes ``trajectory_classifier.onnx``
beside this file, sets its alarm threshold for the false-alarm goal on five
hours of tuning footage (TUNE_FALL and TUNE_FOOTAGE, never the evaluation
seeds) from the exported file's own scores, and writes the registry entry
``models/registry/trajectory_classifier.yaml``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from edge.digest import sha256_of
from edge.falling.classifier import TrajectoryClassifier
from edge.falling.sitecheck import GOAL_PER_HOUR, threshold_for_goal
from edge.falling.trajectory import FEATURE_NAMES
from models.trajectory import dataset, seeds, trees
from models.trajectory.registry import REGISTRY_PATH
from simulators.facade import EpisodeKind, make_episode

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MODEL_PATH = HERE / "trajectory_classifier.onnx"


def load_or_build(
    cache: Path, name: str, fall: range, distractor: range, workers: int
) -> dataset.Tracks:
    """The front end's tracks of these episodes, from ``cache`` when it holds them.

    The cache keeps tracks, not features; delete it after a change to the
    simulator or the front end (motion, tracker, stitching).
    """
    path = cache / f"{name}.npz"
    if path.exists():
        with np.load(path) as stored:
            if set(stored.files) == dataset.TRACK_KEYS:
                return {key: stored[key] for key in stored.files}
        logger.info("%s holds an older format; building it again", path)
    data = dataset.build(fall, distractor, workers=workers)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        points=data["points"],
        length=data["length"],
        share=data["share"],
        seed=data["seed"],
        fall=data["fall"],
    )
    return data


def footage_hours(fall: range = range(0), distractor: tuple[range, ...] = ()) -> float:
    """Hours of footage these episodes show (fall episodes included)."""
    kinds: list[tuple[range, EpisodeKind]] = [(fall, "fall")]
    kinds += [(r, "distractor") for r in distractor]
    seconds = sum(make_episode(s, kind).duration_s for seeds_, kind in kinds for s in seeds_)
    return seconds / 3600


def pick_threshold(
    probability: npt.NDArray[np.float64],
    share: npt.NDArray[np.float64],
    seed: npt.NDArray[np.float64],
    hours: float,
) -> tuple[float, float, int]:
    """The lowest threshold expected to keep unseen footage to the false-alarm goal.

    ``probability``, ``share`` and ``seed`` describe the candidate tracks of
    ``hours`` of tuning footage; a track with no point on a thrown object is
    a false track. The threshold keeps as many of them as
    ``allowed_false_tracks`` allows (the rule ``falling-check`` gives an
    installer), so footage the recipe never saw expects at most
    GOAL_PER_HOUR. Returns (threshold, share of tuning falls
    caught, false tracks kept).
    """
    distractor = np.isin(seed, np.concatenate([np.array(r) for r in seeds.TUNE_FOOTAGE]))
    falls = len(set(seed[~distractor].tolist()))
    if falls == 0:
        raise ValueError("no tuning falls among the tracks: a threshold cannot be picked")
    # The goal, the one falling-check defaults to. Five hours of tuning
    # footage can keep a track for it; one hour could only demand none at all,
    # which one unlucky track then decides.
    threshold = threshold_for_goal(probability[share == 0.0], hours, GOAL_PER_HOUR)
    if threshold is None:
        raise ValueError(
            f"{hours:.2f} h of tuning footage cannot set a threshold for "
            f"{GOAL_PER_HOUR} false alarms an hour"
        )
    false = int(((probability >= threshold) & (share == 0.0)).sum())
    recall = dataset.falls_caught(probability, share, seed, threshold) / falls
    return threshold, recall, false


def write_registry(threshold: float, n_train: int, hours: float, false: int) -> None:
    """Registry entry of the exported model."""
    entry = {
        "task": "falling_object_trajectory_classification",
        "file": "models/trajectory/trajectory_classifier.onnx",
        "sha256": sha256_of(MODEL_PATH),
        "input": {
            "name": "features",
            "shape": ["N", len(FEATURE_NAMES)],
            "dtype": "float32",
            "order": list(FEATURE_NAMES),
            "producer": "edge.falling.trajectory.features",
        },
        "decoder": {
            "output": "probability",
            "shape": ["N", 1],
            "meaning": "probability that the track is a thrown object",
            "threshold": threshold,
        },
        "licence": "Apache-2.0 (trained by this project on its own simulator)",
        "source": "python -m models.trajectory.train",
        "training": {
            "fall_seeds": [[r.start, r.stop] for r in (seeds.TRAIN_FALL, seeds.TRAIN_FALL_MORE)],
            "distractor_seeds": [seeds.TRAIN_DISTRACTOR.start, seeds.TRAIN_DISTRACTOR.stop],
            "tracks": n_train,
            "model": "LightGBM gradient-boosted trees",
            "params": {k: v for k, v in trees.PARAMS.items() if k != "verbose"},
        },
        "threshold_tuning": {
            "fall_seeds": [seeds.TUNE_FALL.start, seeds.TUNE_FALL.stop],
            "distractor_seeds": [[r.start, r.stop] for r in seeds.TUNE_FOOTAGE],
            "hours": round(hours, 3),
            "false_tracks_kept": false,
            "false_alarms_per_hour_goal": GOAL_PER_HOUR,
        },
    }
    REGISTRY_PATH.parent.mkdir(parents=True, exist_ok=True)
    REGISTRY_PATH.write_text(yaml.safe_dump(entry, sort_keys=False), encoding="utf-8")


def labelled(tracks: dataset.Tracks) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Candidate tracks with labels; tracks partly on the object are left out.

    A track with some but not most of its points on the thrown object (a
    clutter track that crossed it, a fragment) is neither a clean example of
    a fall nor of a distractor, and the detector's de-duplication absorbs it.
    """
    x, share = dataset.feature_rows(tracks), tracks["share"]
    candidate = dataset.candidates(tracks, x)
    clear = (share >= dataset.MATCH_SHARE) | (share == 0.0)
    keep = candidate & clear
    return x[keep], (share[keep] >= dataset.MATCH_SHARE).astype(np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path(".cache/trajectory"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    seeds.assert_disjoint()
    training = dataset.joined(
        load_or_build(args.cache, "train", seeds.TRAIN_FALL, seeds.TRAIN_DISTRACTOR, args.workers),
        load_or_build(args.cache, "train_more", seeds.TRAIN_FALL_MORE, range(0), args.workers),
    )
    x, y = labelled(training)
    tune = load_or_build(args.cache, "tune", seeds.TUNE_FALL, seeds.TUNE_DISTRACTOR, args.workers)
    more = load_or_build(
        args.cache, "tune_more", range(0), seeds.TUNE_DISTRACTOR_MORE, args.workers
    )
    tuning = dataset.joined(tune, more)
    tune_x = dataset.feature_rows(tuning)
    candidate = dataset.candidates(tuning, tune_x)
    hours = footage_hours(seeds.TUNE_FALL, seeds.TUNE_FOOTAGE)
    logger.info("train tracks %s (%s positive)", len(y), int(y.sum()))
    MODEL_PATH.write_bytes(trees.to_onnx(trees.fit(x, y)))
    # The threshold comes from the exported file's scores, the ones the edge computes.
    scores = TrajectoryClassifier(path=MODEL_PATH).predict(tune_x[candidate]).astype(np.float64)
    threshold, recall, false = pick_threshold(
        scores, tuning["share"][candidate], tuning["seed"][candidate], hours
    )
    logger.info(
        "tune: threshold %.6f catches %.3f of falls, %s false tracks in %.2f h",
        threshold,
        recall,
        false,
        hours,
    )
    write_registry(threshold, len(y), hours, false)
    logger.info("wrote %s (%s bytes) and %s", MODEL_PATH, MODEL_PATH.stat().st_size, REGISTRY_PATH)


if __name__ == "__main__":
    main()
