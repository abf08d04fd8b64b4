"""Things that move in front of the façade: thrown objects and every distractor.

Each actor draws itself into a frame at time ``t``; thrown objects also
report where they are, which is the ground truth the benchmark scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from simulators.facade.scene import (
    BALCONY_DEPTH_M,
    Building,
    Camera,
    FloatArray,
    Image,
)

GRAVITY = 9.81
PHYSICS_HZ = 500
EXPOSURE_S = 0.012


def _blob(
    frame: Image,
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    size_px: float,
    colour: tuple[int, int, int],
) -> None:
    """Draw a motion-blurred blob; sub-pixel blobs fade by area so they stay realistic."""
    thickness = max(1, round(size_px))
    alpha = min(1.0, size_px * size_px) if size_px < 1 else 1.0
    pts = np.round(np.array([[x0, y0], [x1, y1]]) * 16).astype(np.int32)
    if alpha >= 1.0:
        cv2.line(frame, tuple(pts[0]), tuple(pts[1]), colour, thickness, cv2.LINE_AA, shift=4)
        return
    xa, ya = int(min(x0, x1)) - 2, int(min(y0, y1)) - 2
    xb, yb = int(max(x0, x1)) + 3, int(max(y0, y1)) + 3
    h, w = frame.shape[:2]
    xa, ya, xb, yb = max(xa, 0), max(ya, 0), min(xb, w), min(yb, h)
    if xb <= xa or yb <= ya:
        return
    roi = frame[ya:yb, xa:xb]
    layer = roi.copy()
    offset = np.array([xa * 16, ya * 16], dtype=np.int32)
    cv2.line(layer, tuple(pts[0] - offset), tuple(pts[1] - offset), colour, 1, cv2.LINE_AA, shift=4)
    cv2.addWeighted(layer, alpha, roi, 1 - alpha, 0, dst=roi)


@dataclass
class FallingObject:
    """An object released from a window or balcony, with quadratic air drag."""

    release_t: float
    release_xyz: tuple[float, float, float]
    velocity_xyz: tuple[float, float, float]
    size_m: float
    terminal_mps: float
    colour: tuple[int, int, int]
    floor: int
    column: int
    path: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pos = np.array(self.release_xyz, dtype=float)
        vel = np.array(self.velocity_xyz, dtype=float)
        k = GRAVITY / self.terminal_mps**2
        dt = 1.0 / PHYSICS_HZ
        rows = [pos.copy()]
        while pos[2] > 0 and len(rows) < PHYSICS_HZ * 8:
            speed = float(np.linalg.norm(vel))
            vel = vel + (np.array([0.0, 0.0, -GRAVITY]) - k * speed * vel) * dt
            pos = pos + vel * dt
            rows.append(pos.copy())
        self.path = np.array(rows)

    @property
    def impact_t(self) -> float:
        return self.release_t + (len(self.path) - 1) / PHYSICS_HZ

    def world_at(self, t: float) -> FloatArray | None:
        """World position at time ``t``, or None before release / after impact."""
        index = round((t - self.release_t) * PHYSICS_HZ)
        if index < 0 or index >= len(self.path):
            return None
        return np.asarray(self.path[index])

    def image_at(self, t: float, camera: Camera) -> tuple[float, float] | None:
        """Image position at ``t`` if the object exists and is inside the frame."""
        world = self.world_at(t)
        if world is None:
            return None
        xy, _ = camera.project(world)
        x, y = float(xy[0, 0]), float(xy[0, 1])
        if 0 <= x < camera.width and 0 <= y < camera.height:
            return x, y
        return None

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        now, before = self.world_at(t), self.world_at(max(self.release_t, t - EXPOSURE_S))
        if now is None or before is None:
            return
        xy, depth = camera.project(np.stack([before, now]))
        size_px = camera.focal_px * self.size_m / max(float(depth[1]), 1.0)
        _blob(frame, xy[0, 0], xy[0, 1], xy[1, 0], xy[1, 1], size_px, self.colour)


def random_falling_object(
    rng: np.random.Generator, building: Building, release_t: float
) -> FallingObject:
    """A thrown object from a random floor (2..top) and column of ``building``."""
    floor = int(rng.integers(2, building.n_floors + 1))
    column = int(rng.integers(1, building.n_columns + 1))
    balcony = column in building.balcony_columns
    base = (floor - 1) * building.floor_h_m
    step = building.width_m / building.n_columns
    x = building.column_center_m(column) + float(rng.uniform(-0.3, 0.3)) * step
    y = building.distance_m - (BALCONY_DEPTH_M if balcony else 0.15) - float(rng.uniform(0, 0.3))
    z = base + float(rng.uniform(1.15, 1.6) if balcony else rng.uniform(0.95, 1.5))
    dark = rng.random() < 0.5
    grey = int(rng.integers(15, 70)) if dark else int(rng.integers(170, 250))
    tint = rng.integers(-25, 26, size=3)
    colour = tuple(int(np.clip(grey + d, 0, 255)) for d in tint)
    return FallingObject(
        release_t=release_t,
        release_xyz=(x, y, z),
        velocity_xyz=(
            float(rng.uniform(-1.0, 1.0)),
            -float(rng.uniform(0.0, 3.0)),
            float(rng.uniform(-0.5, 2.0)),
        ),
        size_m=float(rng.uniform(0.1, 0.5)),
        terminal_mps=float(rng.uniform(9.0, 50.0)),
        colour=(colour[0], colour[1], colour[2]),
        floor=floor,
        column=column,
    )
