"""Evidence around an alarm: the pre-event ring buffer, the clip and the composite image.

The detector keeps its analysis view (not full resolution) in the ring:
960x540 BGR is 1.6 MB a frame, about 220 MB for the 5.7 s it holds at 25
fps. Only the frames of an alarm are scaled to the evidence size, when it
is emitted: scaling every incoming frame would cost as much CPU as
analysing a quiet one. Clips are MPEG-4 Part 2 ('mp4v') in an .mp4
container, the codec every opencv-python wheel can write without extra
libraries.
"""

from __future__ import annotations

import logging
import tempfile
from collections import deque
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.falling.trajectory import Release, TrackPoints

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]


class FrameRing:
    """Frames of the last ``seconds``, oldest first; older frames fall out."""

    def __init__(self, *, seconds: float, fps: float) -> None:
        self._frames: deque[tuple[float, Image]] = deque(maxlen=max(1, round(seconds * fps) + 1))

    def append(self, t: float, frame: Image) -> None:
        self._frames.append((t, frame))

    def between(self, start_t: float, end_t: float) -> list[tuple[float, Image]]:
        """Frames with ``start_t <= t <= end_t`` still held."""
        return [(t, f) for t, f in self._frames if start_t <= t <= end_t]

    def __len__(self) -> int:
        return len(self._frames)


def encode_clip(frames: list[Image], fps: float) -> bytes:
    """Encode frames as an MP4 ('mp4v'); raise RuntimeError when the codec is missing."""
    if not frames:
        raise ValueError("expected at least one frame to encode, got none")
    height, width = frames[0].shape[:2]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
        if not writer.isOpened():
            raise RuntimeError("OpenCV cannot write 'mp4v' video here; no clip was made")
        for frame in frames:
            writer.write(frame)
        writer.release()
        return path.read_bytes()


def encode_jpeg(image: Image, quality: int) -> bytes:
    """JPEG bytes of ``image``."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV failed to encode a JPEG")
    return bytes(data.tobytes())


def draw_composite(
    base: Image,
    frames: list[Image],
    points: TrackPoints,
    release: Release,
    *,
    scale: float,
    floor_label: str,
) -> Image:
    """The trajectory on one (already desensitised) frame.

    The darkest and brightest of all frames are blended in so the object
    shows at every position, then the track, the release point and the floor
    are drawn; ``scale`` maps full-frame pixels to this image.
    """
    out = base.copy()
    if frames:
        lo, hi = frames[0].copy(), frames[0].copy()
        for frame in frames[1:]:
            cv2.min(lo, frame, dst=lo)
            cv2.max(hi, frame, dst=hi)
        moved = (hi.astype(np.int16) - lo.astype(np.int16)).max(axis=2) > 40
        out[moved] = np.where(
            (base[moved].astype(np.int16) - lo[moved]) > (hi[moved] - base[moved].astype(np.int16)),
            lo[moved],
            hi[moved],
        )
    path = np.round(np.stack([points.x, points.y], axis=1) * scale).astype(np.int32)
    cv2.polylines(out, [path], False, (0, 0, 255), 1, cv2.LINE_AA)
    for x, y in path[:: max(1, len(path) // 25)]:
        cv2.circle(out, (int(x), int(y)), 2, (0, 255, 255), -1, cv2.LINE_AA)
    origin = (round(release.x * scale), round(release.y * scale))
    cv2.drawMarker(out, origin, (0, 0, 255), cv2.MARKER_CROSS, 14, 2)
    cv2.putText(
        out,
        floor_label,
        (origin[0] + 8, max(origin[1] - 8, 12)),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.5,
        (0, 0, 255),
        1,
        cv2.LINE_AA,
    )
    return out


def draw_view_pair(
    reference: Image, now: Image, floor_lines_y: list[float], x_range: tuple[float, float]
) -> Image:
    """The calibrated view and the current one side by side, both with the floor lines.

    Both images are already desensitised and of one size; ``floor_lines_y``
    and ``x_range`` (the façade's left and right edge) are in their pixels.
    On the calibrated view the lines sit on the slabs; on a camera knocked
    askew they visibly do not.
    """
    pair = []
    for image, label in ((reference, "calibrated view"), (now, "now")):
        out = image.copy()
        for y in floor_lines_y:
            start, end = (round(x_range[0]), round(y)), (round(x_range[1]), round(y))
            cv2.line(out, start, end, (0, 255, 255), 1, cv2.LINE_AA)
        cv2.putText(out, label, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(
            out, label, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA
        )
        pair.append(out)
    gap = np.full((reference.shape[0], 4, 3), 255, np.uint8)
    return np.asarray(cv2.hconcat([pair[0], gap, pair[1]]), dtype=np.uint8)
