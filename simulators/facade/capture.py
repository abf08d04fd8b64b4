"""A simulated façade camera with OpenCV's capture interface, for demos.

One building and camera per seed (so one calibration, ``calibration_of``),
watched in daylight for ever: now and then a bird or a leaf crosses, and
about every ``gap_s`` seconds someone throws an object from a random floor.
``thrown`` lists the floors thrown from, in order.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from edge.falling.calibration import FacadeCalibration
from simulators.facade.actors import random_falling_object
from simulators.facade.distractors import make_distractor
from simulators.facade.episode import FPS, Episode
from simulators.facade.scene import (
    Building,
    Camera,
    Image,
    calibration_for,
    camera_for,
    random_building,
    render_facade,
)

SIZE_WH = (960, 540)
SEGMENT_S = 10.0
_DAYTIME = ("bird", "flutter")


def _scene(seed: int) -> tuple[Building, Camera, Image]:
    rng = np.random.default_rng([seed, 3])
    building = random_building(rng)
    camera = camera_for(building, SIZE_WH[0], SIZE_WH[1], rng)
    background, _ = render_facade(building, camera, night=False, backlight=False, rng=rng)
    return building, camera, background


def calibration_of(seed: int, camera_id: str) -> FacadeCalibration:
    """The calibration an installer would measure for the camera of ``seed``."""
    building, camera, _ = _scene(seed)
    return calibration_for(building, camera, camera_id=camera_id)


class SimulatedCapture:
    """Endless façade frames from ``seed``, paced at ``fps`` (0 = as fast as read)."""

    def __init__(self, *, seed: int = 0, fps: float = FPS, gap_s: float = 120.0) -> None:
        self._seed = seed
        self._rng = np.random.default_rng([seed, 4])
        self._fps = fps
        self._gap_s = gap_s
        self._building, self._camera, self._background = _scene(seed)
        self._calibration = calibration_of(seed, f"cam-{seed}")
        self._frames: Iterator[tuple[float, Image]] = iter(())
        self._segments = 0
        self._opened = True
        self._next_t = time.monotonic()
        self.thrown: list[int] = []

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's spelling
        """True until released."""
        return self._opened

    def _segment(self) -> Episode:
        rng = self._rng
        actors = [
            actor
            for kind in _DAYTIME
            if rng.random() < 0.5
            for actor in make_distractor(kind, rng, self._building, self._camera, SEGMENT_S)
        ]
        fall = None
        if rng.random() < SEGMENT_S / self._gap_s:
            fall = random_falling_object(rng, self._building, float(rng.uniform(1.0, 5.0)))
            self.thrown.append(fall.floor)
        self._segments += 1
        return Episode(
            seed=self._seed * 100_000 + self._segments,
            kind="distractor" if fall is None else "fall",
            condition="day",
            duration_s=SEGMENT_S,
            building=self._building,
            camera=self._camera,
            calibration=self._calibration,
            background=self._background,
            actors=actors,
            distractors=(),
            fall=fall,
            noise_sigma=2.0,
            jpeg_quality=None,
        )

    def read(self) -> tuple[bool, Image | None]:
        """The next frame, starting a new ten-second segment when one ends."""
        if not self._opened:
            return False, None
        frame = next(self._frames, None)
        if frame is None:
            self._frames = self._segment().frames()
            frame = next(self._frames)
        if self._fps > 0:
            delay = self._next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._next_t = max(self._next_t + 1.0 / self._fps, time.monotonic())
        return True, frame[1]

    def release(self) -> None:
        """Stop delivering frames."""
        self._opened = False
