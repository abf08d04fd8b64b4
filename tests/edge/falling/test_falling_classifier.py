"""The ONNX classifier loads and computes what the recipe's boosted trees compute."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from falling_factories import FPS, fall_track, kinematic_track, make_calibration
from lightgbm import LGBMClassifier

from edge.digest import sha256_of
from edge.falling.classifier import TrajectoryClassifier
from edge.falling.errors import ModelLoadError
from edge.falling.trajectory import N_FEATURES, features
from models.trajectory import trees

ROOT = Path(__file__).resolve().parents[3]
REGISTRY = ROOT / "models" / "registry" / "trajectory_classifier.yaml"


def track_features() -> np.ndarray:
    cal = make_calibration()
    rows = [
        features(fall_track(cal, release_height_m=h, seed=i), cal, FPS)
        for i, h in enumerate((8.0, 17.5, 31.0))
    ]
    rows += [features(kinematic_track(k, cal), cal, FPS) for k in ("bird", "rain", "flutter")]
    return np.array(rows)


def tiny_model() -> tuple[np.ndarray, LGBMClassifier]:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, N_FEATURES))
    y = (x[:, 3] + 0.5 * x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(np.int64)
    return x, trees.fit(x, y)


def test_exported_trees_match_lightgbm(tmp_path: Path) -> None:
    x, model = tiny_model()
    path = tmp_path / "tiny.onnx"
    path.write_bytes(trees.to_onnx(model))
    classifier = TrajectoryClassifier(path=path, sha256=sha256_of(path))
    rows = np.vstack([track_features(), x[:50]])
    expected = trees.probabilities(model, rows)
    assert np.allclose(classifier.predict(rows), expected, atol=1e-5)
    assert expected.min() < 0.2 and expected.max() > 0.8, "a model that tells the classes apart"


def test_committed_model_matches_registry_and_accepts_clean_falls() -> None:
    entry = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    assert set(entry) >= {"task", "file", "sha256", "input", "decoder", "licence", "source"}
    path = ROOT / entry["file"]
    assert path.stat().st_size < 1_000_000
    classifier = TrajectoryClassifier(path=path, sha256=entry["sha256"])
    probability = classifier.predict(track_features())
    threshold = entry["decoder"]["threshold"]
    assert (probability[:3] >= threshold).all(), "clean free falls must be accepted"
    assert (probability[3:] < threshold).all(), "a glide, rain and a fluttering leaf must not"


def test_wrong_hash_is_refused(tmp_path: Path) -> None:
    _, model = tiny_model()
    path = tmp_path / "m.onnx"
    path.write_bytes(trees.to_onnx(model))
    with pytest.raises(ModelLoadError, match="sha256 differs"):
        TrajectoryClassifier(path=path, sha256="0" * 64)
