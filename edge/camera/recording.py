"""Frames of a recorded video file, for replaying a site's footage through its own config.

``smartcommunity falling-check`` and ``lane-check`` replay recordings the
way the gateway would see the live camera; both need the same checks that
the file is there, readable and at a usable frame rate, each raising its
own error type with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


def recorded_frames(
    path: Path,
    *,
    error: type[Exception],
    fps: float | None = None,
    fps_tolerance: float = 0.5,
) -> Iterator[tuple[float, Image]]:
    """(seconds from the start, BGR frame) for each frame of ``path``.

    With ``fps`` the file must have been recorded at that rate (within
    ``fps_tolerance``) and times are counted at it; otherwise at the file's
    own rate. Problems raise ``error`` naming the file.
    """
    if not path.is_file():
        raise error(f"{path}: no such file")
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise error(f"{path}: not a video OpenCV can read")
        recorded = float(capture.get(cv2.CAP_PROP_FPS))
        if fps is not None and not abs(recorded - fps) <= fps_tolerance:
            raise error(
                f"{path}: recorded at {recorded:g} fps, the camera is configured for {fps:g}; "
                "replay footage recorded at the camera's own rate"
            )
        rate = fps if fps is not None else recorded
        if not rate > 0:
            raise error(f"{path}: the file gives no frame rate")
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            yield index / rate, cast(Image, frame)
            index += 1
        if index == 0:
            raise error(f"{path}: no frame could be decoded")
    finally:
        capture.release()
