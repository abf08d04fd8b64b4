"""The ONNX trajectory classifier, run with onnxruntime on one thread.

Input ``features`` float32 [N, N_FEATURES] in the order of
``trajectory.FEATURE_NAMES``; output ``probability`` float32 [N, 1], the
probability that the track is a thrown object. Normalisation is inside the
graph, so the edge feeds raw features.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from edge.digest import sha256_of
from edge.falling.errors import ModelLoadError
from edge.falling.trajectory import N_FEATURES

logger = logging.getLogger(__name__)

INPUT_NAME = "features"
OUTPUT_NAME = "probability"


class TrajectoryClassifier:
    """Loads the classifier, checks its hash and shape, and warms it up."""

    def __init__(self, *, path: Path, sha256: str | None = None) -> None:
        if not path.is_file():
            raise ModelLoadError(str(path), "file not found")
        if sha256 is not None and sha256_of(path) != sha256:
            raise ModelLoadError(str(path), f"sha256 differs from the expected {sha256}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelLoadError(str(path), f"onnxruntime could not load it ({exc})") from exc
        shape = self._session.get_inputs()[0].shape
        if self._session.get_inputs()[0].name != INPUT_NAME or shape[-1] != N_FEATURES:
            raise ModelLoadError(
                str(path), f"expected input {INPUT_NAME!r} [N, {N_FEATURES}], got {shape}"
            )
        self.predict(np.zeros((1, N_FEATURES)))
        logger.info("trajectory classifier %s loaded", path)

    def predict(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
        """Probabilities [N] for feature rows [N, N_FEATURES]."""
        batch = np.atleast_2d(features).astype(np.float32)
        (output,) = self._session.run([OUTPUT_NAME], {INPUT_NAME: batch})
        return np.asarray(output, dtype=np.float32).reshape(-1)

    def __call__(self, features: npt.NDArray[np.float64]) -> float:
        """Probability for one feature vector (the TrackJudge scorer)."""
        return float(self.predict(features)[0])
