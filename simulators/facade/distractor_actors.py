"""Distractor actors: each draws itself into a frame at a time.

Birds, fluttering leaves and paper, rain, snow, insects and spider webs near
the lens, windows switching lights, laundry in the wind and moving
reflections.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from simulators.facade.actors import _blob
from simulators.facade.scene import Camera, Image


class Actor(Protocol):
    """Anything drawn into a frame at a time."""

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        """Draw into ``frame`` as seen at time ``t``."""


@dataclass
class Bird:
    """Flies across, bobbing with its wing beat; some glide down at a steady speed."""

    t0: float
    start: tuple[float, float, float]
    velocity: tuple[float, float, float]
    flap_hz: float
    size_m: float

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        dt = t - self.t0
        if dt < 0 or dt > 12:
            return
        p = np.array(self.start) + np.array(self.velocity) * dt
        p[2] += 0.25 * math.sin(2 * math.pi * self.flap_hz * dt)
        xy, depth = camera.project(p)
        flap = 1.0 + 0.5 * abs(math.sin(2 * math.pi * self.flap_hz * dt))
        size = camera.focal_px * self.size_m * flap / max(float(depth[0]), 1.0)
        x, y = float(xy[0, 0]), float(xy[0, 1])
        _blob(frame, x - size, y, x + size, y, max(size / 2, 0.6), (35, 35, 40))


@dataclass
class Flutter:
    """A leaf, paper or plastic bag: slow terminal speed, swinging and tumbling."""

    t0: float
    start: tuple[float, float, float]
    sink_mps: float
    swing_m: float
    swing_hz: float
    size_m: float
    colour: tuple[int, int, int]

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        dt = t - self.t0
        if dt < 0:
            return
        ramp = min(dt, 0.25)
        drop = 0.5 * (self.sink_mps / 0.25) * ramp * ramp + self.sink_mps * max(dt - 0.25, 0)
        phase = 2 * math.pi * self.swing_hz * dt
        p = np.array(self.start, dtype=float)
        p += [self.swing_m * math.sin(phase), -0.3 * self.swing_m * math.sin(phase / 2), -drop]
        p[2] += 0.4 * self.swing_m * abs(math.cos(phase))
        if p[2] <= 0:
            return
        xy, depth = camera.project(p)
        size = (
            camera.focal_px * self.size_m * (0.4 + abs(math.cos(phase))) / max(float(depth[0]), 1)
        )
        x, y = float(xy[0, 0]), float(xy[0, 1])
        _blob(frame, x, y, x + 0.5, y + 0.5, size, self.colour)


@dataclass
class Rain:
    """Streaks of drops crossing near the camera, and drops sliding on the lens."""

    per_frame: int
    seed: int

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        rng = np.random.default_rng([self.seed, round(t * 1000)])
        h, w = frame.shape[:2]
        scale = w / 960
        xs, ys = rng.uniform(0, w, self.per_frame), rng.uniform(0, h, self.per_frame)
        lengths = rng.uniform(8, 40, self.per_frame) * scale
        for x, y, length in zip(xs, ys, lengths, strict=True):
            level = int(rng.integers(150, 230))
            _blob(frame, x, y, x + 0.15 * length, y + length, 0.7, (level, level, level))
        for k in range(2):
            lx = (self.seed * 97 + k * 331) % w
            ly = (k * 200 + 12 * scale * t) % h
            cv2.circle(frame, (int(lx), int(ly)), int(10 * scale), (200, 200, 200), -1, cv2.LINE_AA)


@dataclass
class Snow:
    """Flakes drifting down at a steady speed; near flakes are big and fast."""

    flakes: np.ndarray  # (N, 5): x, y, speed px/s, drift px, size px

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        h, w = frame.shape[:2]
        x = (self.flakes[:, 0] + self.flakes[:, 3] * np.sin(0.8 * t + self.flakes[:, 0])) % w
        y = (self.flakes[:, 1] + self.flakes[:, 2] * t) % h
        for xi, yi, size in zip(x, y, self.flakes[:, 4], strict=True):
            cv2.circle(frame, (int(xi), int(yi)), max(1, int(size)), (235, 235, 235), -1)


@dataclass
class Insect:
    """A moth or fly next to the lens: a big blurred blob moving erratically."""

    t0: float
    duration_s: float
    seed: int
    radius_px: float

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        dt = t - self.t0
        if dt < 0 or dt > self.duration_s:
            return
        h, w = frame.shape[:2]
        rng = np.random.default_rng(self.seed)
        freqs, phases = rng.uniform(0.3, 2.5, 4), rng.uniform(0, 6.3, 4)
        cx = w * (
            0.5 + 0.35 * math.sin(freqs[0] * dt + phases[0]) + 0.1 * math.sin(freqs[1] * 3 * dt)
        )
        cy = h * (
            0.5 + 0.35 * math.sin(freqs[2] * dt + phases[2]) + 0.1 * math.sin(freqs[3] * 3 * dt)
        )
        r = int(self.radius_px * (0.8 + 0.2 * math.sin(20 * dt)))
        layer = frame.copy()
        cv2.circle(layer, (int(cx), int(cy)), r, (30, 30, 30), -1, cv2.LINE_AA)
        cv2.addWeighted(layer, 0.5, frame, 0.5, 0, dst=frame)


@dataclass
class SpiderWeb:
    """Threads in a corner swaying in the wind, with a spider going down and up."""

    anchor: tuple[float, float]
    threads: np.ndarray  # (N, 2) end points relative to the anchor, px
    sway_px: float
    sway_hz: float

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        ax, ay = self.anchor
        offset = self.sway_px * math.sin(2 * math.pi * self.sway_hz * t)
        for dx, dy in self.threads:
            end = (int(ax + dx + offset), int(ay + dy + 0.5 * offset))
            cv2.line(frame, (int(ax), int(ay)), end, (215, 215, 215), 1, cv2.LINE_AA)
        spider_y = ay + 40 * (1 - math.cos(0.4 * t))
        cv2.circle(frame, (int(ax + offset), int(spider_y)), 3, (20, 20, 20), -1)


@dataclass
class WindowLight:
    """A window whose light switches on and off."""

    corners: np.ndarray  # (4, 3) world
    toggles: tuple[float, ...]

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        if sum(1 for s in self.toggles if s <= t) % 2 == 0:
            return
        xy, _ = camera.project(self.corners)
        cv2.fillConvexPoly(frame, np.round(xy).astype(np.int32), (140, 215, 245), cv2.LINE_AA)


@dataclass
class Laundry:
    """Clothes hanging from a balcony rail, swaying and flapping."""

    anchor: tuple[float, float, float]
    width_m: float
    sway_hz: float
    colour: tuple[int, int, int]

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        x, y, z = self.anchor
        swing = 0.25 * math.sin(2 * math.pi * self.sway_hz * t) + 0.1 * math.sin(7.1 * t)
        corners = np.array(
            [
                [x, y, z],
                [x + self.width_m, y, z],
                [x + self.width_m + swing, y - 0.2 * swing, z - 0.9],
                [x + swing, y, z - 0.9],
            ]
        )
        xy, _ = camera.project(corners)
        cv2.fillConvexPoly(frame, np.round(xy).astype(np.int32), self.colour, cv2.LINE_AA)


@dataclass
class Reflection:
    """A glint (a car windscreen, the sun) moving across the glass at a steady speed."""

    t0: float
    duration_s: float
    start_px: tuple[float, float]
    velocity_px: tuple[float, float]

    def draw(self, frame: Image, t: float, camera: Camera) -> None:
        dt = t - self.t0
        if dt < 0 or dt > self.duration_s:
            return
        x = self.start_px[0] + self.velocity_px[0] * dt
        y = self.start_px[1] + self.velocity_px[1] * dt
        strength = math.sin(math.pi * dt / self.duration_s)
        layer = frame.copy()
        cv2.ellipse(layer, (int(x), int(y)), (6, 3), 0, 0, 360, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.addWeighted(layer, strength, frame, 1 - strength, 0, dst=frame)
