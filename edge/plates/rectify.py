"""Find a plate's own corners around a detected text line and rectify it.

The text detector returns a rotated rectangle, which leaves the shear and
taper of a plate seen from the side. The plate's background is one flat
colour, so growing that colour around the text finds the plate outline,
whose four corners undo the perspective. When the outline is implausible
(a white plate on a white car bleeds into the body) the caller keeps the
detector's rectangle.
"""

from __future__ import annotations

import cv2
import numpy as np

# The rectified plate is drawn at this height; widths follow plate aspect.
PLATE_HEIGHT = 48
_COLOUR_DISTANCE = 48.0
_MAX_AREA_RATIO = 3.0
_MIN_AREA_RATIO = 0.6


def _background(text_crop_bgr: np.ndarray) -> np.ndarray:
    """Median colour of the larger Otsu class of lightness: the plate, not its characters."""
    lightness = cv2.cvtColor(text_crop_bgr, cv2.COLOR_BGR2GRAY)
    _, split = cv2.threshold(lightness, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    larger = split.astype(bool) if split.mean() >= 0.5 else ~split.astype(bool)
    return np.asarray(np.median(text_crop_bgr[larger], axis=0), dtype=np.float32)


def _outline(mask: np.ndarray, seed_xy: tuple[int, int]) -> np.ndarray | None:
    """Four corners of the mask component containing ``seed_xy``."""
    count, labels = cv2.connectedComponents(mask)
    label = labels[seed_xy[1], seed_xy[0]]
    if count < 2 or label == 0:
        return None
    component = (labels == label).astype(np.uint8)
    contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea)).reshape(-1, 2)
    if len(hull) < 4:
        return None
    # Extreme points along the diagonals are the corners of a plate rolled
    # less than 45 degrees, and unlike a polygon fit they never cut a corner off.
    return _order(hull.astype(np.float32))


def _order(points: np.ndarray) -> np.ndarray:
    total = points.sum(axis=1)
    diff = points[:, 1] - points[:, 0]
    return np.array(
        [
            points[total.argmin()],
            points[diff.argmin()],
            points[total.argmax()],
            points[diff.argmax()],
        ],
        dtype=np.float32,
    )


def plate_quad(image_bgr: np.ndarray, text_quad: np.ndarray) -> np.ndarray | None:
    """The plate outline around ``text_quad`` (tl, tr, br, bl), or None if not found."""
    x, y, w, h = cv2.boundingRect(text_quad.astype(np.int32))
    pad = int(h * 0.6) + 2
    x0, y0 = max(x - pad, 0), max(y - pad, 0)
    x1, y1 = min(x + w + pad, image_bgr.shape[1]), min(y + h + pad, image_bgr.shape[0])
    # OpenCV is an order of magnitude slower on strided views; copy the window.
    # (BGR rather than Lab: OpenCV's Lab conversion costs milliseconds here.)
    window = np.ascontiguousarray(image_bgr[y0:y1, x0:x1])
    pixels = window.astype(np.float32)
    mask: np.ndarray = np.zeros(window.shape[:2], dtype=np.uint8)
    # Upper and lower halves are sampled apart: new-energy plates fade from
    # white at the top to green at the bottom.
    for top, bottom in ((h // 6, h // 2), (h // 2, 5 * h // 6)):
        inner = np.ascontiguousarray(
            window[y - y0 + top : y - y0 + bottom, x - x0 + w // 8 : x - x0 + 7 * w // 8]
        )
        if inner.size < 30:
            return None
        distance = np.linalg.norm(pixels - _background(inner), axis=2)
        mask = mask | (distance < _COLOUR_DISTANCE).astype(np.uint8)
    # Close over the characters so the plate is one component.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, h // 3) | 1, max(3, h // 3) | 1))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    centre = text_quad.mean(axis=0) - np.array([x0, y0], dtype=np.float32)
    corners = _outline(mask, (int(centre[0]), int(centre[1])))
    if corners is None:
        return None
    text_area = cv2.contourArea(text_quad.astype(np.float32))
    ratio = cv2.contourArea(corners) / max(text_area, 1.0)
    if not _MIN_AREA_RATIO <= ratio <= _MAX_AREA_RATIO:
        return None
    return corners + np.array([x0, y0], dtype=np.float32)


def warp_plate(image_bgr: np.ndarray, quad: np.ndarray, *, aspect: float) -> np.ndarray:
    """The plate inside ``quad`` drawn upright at PLATE_HEIGHT, borders trimmed."""
    width = int(PLATE_HEIGHT * aspect)
    dst = np.array(
        [[0, 0], [width - 1, 0], [width - 1, PLATE_HEIGHT - 1], [0, PLATE_HEIGHT - 1]],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    plate = cv2.warpPerspective(
        image_bgr,
        matrix,
        (width, PLATE_HEIGHT),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    # The frame and rivets at the plate's edge read as 1 or I; trim them.
    trim_x, trim_y = max(1, width // 40), max(1, PLATE_HEIGHT // 12)
    return plate[trim_y : PLATE_HEIGHT - trim_y, trim_x : width - trim_x]
