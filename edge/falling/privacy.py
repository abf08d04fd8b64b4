"""Desensitise every image before it leaves the gateway.

Regions under the calibration's privacy masks (window interiors) are
pixelated; when an operator configured a face detector, the faces it finds
are blurred as well. Without one, faces outside the masks are NOT blurred:
the docs say so plainly.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np
import numpy.typing as npt

from edge.falling.faces import FaceDetector
from edge.falling.images import u8

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
Polygon = list[tuple[float, float]]


class Desensitiser:
    """Pixelates privacy masks and blurs detected faces.

    ``masks`` are polygons in full-frame pixels of a ``frame_wh`` camera; they
    are scaled to whatever size the image to desensitise has.
    """

    def __init__(
        self,
        *,
        masks: list[Polygon],
        frame_wh: tuple[int, int],
        block_px: int = 12,
        faces: FaceDetector | None = None,
    ) -> None:
        self._masks = masks
        self._frame_wh = frame_wh
        self._block = block_px
        self._faces = faces
        self._rasters: dict[tuple[int, int], Image] = {}
        self._boxes: dict[tuple[int, int], tuple[int, int, int, int] | None] = {}

    def mask_for(self, width: int, height: int) -> Image:
        """The 0/255 raster of the privacy masks at ``width`` x ``height``."""
        key = (width, height)
        if key not in self._rasters:
            raster = np.zeros((height, width), dtype=np.uint8)
            sx, sy = width / self._frame_wh[0], height / self._frame_wh[1]
            polygons = [
                np.round(np.array(mask) * [sx, sy]).astype(np.int32) for mask in self._masks
            ]
            if polygons:
                cv2.fillPoly(raster, polygons, 255)
                # Grow by a pixel so anti-aliased mask edges never leak a sliver.
                raster = u8(cv2.dilate(raster, np.ones((3, 3), np.uint8)))
            self._rasters[key] = raster
        return self._rasters[key]

    def _box_for(self, width: int, height: int) -> tuple[int, int, int, int] | None:
        key = (width, height)
        if key not in self._boxes:
            points = cv2.findNonZero(self.mask_for(width, height))
            box = None
            if points is not None:
                x, y, w, h = cv2.boundingRect(points)
                b = self._block
                x0, y0 = x // b * b, y // b * b
                x1, y1 = min(-(-(x + w) // b) * b, width), min(-(-(y + h) // b) * b, height)
                box = (x0, y0, x1, y1)
            self._boxes[key] = box
        return self._boxes[key]

    def _pixelated(self, image: Image) -> Image:
        """``image`` averaged over blocks of about ``block_px`` and scaled back up."""
        height, width = image.shape[:2]
        small = cv2.resize(
            image,
            (max(1, width // self._block), max(1, height // self._block)),
            interpolation=cv2.INTER_AREA,
        )
        return np.asarray(
            cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST), np.uint8
        )

    def apply(self, image: Image, *, whole: bool = False) -> Image:
        """A desensitised copy of ``image``; with ``whole``, all of it is pixelated.

        ``whole`` is for a view that is no longer where the masks were drawn (a
        camera knocked askew): the masks would miss the windows.
        """
        height, width = image.shape[:2]
        if whole:
            return self._pixelated(image)
        out = image.copy()
        raster = self.mask_for(width, height)
        box = self._box_for(width, height)
        if box is not None:
            # Pixelate only the masks' bounding box, aligned to the block grid.
            x0, y0, x1, y1 = box
            coarse = self._pixelated(image[y0:y1, x0:x1])
            cv2.copyTo(coarse, raster[y0:y1, x0:x1], out[y0:y1, x0:x1])
        if self._faces is not None:
            for x, y, w, h in self._faces.detect(image):
                x0, y0 = max(x, 0), max(y, 0)
                x1, y1 = min(x + w, width), min(y + h, height)
                if x1 > x0 and y1 > y0:
                    kernel = max(3, (max(w, h) // 2) | 1)
                    out[y0:y1, x0:x1] = cv2.GaussianBlur(out[y0:y1, x0:x1], (kernel, kernel), 0)
        return out
