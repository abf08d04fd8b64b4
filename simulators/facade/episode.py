"""Episodes: a façade scene under one condition, with actors and ground truth, by seed.

The same seed always renders the same frames. A ``fall`` episode throws one
object from a known floor and column; a ``distractor`` episode shows only
things that must not raise an alarm.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

from edge.falling.calibration import FacadeCalibration
from edge.falling.images import u8
from simulators.camera_faults import shifted
from simulators.facade.actors import FallingObject, random_falling_object
from simulators.facade.distractors import DISTRACTOR_KINDS, Actor, make_distractor
from simulators.facade.scene import (
    Building,
    Camera,
    Image,
    calibration_for,
    camera_for,
    random_building,
    render_facade,
)

Condition = Literal["day", "night", "rain", "backlight", "snow"]
# A fall episode has one thrown object; a distractor episode has none.
EpisodeKind = Literal["fall", "distractor"]
CONDITIONS: tuple[Condition, ...] = ("day", "night", "rain", "backlight", "snow")
FPS = 25.0
NOISE_BANK = 6


@dataclass(frozen=True)
class FallTruth:
    """What really happened in a fall episode."""

    floor: int
    column: int
    release_t: float
    left_view_t: float
    size_m: float
    terminal_mps: float


@dataclass
class Episode:
    """A renderable episode; iterate :meth:`frames` for (t, BGR frame)."""

    seed: int
    kind: EpisodeKind
    condition: Condition
    duration_s: float
    building: Building
    camera: Camera
    calibration: FacadeCalibration
    background: Image
    actors: list[Actor]
    distractors: tuple[str, ...]
    fall: FallingObject | None
    noise_sigma: float
    jpeg_quality: int | None
    shake: list[tuple[float, float]] = field(default_factory=list)

    @property
    def truth(self) -> FallTruth | None:
        """Ground truth of the thrown object, or None for a distractor episode."""
        if self.fall is None:
            return None
        return FallTruth(
            floor=self.fall.floor,
            column=self.fall.column,
            release_t=self.fall.release_t,
            left_view_t=self.left_view_t(),
            size_m=self.fall.size_m,
            terminal_mps=self.fall.terminal_mps,
        )

    def left_view_t(self) -> float:
        """Last frame time at which the thrown object was inside the frame."""
        assert self.fall is not None
        last = self.fall.release_t
        for index in range(int(self.duration_s * FPS)):
            t = index / FPS
            if self.fall.image_at(t, self.camera) is not None:
                last = t
        return last

    def object_at(self, t: float) -> tuple[float, float] | None:
        """Per-frame ground truth: image position of the thrown object at ``t``."""
        return None if self.fall is None else self.fall.image_at(t, self.camera)

    def frames(self, step: int = 1) -> Iterator[tuple[float, Image]]:
        """Render every ``step``-th frame (default: every frame), deterministically."""
        rng = np.random.default_rng([self.seed, 7])
        h, w = self.background.shape[:2]
        bank = [rng.normal(0, self.noise_sigma, (h, w, 1)) for _ in range(NOISE_BANK)]
        pos = [np.clip(n, 0, 255).astype(np.uint8).repeat(3, axis=2) for n in bank]
        neg = [np.clip(-n, 0, 255).astype(np.uint8).repeat(3, axis=2) for n in bank]
        for index in range(0, int(self.duration_s * FPS), step):
            t = index / FPS
            frame = self.background.copy()
            for actor in self.actors:
                actor.draw(frame, t, self.camera)
            if self.fall is not None:
                self.fall.draw(frame, t, self.camera)
            frame = self._frame_effects(frame, t, rng)
            k = int(rng.integers(NOISE_BANK))
            cv2.add(frame, pos[k], dst=frame)
            cv2.subtract(frame, neg[k], dst=frame)
            if self.jpeg_quality is not None:
                ok, data = cv2.imencode(
                    ".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality]
                )
                frame = u8(cv2.imdecode(data, cv2.IMREAD_COLOR)) if ok else frame
            yield t, frame

    def _frame_effects(self, frame: Image, t: float, rng: np.random.Generator) -> Image:
        for start, length in self.shake:
            if start <= t < start + length:
                dx, dy = rng.uniform(-3, 3, 2) * frame.shape[1] / 960
                frame = shifted(frame, float(dx), float(dy))
        if "ir_noise" in self.distractors:
            if rng.random() < 0.05:
                frame = u8(cv2.convertScaleAbs(frame, alpha=float(rng.uniform(0.85, 1.15))))
            sparkle = rng.integers(0, frame.shape[0] * frame.shape[1], 40)
            frame.reshape(-1, 3)[sparkle] = 255
        return frame


def make_episode(
    seed: int,
    kind: EpisodeKind,
    *,
    size_wh: tuple[int, int] = (960, 540),
    duration_s: float | None = None,
    condition: Condition | None = None,
    distractors: tuple[str, ...] | None = None,
) -> Episode:
    """Build the episode of ``seed``: scene, condition, actors, thrown object."""
    rng = np.random.default_rng([seed, 1 if kind == "fall" else 2])
    drawn: Condition = CONDITIONS[int(rng.integers(len(CONDITIONS)))]
    condition = condition or drawn
    building = random_building(rng)
    camera = camera_for(building, size_wh[0], size_wh[1], rng)
    night = condition == "night"
    background, _ = render_facade(
        building, camera, night=night, backlight=condition == "backlight", rng=rng
    )
    kinds = _distractor_kinds(kind, condition, rng)
    kinds = kinds if distractors is None else distractors
    fall = None
    if kind == "fall":
        fall = random_falling_object(rng, building, float(rng.uniform(1.5, 3.0)))
        duration = duration_s or (fall.impact_t + 1.5)
    else:
        duration = duration_s or 60.0
    actors: list[Actor] = []
    for name in kinds:
        actors.extend(make_distractor(name, rng, building, camera, duration))
    shake = (
        [(float(rng.uniform(0, duration)), float(rng.uniform(0.2, 1.0))) for _ in range(3)]
        if "shake" in kinds
        else []
    )
    sigma = {"night": 5.0, "rain": 3.0}.get(condition, 2.0) * (2.0 if "ir_noise" in kinds else 1.0)
    return Episode(
        seed=seed,
        kind=kind,
        condition=condition,
        duration_s=duration,
        building=building,
        camera=camera,
        calibration=calibration_for(building, camera, camera_id=f"cam-{seed}"),
        background=background,
        actors=actors,
        distractors=kinds,
        fall=fall,
        noise_sigma=sigma,
        jpeg_quality=int(rng.integers(50, 90)) if rng.random() < 0.25 else None,
        shake=shake,
    )


def _distractor_kinds(kind: str, condition: Condition, rng: np.random.Generator) -> tuple[str, ...]:
    weather = {"rain": ("rain",), "snow": ("snow",), "night": ("ir_noise",)}.get(condition, ())
    pool = [k for k in DISTRACTOR_KINDS if k not in ("rain", "snow", "ir_noise")]
    if kind == "fall":
        extra = tuple(rng.choice(pool, size=int(rng.integers(0, 2)), replace=False).tolist())
    else:
        extra = tuple(rng.choice(pool, size=int(rng.integers(2, 5)), replace=False).tolist())
    return weather + extra
