"""Factories shared by the falling-object tests: calibrations and synthetic tracks."""

from __future__ import annotations

from typing import Any

import numpy as np

from edge.falling.calibration import ColumnLine, FacadeCalibration
from edge.falling.trajectory import TrackPoints

GRAVITY = 9.81
FPS = 25.0
FLOORS = 12
STOREY_M = 3.0


def make_calibration(**overrides: Any) -> FacadeCalibration:
    """A 12-storey façade; storeys shrink by 3 % per floor going up (perspective)."""
    lines = [1000.0]
    step = 75.0
    for _ in range(FLOORS):
        lines.append(lines[-1] - step)
        step *= 0.97
    fields: dict[str, Any] = {
        "camera_id": "cam-b3-south",
        "building": "3",
        "frame_wh": (1920, 1080),
        "facade_polygon": [(600, 1000), (1320, 1000), (1260, lines[-1]), (660, lines[-1])],
        "floor_lines_y": lines,
        "floor_height_m": STOREY_M,
        "column_lines": [ColumnLine(x_top=660 + 150 * k, x_bottom=600 + 180 * k) for k in range(5)],
        "privacy_masks": [[(700.0, 500.0), (780.0, 500.0), (780.0, 560.0), (700.0, 560.0)]],
    }
    fields.update(overrides)
    return FacadeCalibration(**fields)


def fall_track(
    calibration: FacadeCalibration,
    *,
    release_height_m: float,
    x: float = 900.0,
    v_up_mps: float = 0.0,
    delay_s: float = 0.12,
    duration_s: float = 1.6,
    noise_px: float = 0.4,
    seed: int = 0,
) -> TrackPoints:
    """A free fall released at ``release_height_m``, first seen ``delay_s`` later."""
    rng = np.random.default_rng(seed)
    t = np.arange(delay_s, delay_s + duration_s, 1 / FPS)
    height = release_height_m + v_up_mps * t - 0.5 * GRAVITY * t * t
    keep = height > 0.2
    t, height = t[keep], height[keep]
    y = np.array([calibration.y_at_height_m(float(h)) for h in height])
    y = y + rng.normal(0, noise_px, len(y))
    xs = x + rng.normal(0, noise_px, len(y))
    return TrackPoints(t=t + 100.0, x=xs, y=y, area=np.full(len(t), 30.0))


def kinematic_track(kind: str, calibration: FacadeCalibration, *, seed: int = 0) -> TrackPoints:
    """Image tracks typical of each distractor class (no gravity-like acceleration)."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 2.0, 1 / FPS)
    start_y = calibration.y_at_height_m(25.0)
    if kind == "bird":  # gliding down at a steady speed, wing beat bobbing
        x, y = 700 + 160 * t, start_y + 40 * t + 4 * np.sin(2 * np.pi * 5 * t)
    elif kind == "flutter":  # leaf or paper: slow sink, wide swing
        x, y = 900 + 60 * np.sin(2 * np.pi * 0.8 * t), start_y + 25 * t + 8 * np.abs(np.cos(5 * t))
    elif kind == "rain":  # constant fast fall
        x, y = 900 + 20 * t, start_y + 420 * t
    elif kind == "snow":  # slow constant sink with drift
        x, y = 900 + 15 * np.sin(t), start_y + 60 * t
    elif kind == "insect":  # erratic near the lens
        x, y = (
            900 + np.cumsum(rng.normal(0, 15, len(t))),
            start_y + np.cumsum(rng.normal(2, 15, len(t))),
        )
    elif kind == "spider_web":  # swaying in place
        x, y = 900 + 5 * np.sin(2 * np.pi * t), start_y + 3 * np.sin(2 * np.pi * t)
    elif kind == "window_light":  # a blob that does not move
        x, y = np.full(len(t), 900.0), np.full(len(t), start_y)
    elif kind == "laundry":  # swinging under a rail
        x, y = (
            900 + 10 * np.sin(2 * np.pi * 1.2 * t),
            start_y + 4 * np.abs(np.sin(2 * np.pi * 1.2 * t)),
        )
    elif kind == "reflection":  # sliding down the glass at a steady speed
        x, y = 800 + 50 * t, start_y + 90 * t
    elif kind == "shake":  # jitter of a static edge
        x, y = 900 + rng.normal(0, 2, len(t)), start_y + rng.normal(0, 2, len(t))
    elif kind == "ir_noise":  # sparkle hopping around
        x, y = 900 + rng.normal(0, 6, len(t)), start_y + np.cumsum(rng.normal(0.5, 6, len(t)))
    else:
        raise ValueError(f"unknown kind {kind}")
    return TrackPoints(
        t=t + 100.0, x=np.asarray(x, float), y=np.asarray(y, float), area=np.full(len(t), 20.0)
    )
