"""What goes wrong with a camera's view, applied to simulated frames.

Used to measure the gateway's view check (``edge.camera.viewcheck``): a
camera knocked askew (the picture shifted), a lens covered by a bag, cloth
or paint (a flat, blurred region), a frozen stream (one picture repeated).
A lost signal needs no picture: no frames arrive.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


def shifted(frame: Image, dx: float, dy: float) -> Image:
    """The view of a camera turned so the scene moved by (dx, dy) pixels."""
    height, width = frame.shape[:2]
    matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    return np.asarray(
        cv2.warpAffine(frame, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE),
        dtype=np.uint8,
    )


def covered(frame: Image, share: float, grey: int, rng: np.random.Generator) -> Image:
    """A cover over ``share`` of the lens from one side: out of focus, so flat, with sensor noise.

    The cover starts from a random side; what is that close to the lens is
    far out of focus and shows as a smooth field of one ``grey`` level.
    """
    height, width = frame.shape[:2]
    out = frame.copy()
    side = int(rng.integers(4))
    if side in (0, 1):
        cut = round(width * share)
        region = np.s_[:, :cut] if side == 0 else np.s_[:, width - cut :]
    else:
        cut = round(height * share)
        region = np.s_[:cut, :] if side == 2 else np.s_[height - cut :, :]
    out[region] = grey
    blur = max(3, (width // 40) | 1)
    out = np.asarray(cv2.GaussianBlur(out, (blur, blur), 0), dtype=np.uint8)
    noise = rng.normal(0.0, 2.0, out.shape)
    return np.asarray(np.clip(out + noise, 0, 255), dtype=np.uint8)
