"""Distractors a façade camera sees that are not thrown objects, by kind.

Each factory spreads actors of one kind over an episode. Camera shake and
night IR noise are frame-level effects and live in
:mod:`simulators.facade.episode`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulators.facade.distractor_actors import (
    Actor,
    Bird,
    Flutter,
    Insect,
    Laundry,
    Rain,
    Reflection,
    Snow,
    SpiderWeb,
    WindowLight,
)
from simulators.facade.scene import BALCONY_DEPTH_M, Building, Camera

__all__ = ["DISTRACTOR_KINDS", "Actor", "make_distractor"]

DISTRACTOR_KINDS = (
    "bird",
    "flutter",
    "rain",
    "snow",
    "insect",
    "spider_web",
    "window_light",
    "laundry",
    "reflection",
    "shake",
    "ir_noise",
)


@dataclass(frozen=True)
class _Setting:
    """What every distractor factory may draw on."""

    rng: np.random.Generator
    building: Building
    camera: Camera
    duration_s: float

    @property
    def scale(self) -> float:
        return self.camera.width / 960

    def start_times(self) -> list[float]:
        count = max(1, int(self.duration_s / 12))
        last = max(self.duration_s - 2, 1)
        return [float(self.rng.uniform(0.5, last)) for _ in range(count)]


def _birds(s: _Setting) -> list[Actor]:
    birds: list[Actor] = []
    top, d = s.building.height_m, s.building.distance_m
    for t in s.start_times():
        side = float(s.rng.choice([-1.0, 1.0]))  # enters from one side, flies across
        start = (side * 25.0, d - float(s.rng.uniform(2, 15)), float(s.rng.uniform(4, top)))
        velocity = (-side * float(s.rng.uniform(5, 12)), 0.0, float(s.rng.uniform(-5, 1.5)))
        birds.append(
            Bird(
                t0=t,
                start=start,
                velocity=velocity,
                flap_hz=float(s.rng.uniform(3, 8)),
                size_m=float(s.rng.uniform(0.2, 0.4)),
            )
        )
    return birds


def _flutters(s: _Setting) -> list[Actor]:
    actors: list[Actor] = []
    for t in s.start_times():
        column = int(s.rng.integers(1, s.building.n_columns + 1))
        start = (
            s.building.column_center_m(column),
            s.building.distance_m - 0.3,
            float(s.rng.uniform(4, s.building.height_m)),
        )
        light = s.rng.random() < 0.5
        actors.append(
            Flutter(
                t0=t,
                start=start,
                sink_mps=float(s.rng.uniform(0.5, 2.5)),
                swing_m=float(s.rng.uniform(0.3, 1.5)),
                swing_hz=float(s.rng.uniform(0.4, 1.5)),
                size_m=float(s.rng.uniform(0.1, 0.4)),
                colour=(230, 230, 225) if light else (40, 90, 60),
            )
        )
    return actors


def _rain(s: _Setting) -> list[Actor]:
    return [Rain(per_frame=int(s.rng.integers(30, 90)), seed=int(s.rng.integers(1 << 30)))]


def _snow(s: _Setting) -> list[Actor]:
    n, w, h = int(s.rng.integers(60, 160)), s.camera.width, s.camera.height
    flakes = np.stack(
        [
            s.rng.uniform(0, w, n),
            s.rng.uniform(0, h, n),
            s.rng.uniform(15, 90, n) * s.scale,
            s.rng.uniform(2, 15, n) * s.scale,
            s.rng.uniform(0.6, 3, n) * s.scale,
        ],
        axis=1,
    )
    return [Snow(flakes=flakes)]


def _insects(s: _Setting) -> list[Actor]:
    return [
        Insect(
            t0=t,
            duration_s=float(s.rng.uniform(1, 5)),
            seed=int(s.rng.integers(1 << 30)),
            radius_px=float(s.rng.uniform(6, 25)) * s.scale,
        )
        for t in s.start_times()
    ]


def _spider_web(s: _Setting) -> list[Actor]:
    threads = s.rng.uniform(-80, 80, (int(s.rng.integers(4, 10)), 2)) * s.scale
    anchor = (
        float(s.rng.uniform(0, s.camera.width)),
        float(s.rng.uniform(0, s.camera.height * 0.4)),
    )
    return [
        SpiderWeb(
            anchor=anchor,
            threads=threads,
            sway_px=float(s.rng.uniform(1, 5)) * s.scale,
            sway_hz=float(s.rng.uniform(0.3, 2)),
        )
    ]


def _window_lights(s: _Setting) -> list[Actor]:
    actors: list[Actor] = []
    for _ in range(3):
        floor = int(s.rng.integers(1, s.building.n_floors + 1))
        column = int(s.rng.integers(1, s.building.n_columns + 1))
        toggles = tuple(sorted(s.rng.uniform(0, s.duration_s, 4).tolist()))
        actors.append(
            WindowLight(corners=s.building.window_corners(floor, column), toggles=toggles)
        )
    return actors


def _laundry(s: _Setting) -> list[Actor]:
    actors: list[Actor] = []
    for column in s.building.balcony_columns[:4] or (1,):
        floor = int(s.rng.integers(2, s.building.n_floors + 1))
        anchor = (
            s.building.column_center_m(column),
            s.building.distance_m - BALCONY_DEPTH_M,
            (floor - 1) * s.building.floor_h_m + 1.1,
        )
        r, g, b = (int(c) for c in s.rng.integers(40, 255, 3))
        actors.append(
            Laundry(
                anchor=anchor,
                width_m=float(s.rng.uniform(0.4, 1.2)),
                sway_hz=float(s.rng.uniform(0.5, 2)),
                colour=(r, g, b),
            )
        )
    return actors


def _reflections(s: _Setting) -> list[Actor]:
    actors: list[Actor] = []
    for t in s.start_times():
        # Glints start on a window pane of the façade.
        floor = int(s.rng.integers(1, s.building.n_floors + 1))
        column = int(s.rng.integers(1, s.building.n_columns + 1))
        xy, _ = s.camera.project(s.building.window_corners(floor, column).mean(axis=0))
        velocity = (
            float(s.rng.uniform(-150, 150)) * s.scale,
            float(s.rng.uniform(-60, 150)) * s.scale,
        )
        actors.append(
            Reflection(
                t0=t,
                duration_s=float(s.rng.uniform(0.8, 3)),
                start_px=(float(xy[0, 0]), float(xy[0, 1])),
                velocity_px=velocity,
            )
        )
    return actors


_FACTORIES = {
    "bird": _birds,
    "flutter": _flutters,
    "rain": _rain,
    "snow": _snow,
    "insect": _insects,
    "spider_web": _spider_web,
    "window_light": _window_lights,
    "laundry": _laundry,
    "reflection": _reflections,
}


def make_distractor(
    kind: str, rng: np.random.Generator, building: Building, camera: Camera, duration_s: float
) -> list[Actor]:
    """Actors of one distractor kind spread over an episode (frame effects return none)."""
    factory = _FACTORIES.get(kind)
    return [] if factory is None else factory(_Setting(rng, building, camera, duration_s))
