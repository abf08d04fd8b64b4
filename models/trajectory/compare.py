"""Compare trajectory classifiers at equal false tracks over seven hours of footage.

    python -m models.trajectory.compare MODEL.onnx [MODEL.onnx ...] [--cache DIR] [--k 0 1 3 6]

The recipe sets its threshold for the goal's rate on five hours of tuning
footage, so a track or two decide between two classifiers. This sets each
model instead at the threshold that lets at most k false tracks through the
tuning footage and the two check hours together (k = 2 expects about 0.43
an hour on unseen footage: (k + 1) / 7.0) and counts, at that threshold,
the development and tuning falls caught (recipe count: a candidate track
with most of its points on the object). It also sets each model as the
recipe would (``train.pick_threshold`` on the tuning hours alone) and
counts the development falls and check false tracks at that threshold. Because it
looks at the check hours, it is a way to compare, not a way to pick a
threshold; the evaluation seeds are never rendered.

``--cache`` holds the front end's tracks (``tune``, ``tune_more``,
``check``, ``dev``); the recipe's cache can be shared, and a front-end
change needs its own. Missing stores are rendered (about 45 minutes on two
cores).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.falling.classifier import TrajectoryClassifier
from edge.falling.sitecheck import threshold_for
from models.trajectory import dataset, seeds
from models.trajectory.train import footage_hours, load_or_build, pick_threshold

FloatArray = npt.NDArray[np.float64]


def candidate_features(tracks: dataset.Tracks) -> FloatArray:
    """Feature rows of the tracks, NaN rows for those too short or small to be judged."""
    rows = dataset.feature_rows(tracks)
    rows[~dataset.candidates(tracks, rows)] = np.nan
    return rows


def _scores(model: TrajectoryClassifier, rows: FloatArray) -> FloatArray:
    # Tracks that are not candidates are never judged: NaN, which reaches no threshold.
    candidate = ~np.isnan(rows).any(axis=1)
    scores = np.full(len(rows), np.nan)
    if candidate.any():
        scores[candidate] = model.predict(rows[candidate]).astype(np.float64)
    return scores


def compare(
    model: TrajectoryClassifier,
    label: str,
    stores: dict[str, dataset.Tracks],
    features: dict[str, FloatArray],
    ks: list[int],
    hours: float,
    tune_hours: float,
) -> dict[str, object]:
    """One model's row: threshold, development and tuning falls caught at each k, and at
    the recipe's threshold.

    ``features`` holds ``candidate_features`` of each store, computed once for
    all models; ``hours`` is the footage of tune, tune_more and check,
    ``tune_hours`` that of tune and tune_more (what the recipe sets its threshold on).
    """
    scores = {name: _scores(model, features[name]) for name in stores}
    false = np.concatenate(
        [
            scores[n][(stores[n]["share"] == 0.0) & ~np.isnan(scores[n])]
            for n in ("tune", "tune_more", "check")
        ]
    )
    tune, dev = stores["tune"], stores["dev"]
    tune_falls = len(set(tune["seed"][tune["fall"] > 0.5].astype(int).tolist()))
    rows = []
    for k in ks:
        threshold = threshold_for(false, k)
        rows.append(
            {
                "k": k,
                "false_per_hour": round(k / hours, 3),
                "threshold": threshold,
                "dev_falls": dataset.falls_caught(
                    scores["dev"], dev["share"], dev["seed"], threshold
                ),
                "tune_falls": dataset.falls_caught(
                    scores["tune"], tune["share"], tune["seed"], threshold
                ),
            }
        )
    tuning = dataset.joined(stores["tune"], stores["tune_more"])
    tuning_scores = np.concatenate([scores["tune"], scores["tune_more"]])
    judged = ~np.isnan(tuning_scores)
    recipe_threshold, _, _ = pick_threshold(
        tuning_scores[judged], tuning["share"][judged], tuning["seed"][judged], tune_hours
    )
    check = stores["check"]
    recipe = {
        "threshold": recipe_threshold,
        "dev_falls": dataset.falls_caught(
            scores["dev"], dev["share"], dev["seed"], recipe_threshold
        ),
        "check_false_tracks": int(
            ((scores["check"] >= recipe_threshold) & (check["share"] == 0.0)).sum()
        ),
    }
    return {
        "model": label,
        "distractor_hours": round(hours, 3),
        "false_candidate_tracks": len(false),
        "dev_episodes": len(seeds.DEV),
        "tune_falls_with_tracks": tune_falls,
        "rows": rows,
        "recipe": recipe,
    }


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"k counts false tracks: at least 0, got {value}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", type=Path, nargs="+", help="ONNX classifiers to compare")
    parser.add_argument("--cache", type=Path, default=Path(".cache/trajectory"))
    parser.add_argument("--k", type=_count, nargs="+", default=[0, 1, 3, 6])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    seeds.assert_disjoint()
    # Every model is loaded before anything is rendered: a bad path fails at once.
    models = [(TrajectoryClassifier(path=path), str(path)) for path in args.models]
    none = range(0)
    stores = {
        "tune": load_or_build(
            args.cache, "tune", seeds.TUNE_FALL, seeds.TUNE_DISTRACTOR, args.workers
        ),
        "tune_more": load_or_build(
            args.cache, "tune_more", none, seeds.TUNE_DISTRACTOR_MORE, args.workers
        ),
        "check": load_or_build(args.cache, "check", none, seeds.CHECK_DISTRACTOR, args.workers),
        "dev": load_or_build(args.cache, "dev", seeds.DEV, none, args.workers),
    }
    hours = footage_hours(distractor=(*seeds.TUNE_FOOTAGE, seeds.CHECK_DISTRACTOR))
    tune_hours = footage_hours(seeds.TUNE_FALL, seeds.TUNE_FOOTAGE)
    features = {name: candidate_features(tracks) for name, tracks in stores.items()}
    for model, label in models:
        row = compare(model, label, stores, features, args.k, hours, tune_hours)
        sys.stdout.write(json.dumps(row) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
