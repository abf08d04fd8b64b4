"""Face detection for blurring snapshots: an operator-supplied YuNet ONNX model.

No face model ships with the platform (YuNet weights are downloaded by the
operator from OpenCV Zoo, Apache-2.0); when none is configured, snapshots
fall back to pixelating the cabin above the plate (see ``snapshot``). The
decoder follows YuNet's multi-stride outputs ``cls_*``, ``obj_*``, ``bbox_*``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import onnxruntime as ort

from edge.plates.models import open_session

logger = logging.getLogger(__name__)

STRIDES = (8, 16, 32)


class FaceDetector(Protocol):
    """Finds faces; returns boxes as integer x0, y0, x1, y1 in image pixels."""

    def detect(self, image_bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Face boxes in ``image_bgr``."""


class YuNetDetector:
    """YuNet face detector run by onnxruntime at the model's (or a given) input size."""

    def __init__(
        self,
        *,
        model_path: Path,
        score_threshold: float = 0.6,
        input_wh: tuple[int, int] = (640, 640),
    ) -> None:
        self._session: ort.InferenceSession = open_session(model_path)
        self._input = self._session.get_inputs()[0]
        shape = self._input.shape
        static = all(isinstance(d, int) for d in shape[2:])
        self.input_wh = (int(shape[3]), int(shape[2])) if static else input_wh
        self.score_threshold = score_threshold
        self._outputs = [o.name for o in self._session.get_outputs()]

    def detect(self, image_bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Face boxes in ``image_bgr`` after non-maximum suppression."""
        width, height = self.input_wh
        blob = cv2.resize(image_bgr, (width, height)).astype(np.float32).transpose(2, 0, 1)[None]
        named = dict(
            zip(self._outputs, self._session.run(None, {self._input.name: blob}), strict=True)
        )
        boxes, scores = self._decode(named)
        if not boxes:
            return []
        keep = cv2.dnn.NMSBoxes(boxes, scores, self.score_threshold, 0.3)
        scale_x, scale_y = image_bgr.shape[1] / width, image_bgr.shape[0] / height
        out = []
        for i in np.asarray(keep).reshape(-1):
            x, y, w, h = boxes[int(i)]
            out.append(
                (int(x * scale_x), int(y * scale_y), int((x + w) * scale_x), int((y + h) * scale_y))
            )
        return out

    def _decode(self, named: dict[str, np.ndarray]) -> tuple[list[list[float]], list[float]]:
        width = self.input_wh[0]
        boxes: list[list[float]] = []
        scores: list[float] = []
        for stride in STRIDES:
            cls = named[f"cls_{stride}"].reshape(-1)
            obj = named[f"obj_{stride}"].reshape(-1)
            bbox = named[f"bbox_{stride}"].reshape(-1, 4)
            score = np.sqrt(np.clip(cls, 0, 1) * np.clip(obj, 0, 1))
            cols = width // stride
            for i in np.flatnonzero(score >= self.score_threshold):
                row, col = divmod(int(i), cols)
                cx, cy = (col + bbox[i, 0]) * stride, (row + bbox[i, 1]) * stride
                w, h = np.exp(bbox[i, 2]) * stride, np.exp(bbox[i, 3]) * stride
                boxes.append([float(cx - w / 2), float(cy - h / 2), float(w), float(h)])
                scores.append(float(score[i]))
        return boxes, scores
