"""A building face seen by a pinhole camera at its foot, and its ground-truth calibration.

World axes: x along the façade (right), y from the camera toward the façade,
z up; the façade is the plane y = distance_m. The camera only pitches up, so
floor lines are horizontal in the image and window columns converge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.falling.calibration import ColumnLine, FacadeCalibration

FloatArray = npt.NDArray[np.float64]
Image = npt.NDArray[np.uint8]

CALIBRATION_WH = (1920, 1080)
SILL_M = 0.9
WINDOW_TOP_M = 2.4
BALCONY_DEPTH_M = 1.2


@dataclass(frozen=True)
class Camera:
    """Pinhole camera pitched up by ``pitch_rad``, at ``position`` (x, y, z) metres."""

    width: int
    height: int
    focal_px: float
    pitch_rad: float
    position: tuple[float, float, float]

    def project(self, points: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Image (x, y) pixels and depth along the optical axis of N world points."""
        rel = np.atleast_2d(points) - np.asarray(self.position)
        cos_p, sin_p = math.cos(self.pitch_rad), math.sin(self.pitch_rad)
        depth = rel[:, 1] * cos_p + rel[:, 2] * sin_p
        up = -rel[:, 1] * sin_p + rel[:, 2] * cos_p
        safe = np.maximum(depth, 1e-3)
        xy = np.stack(
            [
                self.width / 2 + self.focal_px * rel[:, 0] / safe,
                self.height / 2 - self.focal_px * up / safe,
            ],
            axis=1,
        )
        return xy, depth


@dataclass(frozen=True)
class Building:
    """A rectangular building face with a grid of windows and some balconies."""

    n_floors: int
    floor_h_m: float
    width_m: float
    x_offset_m: float
    distance_m: float
    n_columns: int
    balcony_columns: tuple[int, ...]

    @property
    def height_m(self) -> float:
        return self.n_floors * self.floor_h_m

    @property
    def x_left(self) -> float:
        return self.x_offset_m - self.width_m / 2

    def column_center_m(self, column: int) -> float:
        """World x of the centre of window column ``column`` (1-based)."""
        step = self.width_m / self.n_columns
        return self.x_left + (column - 0.5) * step

    def window_corners(self, floor: int, column: int) -> FloatArray:
        """Four world corners of the window of ``floor`` (1-based) and ``column``."""
        step = self.width_m / self.n_columns
        cx = self.column_center_m(column)
        half = step * 0.3
        base = (floor - 1) * self.floor_h_m
        y = self.distance_m
        return np.array(
            [
                [cx - half, y, base + SILL_M],
                [cx + half, y, base + SILL_M],
                [cx + half, y, base + WINDOW_TOP_M],
                [cx - half, y, base + WINDOW_TOP_M],
            ]
        )


def random_building(rng: np.random.Generator) -> Building:
    """Draw a plausible residential building face."""
    n_floors = int(rng.integers(6, 19))
    width = float(rng.uniform(18.0, 36.0))
    n_columns = max(3, round(width / rng.uniform(3.6, 5.0)))
    floor_h = float(rng.uniform(2.8, 3.2))
    height = n_floors * floor_h
    distance = float(rng.uniform(max(18.0, 0.55 * height), max(30.0, 0.85 * height)))
    balconies = tuple(c for c in range(1, n_columns + 1) if rng.random() < 0.4)
    return Building(
        n_floors=n_floors,
        floor_h_m=floor_h,
        width_m=width,
        x_offset_m=float(rng.uniform(-2.0, 2.0)),
        distance_m=distance,
        n_columns=n_columns,
        balcony_columns=balconies,
    )


def camera_for(building: Building, width: int, height: int, rng: np.random.Generator) -> Camera:
    """A camera near the ground whose vertical view spans the whole façade."""
    cam_z = float(rng.uniform(2.0, 4.0))
    top = math.atan2(building.height_m - cam_z, building.distance_m) + math.radians(4)
    bottom = math.atan2(-cam_z, building.distance_m) - math.radians(3)
    pitch = (top + bottom) / 2
    focal = (height / 2) / math.tan((top - bottom) / 2)
    return Camera(
        width=width,
        height=height,
        focal_px=focal,
        pitch_rad=pitch,
        position=(float(rng.uniform(-1.5, 1.5)), 0.0, cam_z),
    )


def _to_calibration(
    camera: Camera, points: FloatArray, *, clip: bool = True
) -> list[tuple[float, float]]:
    """World points as CALIBRATION_WH pixels, clipped to the frame unless ``clip`` is off."""
    xy, _ = camera.project(points)
    xy = xy * CALIBRATION_WH[0] / camera.width
    if clip:
        xy = np.clip(xy, 0, [CALIBRATION_WH[0], CALIBRATION_WH[1]])
    return [(float(a), float(b)) for a, b in xy]


