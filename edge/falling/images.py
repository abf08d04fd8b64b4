"""Small typing bridge between OpenCV results and uint8 numpy images."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def u8(array: Any) -> npt.NDArray[np.uint8]:
    """An OpenCV result as a uint8 array (no copy when it already is one)."""
    return np.asarray(array, dtype=np.uint8)
