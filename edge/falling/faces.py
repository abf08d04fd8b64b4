"""Face-detector plugin: an operator-supplied YuNet ONNX model, run with onnxruntime.

No face model ships with the platform (none with a licence we may
redistribute is on PyPI); an operator who has one configures its path and
every image leaving the gateway then has its faces blurred too. The decoder
follows OpenCV's FaceDetectorYN for the 2023 YuNet export: per stride 8, 16
and 32 the outputs ``cls_S``, ``obj_S`` and ``bbox_S`` over a row-major grid.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from edge.falling.errors import ModelLoadError

logger = logging.getLogger(__name__)

STRIDES = (8, 16, 32)
NMS_IOU = 0.3
Box = tuple[int, int, int, int]


class FaceDetector(Protocol):
    """Finds faces in a BGR image; returns boxes (x, y, w, h) in its pixels."""

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Box]:
        """Face boxes found in ``image``."""


class YuNetDetector:
    """YuNet face detector on onnxruntime (one thread), warmed up on load."""

    def __init__(self, *, path: Path, input_wh: tuple[int, int], score_threshold: float) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelLoadError(str(path), f"onnxruntime could not load it ({exc})") from exc
        names = {o.name for o in self._session.get_outputs()}
        missing = [
            f"{k}_{s}" for s in STRIDES for k in ("cls", "obj", "bbox") if f"{k}_{s}" not in names
        ]
        if missing:
            raise ModelLoadError(str(path), f"not a YuNet model: outputs {missing} are missing")
        self._input = self._session.get_inputs()[0].name
        self._wh = input_wh
        self._threshold = score_threshold
        self.detect(np.zeros((input_wh[1], input_wh[0], 3), dtype=np.uint8))
        logger.info("face detector %s loaded", path)

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Box]:
        height, width = image.shape[:2]
        blob = cv2.resize(image, self._wh).astype(np.float32).transpose(2, 0, 1)[None]
        outputs = dict(
            zip(
                [o.name for o in self._session.get_outputs()],
                self._session.run(None, {self._input: blob}),
                strict=True,
            )
        )
        boxes, scores = self._decode(outputs)
        if not boxes:
            return []
        keep = cv2.dnn.NMSBoxes(boxes, scores, self._threshold, NMS_IOU)
        sx, sy = width / self._wh[0], height / self._wh[1]
        result: list[Box] = []
        for index in np.asarray(keep).reshape(-1):
            x, y, w, h = boxes[int(index)]
            result.append((round(x * sx), round(y * sy), round(w * sx), round(h * sy)))
        return result

    def _decode(
        self, outputs: dict[str, npt.NDArray[np.float32]]
    ) -> tuple[list[list[float]], list[float]]:
        boxes: list[list[float]] = []
        scores: list[float] = []
        for stride in STRIDES:
            cols = self._wh[0] // stride
            cls = np.clip(outputs[f"cls_{stride}"].reshape(-1), 0, 1)
            obj = np.clip(outputs[f"obj_{stride}"].reshape(-1), 0, 1)
            bbox = outputs[f"bbox_{stride}"].reshape(-1, 4)
            score = np.sqrt(cls * obj)
            for index in np.flatnonzero(score >= self._threshold):
                row, col = divmod(int(index), cols)
                dx, dy, lw, lh = (float(v) for v in bbox[index])
                w, h = math.exp(lw) * stride, math.exp(lh) * stride
                cx, cy = (col + dx) * stride, (row + dy) * stride
                boxes.append([cx - w / 2, cy - h / 2, w, h])
                scores.append(float(score[index]))
        return boxes, scores
