"""Desensitised gate snapshots: the plate masked, faces or the cabin pixelated.

Blurred by default (no face model): the plate area is filled solid and the
cabin above the plate, where driver and passengers sit, is pixelated. With a
YuNet model configured, detected faces anywhere in the frame are pixelated
as well. The snapshot is scaled down before encoding.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.gate.faces import FaceDetector

SNAPSHOT_MAX_WIDTH = 640
_PIXEL_BLOCK = 12


def _pixelate(image: np.ndarray, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    region = image[y0:y1, x0:x1]
    small = cv2.resize(
        region,
        (max(1, (x1 - x0) // _PIXEL_BLOCK), max(1, (y1 - y0) // _PIXEL_BLOCK)),
        interpolation=cv2.INTER_AREA,
    )
    image[y0:y1, x0:x1] = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)


def cabin_box(plate_quad: np.ndarray) -> tuple[int, int, int, int]:
    """Where the cabin sits relative to a front or rear plate: wide and above it."""
    x0, y0 = plate_quad.min(axis=0)
    x1 = plate_quad[:, 0].max()
    width = x1 - x0
    centre = (x0 + x1) / 2
    return (int(centre - 2.6 * width), int(y0 - 3.0 * width), int(centre + 2.6 * width), int(y0))


def desensitise(
    frame_bgr: np.ndarray, plate_quads: list[np.ndarray], faces: FaceDetector | None = None
) -> np.ndarray:
    """A copy of ``frame_bgr`` with plates filled, cabins and faces pixelated."""
    image = frame_bgr.copy()
    if faces is not None:
        for box in faces.detect(frame_bgr):
            _pixelate(image, box)
    for quad in plate_quads:
        _pixelate(image, cabin_box(quad))
        grown = quad.mean(axis=0) + (quad - quad.mean(axis=0)) * 1.25
        cv2.fillConvexPoly(image, grown.astype(np.int32), (80, 80, 80))
    if image.shape[1] > SNAPSHOT_MAX_WIDTH:
        scale = SNAPSHOT_MAX_WIDTH / image.shape[1]
        image = cv2.resize(
            image, (SNAPSHOT_MAX_WIDTH, int(image.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
    return image


def encode_jpeg(image_bgr: np.ndarray, quality: int = 80) -> bytes:
    """JPEG bytes of an image."""
    ok, buffer = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"OpenCV could not encode a {image_bgr.shape} image as JPEG")
    return bytes(buffer)
