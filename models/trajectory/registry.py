"""The trajectory classifier this repository trains and ships, as an edge config section.

The registry entry (``models/registry/trajectory_classifier.yaml``, written by
``models.trajectory.train``) names the ONNX file, its sha256 and the tuned
threshold; the benchmark, the demo and the tests all read it here.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from edge.falling.config import ClassifierConfig

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_PATH = ROOT / "models" / "registry" / "trajectory_classifier.yaml"


def shipped_classifier() -> ClassifierConfig:
    """The shipped classifier: file, expected sha256 and decision threshold."""
    entry = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))
    return ClassifierConfig(
        path=ROOT / entry["file"],
        sha256=entry["sha256"],
        threshold=float(entry["decoder"]["threshold"]),
    )
