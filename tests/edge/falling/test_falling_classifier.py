"""The ONNX classifier loads and computes what the recipe's network computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import yaml
from falling_factories import FPS, fall_track, kinematic_track, make_calibration
from onnx import numpy_helper

from edge.digest import sha256_of
from edge.falling.classifier import TrajectoryClassifier
from edge.falling.errors import ModelLoadError
from edge.falling.trajectory import N_FEATURES, features
from models.trajectory.mlp import Mlp

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


def test_exported_network_matches_numpy(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, N_FEATURES))
    y = (x[:, 3] + 0.5 * x[:, 0] > 0).astype(float)
    model = Mlp.initial(x, hidden=(8, 4), seed=1)
    losses = model.fit(x, y, epochs=60, lr=1e-2, l2=1e-4, pos_weight=1.0)
    assert losses[-1] < losses[0]
    path = tmp_path / "tiny.onnx"
    path.write_bytes(model.to_onnx())
    classifier = TrajectoryClassifier(path=path, sha256=sha256_of(path))
    rows = track_features()
    assert np.allclose(classifier.predict(rows), model.forward(rows), atol=1e-5)


def recipe_model_from(path: Path) -> Mlp:
    """Rebuild the recipe's numpy network from the weights stored in the ONNX file."""
    weights = {
        i.name: numpy_helper.to_array(i).astype(np.float64)
        for i in onnx.load(path).graph.initializer
    }
    layers = sorted(int(name[1:]) for name in weights if name.startswith("w"))
    return Mlp(
        mean=weights["mean"],
        std=weights["std"],
        weights=[weights[f"w{i}"] for i in layers],
        biases=[weights[f"b{i}"] for i in layers],
    )


def test_committed_model_matches_registry_and_recipe() -> None:
    entry = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    assert set(entry) >= {"task", "file", "sha256", "input", "decoder", "licence", "source"}
    path = ROOT / entry["file"]
    assert path.stat().st_size < 1_000_000
    classifier = TrajectoryClassifier(path=path, sha256=entry["sha256"])
    rows = track_features()
    assert np.allclose(classifier.predict(rows), recipe_model_from(path).forward(rows), atol=1e-5)
    probability = classifier.predict(rows)
    threshold = entry["decoder"]["threshold"]
    assert (probability[:3] >= threshold).all(), "clean free falls must be accepted"


def test_wrong_hash_is_refused(tmp_path: Path) -> None:
    model = Mlp.initial(np.ones((4, N_FEATURES)), hidden=(4,), seed=0)
    path = tmp_path / "m.onnx"
    path.write_bytes(model.to_onnx())
    with pytest.raises(ModelLoadError, match="sha256 differs"):
        TrajectoryClassifier(path=path, sha256="0" * 64)
