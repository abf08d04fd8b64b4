"""Gate-lane video frames: a vehicle with a rendered plate drives up to the barrier.

Each pass is a few 720p BGR frames with the vehicle growing as it nears the
camera, under one drawn set of conditions (angle, blur, glare, night, rain),
and ground truth per vehicle. Everything derives from one seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from simulators.gate.plates import PlateSpec, random_plate, render_plate

FRAME_WH = (1280, 720)
# Lane region of interest (normalised xyxy) where plates appear; the edge is
# configured with the same region.
LANE_ROI_XYXY = (0.22, 0.30, 0.78, 1.0)
CONDITIONS = ("angle", "blur", "glare", "night", "rain")
HARD_CONDITIONS = frozenset({"angle", "blur", "night"})
_CONDITION_P = {"angle": 0.3, "blur": 0.25, "glare": 0.15, "night": 0.25, "rain": 0.15}
_BODY_COLOURS = ((40, 40, 40), (200, 200, 205), (30, 30, 150), (120, 90, 40), (235, 235, 235))


@dataclass(frozen=True, slots=True)
class VehiclePass:
    """Frames of one vehicle pass and its ground truth."""

    plate: PlateSpec
    conditions: tuple[str, ...]
    direction: str
    frames: list[np.ndarray] = field(repr=False)
    plate_quads: list[np.ndarray] = field(repr=False)
    background: np.ndarray = field(repr=False)  # the empty lane, before conditions

    @property
    def hard(self) -> bool:
        """True for the night/blur/angle subset the benchmark reports apart."""
        return bool(HARD_CONDITIONS.intersection(self.conditions))


def _background(rng: np.random.Generator) -> np.ndarray:
    width, height = FRAME_WH
    frame = np.full((height, width, 3), 95, dtype=np.uint8)
    frame[: height // 4] = (150, 140, 120)
    cv2.line(frame, (width // 5, height), (width // 2 - 60, height // 4), (220, 220, 220), 6)
    cv2.line(frame, (4 * width // 5, height), (width // 2 + 60, height // 4), (220, 220, 220), 6)
    # A gate-side sign: text outside the lane that full-frame OCR also sees.
    cv2.rectangle(frame, (30, 60), (250, 130), (30, 120, 30), -1)
    cv2.putText(frame, "SLOW 5", (45, 112), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (255, 255, 255), 3)
    noise = rng.normal(0, 6, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def _plate_quad(
    centre: tuple[float, float], width: float, aspect: float, yaw: float, roll: float
) -> np.ndarray:
    """Corners (tl, tr, br, bl) of a plate seen at ``yaw`` (foreshortening) and ``roll``."""
    half_w, half_h = width / 2, width / aspect / 2
    shrink = 1.0 - abs(yaw) * 0.5
    left_h = half_h * (1 + yaw * 0.4)
    right_h = half_h * (1 - yaw * 0.4)
    pts = np.array(
        [
            [-half_w * shrink, -left_h],
            [half_w * shrink, -right_h],
            [half_w * shrink, right_h],
            [-half_w * shrink, left_h],
        ],
        dtype=np.float32,
    )
    cos_r, sin_r = np.cos(roll), np.sin(roll)
    rot = np.array([[cos_r, -sin_r], [sin_r, cos_r]], dtype=np.float32)
    return (pts @ rot.T + np.array(centre, dtype=np.float32)).astype(np.float32)


def _draw_vehicle(frame: np.ndarray, quad: np.ndarray, colour: tuple[int, int, int]) -> None:
    centre = quad.mean(axis=0)
    plate_w = float(np.linalg.norm(quad[1] - quad[0]))
    body_w, body_h = plate_w * 4.2, plate_w * 2.4
    x0, y0 = int(centre[0] - body_w / 2), int(centre[1] - body_h * 0.8)
    x1, y1 = int(centre[0] + body_w / 2), int(centre[1] + body_h * 0.2)
    cv2.rectangle(frame, (x0, y0), (x1, y1), colour, -1)
    cv2.rectangle(
        frame,
        (x0 + int(body_w * 0.1), y0 + int(body_h * 0.08)),
        (x1 - int(body_w * 0.1), y0 + int(body_h * 0.4)),
        (60, 50, 40),
        -1,
    )
    for lamp_x in (x0 + int(body_w * 0.12), x1 - int(body_w * 0.12)):
        cv2.circle(
            frame,
            (lamp_x, int(centre[1] - body_h * 0.25)),
            int(plate_w * 0.18),
            (230, 240, 250),
            -1,
        )


def _paste_plate(frame: np.ndarray, plate_rgb: np.ndarray, quad: np.ndarray) -> None:
    # A sensor pixel averages the light falling on it. warpPerspective only
    # samples (it has no area mode), so shrink the plate to about its size in
    # the frame first, averaging, and warp what is left.
    longest = max(
        float(np.linalg.norm(quad[1] - quad[0])), float(np.linalg.norm(quad[2] - quad[3]))
    )
    shrink = min(1.0, longest / plate_rgb.shape[1])
    if shrink < 1.0:
        small = (round(plate_rgb.shape[1] * shrink), round(plate_rgb.shape[0] * shrink))
        plate_rgb = cv2.resize(plate_rgb, small, interpolation=cv2.INTER_AREA)
    height, width = plate_rgb.shape[:2]
    src = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(src, quad)
    size = (frame.shape[1], frame.shape[0])
    warped = cv2.warpPerspective(
        cv2.cvtColor(plate_rgb, cv2.COLOR_RGB2BGR), matrix, size, flags=cv2.INTER_LINEAR
    )
    mask = cv2.warpPerspective(np.full((height, width), 255, np.uint8), matrix, size)
    frame[mask > 127] = warped[mask > 127]


def _degrade(
    frame: np.ndarray, conditions: tuple[str, ...], quad: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    out: np.ndarray = frame.astype(np.float32)
    if "glare" in conditions:
        centre = quad.mean(axis=0) + rng.uniform(-30, 30, 2)
        yy, xx = np.mgrid[0 : out.shape[0], 0 : out.shape[1]]
        radius = float(np.linalg.norm(quad[1] - quad[0])) * rng.uniform(0.3, 0.5)
        spot = np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * radius**2))
        out += spot[..., None] * rng.uniform(90, 150)
    if "night" in conditions:
        # The plate lamp keeps the plate brighter than the dark scene around it.
        lit = np.zeros(out.shape[:2], np.float32)
        cv2.fillConvexPoly(lit, quad.astype(np.int32), 1.0)
        gain = rng.uniform(0.25, 0.4) + lit * rng.uniform(0.2, 0.35)
        out = out * gain[..., None] + rng.normal(0, 7, out.shape)
    if "rain" in conditions:
        for _ in range(int(rng.integers(150, 300))):
            x, y = int(rng.integers(0, out.shape[1])), int(rng.integers(0, out.shape[0]))
            cv2.line(out, (x, y), (x + 4, y + 22), (200.0, 200.0, 200.0), 1)
    if "blur" in conditions:
        size = int(rng.integers(5, 9))
        kernel = np.zeros((size, size), np.float32)
        kernel[size // 2, :] = 1.0 / size
        out = cv2.filter2D(out, -1, kernel)
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.8, 1.4))
    return np.asarray(np.clip(out, 0, 255), dtype=np.uint8)


def _draw_conditions(rng: np.random.Generator) -> tuple[str, ...]:
    return tuple(c for c in CONDITIONS if rng.random() < _CONDITION_P[c])


def make_pass(rng: np.random.Generator, *, n_frames: int = 4) -> VehiclePass:
    """One vehicle pass: a random plate, drawn conditions, ``n_frames`` frames."""
    plate = random_plate(rng)
    conditions = _draw_conditions(rng)
    plate_rgb = render_plate(plate)
    aspect = plate_rgb.shape[1] / plate_rgb.shape[0]
    angled = "angle" in conditions
    yaw = rng.uniform(0.35, 0.6) * rng.choice([-1, 1]) if angled else rng.uniform(-0.1, 0.1)
    roll = np.deg2rad(rng.uniform(6, 12) * rng.choice([-1, 1]) if angled else rng.uniform(-3, 3))
    background = _background(rng)
    body = _BODY_COLOURS[int(rng.integers(len(_BODY_COLOURS)))]
    x_centre = FRAME_WH[0] * rng.uniform(0.42, 0.58)
    frames, quads = [], []
    for i in range(n_frames):
        t = i / max(1, n_frames - 1)
        width = rng.uniform(120, 140) + t * rng.uniform(50, 80)
        centre = (x_centre + rng.normal(0, 4), FRAME_WH[1] * (0.55 + 0.25 * t))
        quad = _plate_quad(centre, width, aspect, yaw, roll)
        frame = background.copy()
        _draw_vehicle(frame, quad, body)
        _paste_plate(frame, plate_rgb, quad)
        frames.append(_degrade(frame, conditions, quad, rng))
        quads.append(quad)
    direction = "in" if rng.random() < 0.6 else "out"
    return VehiclePass(
        plate=plate,
        conditions=conditions,
        direction=direction,
        frames=frames,
        plate_quads=quads,
        background=background,
    )


def empty_lane(vehicle: VehiclePass, rng: np.random.Generator) -> np.ndarray:
    """A frame of the lane with no vehicle, under ``vehicle``'s night, rain and blur."""
    # Glare and the lit plate come from the vehicle: a degenerate quad has no area.
    nowhere = np.zeros((4, 2), np.float32)
    weather = tuple(c for c in vehicle.conditions if c != "glare")
    return _degrade(vehicle.background, weather, nowhere, rng)


def make_passes(seed: int, count: int, *, n_frames: int = 4) -> list[VehiclePass]:
    """``count`` passes, the same for the same seed."""
    rng = np.random.default_rng(seed)
    return [make_pass(rng, n_frames=n_frames) for _ in range(count)]
