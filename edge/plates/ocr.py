"""PP-OCRv4 text detection (DB) and recognition (CTC) on plate-sized inputs.

We run the ONNX sessions ourselves rather than through RapidOCR's pipeline
because plate voting needs the per-timestep class probabilities, which the
pipeline reduces to one string and one score.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

from edge.plates.models import (
    DET_FILE,
    DET_SHA256,
    REC_FILE,
    REC_SHA256,
    open_session,
    verified_path,
)

REC_HEIGHT = 48
REC_MAX_WIDTH = 320
DET_THRESHOLD = 0.3
DET_UNCLIP = 1.6
DET_MIN_SCORE = 0.5


@dataclass(frozen=True, slots=True)
class TextBox:
    """A detected text line: corners tl, tr, br, bl in image pixels, and a score."""

    quad: np.ndarray
    score: float

    @property
    def size_wh(self) -> tuple[float, float]:
        """Width and height of the box along its own axes."""
        width = float(np.linalg.norm(self.quad[1] - self.quad[0]))
        height = float(np.linalg.norm(self.quad[3] - self.quad[0]))
        return width, height


def _normalise(image_bgr: np.ndarray) -> np.ndarray:
    blob = image_bgr.astype(np.float32).transpose(2, 0, 1) / 255.0
    return ((blob - 0.5) / 0.5)[None]


def order_corners(points: np.ndarray) -> np.ndarray:
    """Corners as tl, tr, br, bl."""
    by_x = points[np.argsort(points[:, 0])]
    left = by_x[:2][np.argsort(by_x[:2, 1])]
    right = by_x[2:][np.argsort(by_x[2:, 1])]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


class TextDetector:
    """DB text detector; ``max_side`` bounds the input so cost is predictable."""

    def __init__(self, *, session: ort.InferenceSession | None = None, max_side: int = 640) -> None:
        self._session = session or open_session(verified_path(DET_FILE, DET_SHA256))
        self._input = self._session.get_inputs()[0].name
        self.max_side = max_side

    def detect(self, image_bgr: np.ndarray, *, scale: float | None = None) -> list[TextBox]:
        """Text boxes in ``image_bgr`` coordinates, best score first.

        ``scale`` overrides the resize that ``max_side`` implies, so a window
        cut from a larger image can be searched at that image's scale.
        """
        height, width = image_bgr.shape[:2]
        if scale is None:
            scale = self.scale_for(height, width)
        net_h = max(32, round(height * scale / 32) * 32)
        net_w = max(32, round(width * scale / 32) * 32)
        resized = cv2.resize(image_bgr, (net_w, net_h))
        prob = self._session.run(None, {self._input: _normalise(resized)})[0][0, 0]
        boxes = self._boxes(prob)
        factor = np.array([width / net_w, height / net_h], dtype=np.float32)
        return [TextBox(quad=box.quad * factor, score=box.score) for box in boxes]

    def scale_for(self, height: int, width: int) -> float:
        """The resize factor ``detect`` applies to an image of this size."""
        return min(1.0, self.max_side / max(height, width))

    @staticmethod
    def _boxes(prob: np.ndarray) -> list[TextBox]:
        mask = (prob > DET_THRESHOLD).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        found: list[TextBox] = []
        for contour in contours:
            if cv2.contourArea(contour) < 16:
                continue
            region = np.zeros_like(mask)
            cv2.drawContours(region, [contour], -1, 1, -1)
            score = float(prob[region > 0].mean())
            if score < DET_MIN_SCORE:
                continue
            # DB shrinks text regions when training; grow them back (unclip).
            area = cv2.contourArea(contour)
            distance = area * DET_UNCLIP / max(cv2.arcLength(contour, True), 1.0)
            (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
            rect = ((cx, cy), (w + 2 * distance, h + 2 * distance), angle)
            found.append(TextBox(quad=order_corners(cv2.boxPoints(rect)), score=score))
        return sorted(found, key=lambda b: b.score, reverse=True)


def crop_quad(image_bgr: np.ndarray, quad: np.ndarray, *, pad: float = 0.0) -> np.ndarray:
    """Rectify the quadrilateral ``quad`` (tl, tr, br, bl) into an upright crop."""
    width = int(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
    width, height = max(width, 8), max(height, 8)
    pad_x, pad_y = width * pad, height * pad
    dst = np.array(
        [
            [pad_x, pad_y],
            [width + pad_x, pad_y],
            [width + pad_x, height + pad_y],
            [pad_x, height + pad_y],
        ],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    size = (int(width + 2 * pad_x), int(height + 2 * pad_y))
    return cv2.warpPerspective(
        image_bgr, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


class TextRecogniser:
    """CTC recogniser returning per-timestep class probabilities."""

    def __init__(self, *, session: ort.InferenceSession | None = None) -> None:
        self._session = session or open_session(verified_path(REC_FILE, REC_SHA256))
        self._input = self._session.get_inputs()[0].name
        characters = self._session.get_modelmeta().custom_metadata_map["character"].splitlines()
        # Index 0 is the CTC blank; the model's last class is a space.
        self.alphabet: list[str] = ["", *characters, " "]

    def probabilities(self, crop_bgr: np.ndarray) -> np.ndarray:
        """(timesteps, classes) softmax output for one text-line crop."""
        height, width = crop_bgr.shape[:2]
        target_w = min(REC_MAX_WIDTH, max(16, int(np.ceil(REC_HEIGHT * width / height))))
        # No padding to a fixed width: the model is fully convolutional, and
        # padding only costs time and adds blank timesteps.
        resized = cv2.resize(crop_bgr, (target_w, REC_HEIGHT))
        probs = self._session.run(None, {self._input: _normalise(resized)})[0][0]
        return np.asarray(probs, dtype=np.float32)
