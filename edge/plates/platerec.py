"""The plate recogniser this project trains (``models.plates.train``), run with onnxruntime.

A small CNN with a CTC head over the plate alphabet only (31 provinces, 24
letters, 10 digits, 7 suffixes). It reads the same crops as the PP-OCRv4
recogniser and returns per-timestep probabilities in the same form, so the
reader decodes and votes both alike. The file is checked against the
sha256 of its registry entry before it is opened.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

import models
from edge.plates.errors import ModelError
from edge.plates.grammar import PLATE_CHARS
from edge.plates.models import load_entry, open_session, verified_path

# Input height and width; every crop is resized to this, whatever its aspect.
INPUT_HW = (32, 128)
# Index 0 is the CTC blank.
ALPHABET: list[str] = ["", *PLATE_CHARS]


def to_input(crop_bgr: np.ndarray) -> np.ndarray:
    """A crop resized to INPUT_HW (uint8 BGR), as the network expects it."""
    interpolation = cv2.INTER_AREA if crop_bgr.shape[0] > INPUT_HW[0] else cv2.INTER_LINEAR
    return cv2.resize(crop_bgr, (INPUT_HW[1], INPUT_HW[0]), interpolation=interpolation)


def shipped_path() -> tuple[Path, str]:
    """The shipped model file and its sha256 from ``models/registry/plate_recogniser.yaml``."""
    root = Path(models.__file__).resolve().parent
    entry = load_entry(root / "registry" / "plate_recogniser.yaml")
    return root / "plates" / entry.file, entry.sha256


class PlateRecogniser:
    """CTC plate recogniser returning per-timestep class probabilities."""

    def __init__(self, *, session: ort.InferenceSession | None = None) -> None:
        if session is None:
            path, sha256 = shipped_path()
            session = open_session(verified_path(path.name, sha256, path.parent))
        self._session = session
        inputs = session.get_inputs()
        if len(inputs) != 1 or list(inputs[0].shape[1:]) != [3, *INPUT_HW]:
            raise ModelError(
                path="plate recogniser",
                problem=f"expected one input of shape N x 3 x {INPUT_HW[0]} x {INPUT_HW[1]}, "
                f"got {[list(i.shape) for i in inputs]}",
            )
        classes = session.get_outputs()[0].shape[-1]
        if classes != len(ALPHABET):
            raise ModelError(
                path="plate recogniser",
                problem=f"expected {len(ALPHABET)} output classes, got {classes}",
            )
        self._input = inputs[0].name
        self.alphabet = ALPHABET

    def probabilities(self, crop_bgr: np.ndarray) -> np.ndarray:
        """(timesteps, classes) softmax output for one plate crop."""
        blob = to_input(crop_bgr).astype(np.float32).transpose(2, 0, 1)[None]
        logits = self._session.run(None, {self._input: blob})[0][0]
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
        return probs
