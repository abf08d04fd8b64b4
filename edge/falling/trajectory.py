"""Trajectory analysis: gravity fit, release point and floor, features, the physics rule.

Image rows are turned into heights on the façade through the calibrated
floor lines, so perspective (storeys shrink with height) does not bend the
parabola. A thrown object falls with y(t) = y0 + v0 t + 1/2 g t^2 in those
metres; birds glide, paper flutters, rain and snow fall at a steady speed,
reflections slide, laundry swings: none of them accelerates downwards at
close to g for long while descending almost monotonically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge.falling.calibration import FacadeCalibration

GRAVITY = 9.81
EARLY_WINDOW_S = 0.5
FEATURE_NAMES = (
    "duration_s",
    "fill_ratio",
    "drop_m",
    "g_est",
    "rms_quad_m",
    "rms_lin_m",
    "quad_lin_ratio",
    "v_start",
    "v_end",
    "down_fraction",
    "vertical_reversals",
    "horizontal_reversals",
    "horizontal_m",
    "tortuosity",
    "log_area_m2",
    "area_cv",
    "starts_on_facade",
    "mean_accel",
    "max_jump_ratio",
    "start_height_fraction",
)
N_FEATURES = len(FEATURE_NAMES)
# Tracks shorter or smaller than this are never alarms; the classifier is
# trained and applied only on tracks past this gate.
CANDIDATE_MIN_DROP_M = 1.5
CANDIDATE_MIN_DURATION_S = 0.28
# See fastest_mean_speed_mps. The fastest of 900 simulated falls (training,
# tuning, development) averaged 1.1 m/s under free fall from the roof.
FASTEST_THROW_MPS = 10.0
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TrackPoints:
    """A track in full-frame pixels: times (s), x, y and blob area (px^2)."""

    t: FloatArray
    x: FloatArray
    y: FloatArray
    area: FloatArray

    def __post_init__(self) -> None:
        n = self.t.shape[0]
        for name in ("x", "y", "area"):
            shape = getattr(self, name).shape
            if shape != (n,):
                raise ValueError(f"expected {name} of shape ({n},), got {shape}")


@dataclass(frozen=True)
class Release:
    """Where and when the object most likely left the hand."""

    t: float
    x: float
    y: float
    height_m: float
    floor: int
    floor_confidence: float
    column: int | None


def heights_m(points: TrackPoints, calibration: FacadeCalibration) -> FloatArray:
    """Height on the façade plane of every track point."""
    return heights_at(points.y, calibration)


def heights_at(y: FloatArray, calibration: FacadeCalibration) -> FloatArray:
    """``calibration.height_m_at`` of every row in ``y`` at once, with the same arithmetic."""
    rising = -np.asarray(calibration.floor_lines_y, dtype=np.float64)
    key = -y
    index = np.clip(np.searchsorted(rising, key, side="right") - 1, 0, len(rising) - 2)
    fraction = (key - rising[index]) / (rising[index + 1] - rising[index])
    return (index + fraction) * calibration.floor_height_m


def px_per_m(y: FloatArray, calibration: FacadeCalibration) -> FloatArray:
    """``calibration.px_per_m_at`` of every row in ``y`` at once."""
    return 1.0 / (heights_at(y - 0.5, calibration) - heights_at(y + 0.5, calibration))


def estimate_release(points: TrackPoints, calibration: FacadeCalibration) -> Release:
    """Extrapolate the track back to where its vertical speed was zero, or the roof line.

    Near the release the object is slow, so drag is negligible and g is known:
    fitting h + g tau^2 / 2 = h0 + v0 tau on the first half second is linear and
    needs only two free parameters, which keeps the extrapolation stable.
    """
    h = heights_m(points, calibration)
    tau = points.t - points.t[0]
    early = tau <= EARLY_WINDOW_S
    if int(early.sum()) < 3:
        early = np.arange(len(tau)) < 3
    design = np.stack([np.ones(int(early.sum())), tau[early]], axis=1)
    target = h[early] + 0.5 * GRAVITY * tau[early] ** 2
    (h0, v0), *_ = np.linalg.lstsq(design, target, rcond=None)
    back_s = max(-float(v0), 0.0) / GRAVITY
    apparent = float(h0) + max(-float(v0), 0.0) ** 2 / (2 * GRAVITY)
    top = calibration.facade_top_m()
    if apparent > top:
        # Reached the roof line before zero vertical speed: released from the top.
        back_s = _time_to_height(float(h0), float(v0), top)
        apparent = top
    t_release = float(points.t[0]) - back_s
    x_release = _extrapolate_x(points, early, -back_s)
    y_release = calibration.y_at_height_m(apparent)
    column = calibration.column_at(x_release, y_release)
    height = calibration.release_height_m(apparent, column)
    residual = target - design @ np.array([h0, v0])
    sigma = 0.25 + 2.0 * float(np.sqrt(np.mean(residual**2))) + 0.4 * back_s
    return Release(
        t=t_release,
        x=x_release,
        y=y_release,
        height_m=height,
        floor=calibration.floor_at_height_m(height),
        floor_confidence=_floor_confidence(height, sigma, calibration.floor_height_m),
        column=column,
    )


def _time_to_height(h0: float, v0: float, height: float) -> float:
    # Solve h0 + v0 s + g s^2 / 2 = height for the back-time s >= 0, with v0 < 0.
    a, b, c = 0.5 * GRAVITY, v0, h0 - height
    disc = max(b * b - 4 * a * c, 0.0)
    return max((-b - math.sqrt(disc)) / (2 * a), 0.0)


def _extrapolate_x(points: TrackPoints, early: npt.NDArray[np.bool_], dt: float) -> float:
    tau = points.t[early] - points.t[0]
    if len(tau) < 2 or float(np.ptp(tau)) == 0.0:
        return float(points.x[0])
    slope, intercept = np.polyfit(tau, points.x[early], 1)
    return float(intercept + slope * dt)


def _floor_confidence(height: float, sigma: float, storey: float) -> float:
    base = math.floor(height / storey) * storey

    def cdf(v: float) -> float:
        return 0.5 * (1 + math.erf(v / (sigma * math.sqrt(2))))

    return round(cdf(base + storey - height) - cdf(base - height), 3)


def features(points: TrackPoints, calibration: FacadeCalibration, fps: float) -> FloatArray:
    """Fixed-length feature vector of a track (order: FEATURE_NAMES)."""
    h = heights_m(points, calibration)
    tau = points.t - points.t[0]
    n = len(tau)
    duration = float(tau[-1]) if n > 1 else 0.0
    quad = np.polyfit(tau, h, 2) if n >= 3 else np.zeros(3)
    lin = np.polyfit(tau, h, 1) if n >= 2 else np.zeros(2)
    rms_quad = float(np.sqrt(np.mean((np.polyval(quad, tau) - h) ** 2)))
    rms_lin = float(np.sqrt(np.mean((np.polyval(lin, tau) - h) ** 2)))
    v_start = -float(quad[1])
    v_end = -float(2 * quad[0] * duration + quad[1])
    dh, dx = np.diff(h), np.diff(points.x)
    scale = px_per_m(points.y, calibration)
    steps = np.hypot(dx, np.diff(points.y))
    # Steps per frame interval: a track that coasted over missed frames has
    # long steps without any jump (association onto another blob) in it.
    speeds = steps / np.maximum(np.diff(points.t) * fps, 1.0)
    displacement = math.hypot(points.x[-1] - points.x[0], points.y[-1] - points.y[0])
    area_m2 = points.area / scale**2
    values = [
        duration,
        n / max(duration * fps + 1, 1.0),
        float(h[0] - h[-1]),
        -2.0 * float(quad[0]),
        rms_quad,
        rms_lin,
        rms_quad / (rms_lin + 1e-3),
        v_start,
        v_end,
        float(np.mean(dh < 0)) if n > 1 else 0.0,
        _reversals(dh) / max(n - 1, 1),
        _reversals(dx) / max(n - 1, 1),
        float(abs(points.x[-1] - points.x[0]) / np.mean(scale)),
        float(steps.sum() / (displacement + 1.0)),
        math.log(float(np.mean(area_m2)) + 1e-4),
        float(np.std(points.area) / (np.mean(points.area) + 1e-6)),
        float(_inside(calibration.facade_polygon, float(points.x[0]), float(points.y[0]))),
        (v_end - v_start) / max(duration, 1e-3),
        float(speeds.max() / (np.median(speeds) + 0.5)) if n > 1 else 0.0,
        float(h[0] / calibration.facade_top_m()),
    ]
    return np.array(values, dtype=np.float64)


def fastest_mean_speed_mps(facade_top_m: float) -> float:
    """The fastest a thrown object can cover its track on this façade, on average (m/s).

    Nothing dropped from the roof line or below moves faster than free fall
    from there; FASTEST_THROW_MPS allows for a hard throw downwards and for
    floor lines a little off.
    """
    return math.sqrt(2 * GRAVITY * max(facade_top_m, 0.0)) + FASTEST_THROW_MPS


def is_candidate(values: FloatArray, facade_top_m: float) -> bool:
    """True when a track is long and tall enough to be judged, and possible for a fall.

    A track that descends faster on average than anything dropped from the
    façade could (clutter strung into one track across the frame) is no
    thrown object; a classifier would only be guessing far outside what it
    was trained on.
    """
    drop = values[FEATURE_NAMES.index("drop_m")]
    duration = values[FEATURE_NAMES.index("duration_s")]
    return bool(
        drop >= CANDIDATE_MIN_DROP_M
        and duration >= CANDIDATE_MIN_DURATION_S
        and drop / duration <= fastest_mean_speed_mps(facade_top_m)
    )


def _reversals(delta: FloatArray) -> int:
    signs = np.sign(delta[np.abs(delta) > 1e-6])
    return int(np.sum(signs[1:] != signs[:-1])) if len(signs) > 1 else 0


def _inside(polygon: list[tuple[float, float]], x: float, y: float) -> bool:
    inside = False
    j = len(polygon) - 1
    for i, (xi, yi) in enumerate(polygon):
        xj, yj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


@dataclass(frozen=True)
class PhysicsRule:
    """The hand-written baseline: accept tracks that fall like a dropped object.

    Thresholds were set on the TUNE_* simulator seeds: short tracks fit any
    curve, so the rule wants half a second of track whose quadratic fit is
    clearly better than a straight line (``max_quad_lin_ratio``).
    """

    min_points: int = 7
    min_duration_s: float = 0.5
    min_drop_m: float = 2.0
    g_range: tuple[float, float] = (4.0, 16.0)
    max_rms_m: float = 0.25
    max_quad_lin_ratio: float = 0.5
    min_down_fraction: float = 0.85

    def accepts(self, values: FloatArray, n_points: int) -> bool:
        """True when the feature vector ``values`` looks like a free fall."""
        f = dict(zip(FEATURE_NAMES, values.tolist(), strict=True))
        return (
            n_points >= self.min_points
            and f["duration_s"] >= self.min_duration_s
            and f["drop_m"] >= self.min_drop_m
            and self.g_range[0] <= f["g_est"] <= self.g_range[1]
            and f["rms_quad_m"] <= self.max_rms_m + 0.03 * f["drop_m"]
            and f["quad_lin_ratio"] <= self.max_quad_lin_ratio
            and f["down_fraction"] >= self.min_down_fraction
            and f["v_end"] > f["v_start"] + 1.0
            and f["starts_on_facade"] > 0.5
        )