def _column_lines(building: Building, camera: Camera) -> list[ColumnLine]:
    step = building.width_m / building.n_columns
    y, top = building.distance_m, building.height_m
    lines = []
    for j in range(building.n_columns + 1):
        x = building.x_left + j * step
        # Boundaries may lie beyond the frame edge on wide buildings: not clipped.
        upper, lower = _to_calibration(camera, np.array([[x, y, top], [x, y, 0.0]]), clip=False)
        lines.append(ColumnLine(x_top=upper[0], x_bottom=lower[0]))
    return lines


def calibration_for(
    building: Building, camera: Camera, *, camera_id: str, masks: bool = True
) -> FacadeCalibration:
    """The calibration an installer would measure, in CALIBRATION_WH pixels."""
    y, top = building.distance_m, building.height_m
    floors = [
        _to_calibration(camera, np.array([[building.x_offset_m, y, k * building.floor_h_m]]))[0][1]
        for k in range(building.n_floors + 1)
    ]
    left, right = building.x_left, building.x_left + building.width_m
    corners = np.array([[left, y, 0.0], [right, y, 0.0], [right, y, top], [left, y, top]])
    windows = [
        _to_calibration(camera, building.window_corners(f, c))
        for f in range(1, building.n_floors + 1)
        for c in range(1, building.n_columns + 1)
    ]
    return FacadeCalibration(
        camera_id=camera_id,
        building="B1",
        frame_wh=CALIBRATION_WH,
        facade_polygon=_to_calibration(camera, corners),
        floor_lines_y=floors,
        column_lines=_column_lines(building, camera),
        privacy_masks=windows if masks else [],
        camera_distance_m=building.distance_m,
        camera_height_m=camera.position[2],
        balcony_columns=list(building.balcony_columns),
        balcony_depth_m=BALCONY_DEPTH_M,
        floor_height_m=building.floor_h_m,
    )


def _fill(image: Image, camera: Camera, corners: FloatArray, colour: tuple[int, ...]) -> None:
    xy, _ = camera.project(corners)
    cv2.fillConvexPoly(image, np.round(xy * 16).astype(np.int32), colour, cv2.LINE_AA, shift=4)


def render_facade(
    building: Building, camera: Camera, *, night: bool, backlight: bool, rng: np.random.Generator
) -> tuple[Image, list[tuple[int, int, bool]]]:
    """Background image and the windows (floor, column, lit) it shows."""
    h, w = camera.height, camera.width
    sky_top = np.array(
        [250, 245, 240] if backlight else ([40, 25, 20] if night else [235, 200, 160])
    )
    sky_bottom = np.array(
        [255, 255, 255] if backlight else ([60, 45, 40] if night else [250, 230, 210])
    )
    ramp = np.linspace(0.0, 1.0, h)[:, None]
    sky = (sky_top * (1 - ramp) + sky_bottom * ramp)[:, None, :].repeat(w, axis=1)
    image: Image = np.ascontiguousarray(sky.astype(np.uint8))
    level = 0.25 if night else (0.45 if backlight else 1.0)
    grey = int(rng.integers(120, 215))
    wall = tuple(int(np.clip((grey + d) * level, 0, 255)) for d in rng.integers(-20, 21, size=3))
    y, top = building.distance_m, building.height_m
    left, right = building.x_left, building.x_left + building.width_m
    _fill(
        image,
        camera,
        np.array([[left, y, 0], [right, y, 0], [right, y, top], [left, y, top]]),
        wall,
    )
    texture = cv2.resize(rng.normal(0, 6 * level + 1, (h // 24 + 1, w // 24 + 1)), (w, h))
    image = np.clip(image + texture[:, :, None], 0, 255).astype(np.uint8)
    windows: list[tuple[int, int, bool]] = []
    glass = tuple(int(c * level) for c in (90, 70, 60))
    for floor in range(1, building.n_floors + 1):
        base = (floor - 1) * building.floor_h_m
        slab = np.array(
            [[left, y, base], [right, y, base], [right, y, base + 0.15], [left, y, base + 0.15]]
        )
        _fill(image, camera, slab, tuple(int(c * 0.8) for c in wall))
        for column in range(1, building.n_columns + 1):
            lit = night and rng.random() < 0.35
            colour = (120, 200, 235) if lit else glass
            _fill(image, camera, building.window_corners(floor, column), colour)
            windows.append((floor, column, lit))
            if column in building.balcony_columns and floor > 1:
                _draw_balcony(image, camera, building, floor, column, wall)
    return image, windows


def _draw_balcony(
    image: Image,
    camera: Camera,
    building: Building,
    floor: int,
    column: int,
    wall: tuple[int, ...],
) -> None:
    step = building.width_m / building.n_columns
    cx = building.column_center_m(column)
    base = (floor - 1) * building.floor_h_m
    y = building.distance_m - BALCONY_DEPTH_M
    rail = np.array(
        [
            [cx - step * 0.45, y, base],
            [cx + step * 0.45, y, base],
            [cx + step * 0.45, y, base + 1.1],
            [cx - step * 0.45, y, base + 1.1],
        ]
    )
    _fill(image, camera, rail, tuple(min(255, int(c * 1.15)) for c in wall))
