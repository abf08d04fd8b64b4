"""Plate background colour from a rectified plate crop.

Pixels are binned by hue, saturation and brightness relative to the crop's
own brightness (so a dim night crop is judged like a day one); the largest
bin is the background, because the characters cover well under half a plate.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.plates.grammar import KIND_COLOUR, STANDARD_COLOURS, PlateColour, PlateKind

_MIN_SATURATION = 70
_WHITE_MAX_SATURATION = 50


def crop_colour(crop_bgr: np.ndarray) -> PlateColour:
    """The dominant plate colour of ``crop_bgr``."""
    hsv = cv2.cvtColor(crop_bgr, cv2.COLOR_BGR2HSV).reshape(-1, 3).astype(np.float32)
    hue, sat, val = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    bright = max(float(np.percentile(val, 95)), 1.0)
    rel = val / bright
    coloured = (sat >= _MIN_SATURATION) & (rel > 0.25)
    counts = {
        PlateColour.BLUE: int(np.count_nonzero(coloured & (hue >= 95) & (hue <= 135))),
        PlateColour.YELLOW: int(np.count_nonzero(coloured & (hue >= 12) & (hue < 34))),
        PlateColour.GREEN: int(np.count_nonzero(coloured & (hue >= 34) & (hue < 95))),
        PlateColour.WHITE: int(np.count_nonzero((sat < _WHITE_MAX_SATURATION) & (rel > 0.6))),
        PlateColour.BLACK: int(np.count_nonzero((rel < 0.45) & ~coloured)),
    }
    return max(counts, key=lambda colour: counts[colour])


def plate_colour(kind: PlateKind, observed: PlateColour | None) -> PlateColour:
    """The colour to report: the grammar's when it implies one, else the crop's.

    A standard plate whose crop looks green or white (glare, lamps) is
    reported blue, the colour of most standard plates, rather than a colour
    such a plate cannot have.
    """
    implied = KIND_COLOUR[kind]
    if implied is not None:
        return implied
    if observed in STANDARD_COLOURS:
        return observed
    return PlateColour.BLUE
