"""Body-worn accelerometer segments (in g) of falls and daily activities, with ground truth.

The model is a chest pendant or waist clip whose ``z`` axis points up when
the wearer stands: the sensor reads gravity along the current posture
direction, scaled down during free fall, plus impact pulses, gait
oscillation and noise. Class separation in these signals is our modelling
assumption, not measured data; see docs/household-safety.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float64]
FALL_KINDS = ("forward", "backward", "sideways", "from_bed", "slow_slump")
ADL_KINDS = (
    "walking",
    "still",
    "sit_down_hard",
    "lie_down",
    "stumble",
    "stairs",
    "bend",
    "turn_in_bed",
    "device_drop",
)
# Share of each daily activity among non-fall segments: mostly ordinary
# movement, with the hard cases (hard sits, lying down, drops) represented.
ADL_WEIGHTS = (0.2, 0.12, 0.12, 0.1, 0.1, 0.1, 0.1, 0.1, 0.06)


@dataclass(frozen=True, slots=True)
class Segment:
    """One labelled recording: ``samples`` (n, 3) in g at ``hz``."""

    kind: str
    is_fall: bool
    event_s: float
    samples: Samples
    hz: float
    off_body_from_s: float | None = None


def posture(tilt_deg: float, azimuth_deg: float) -> Samples:
    """Unit gravity direction in the device frame for a tilt from upright and an azimuth."""
    t, a = np.radians(tilt_deg), np.radians(azimuth_deg)
    return np.array([np.sin(t) * np.cos(a), np.sin(t) * np.sin(a), np.cos(t)])


def blend(u0: Samples, u1: Samples, n: int) -> Samples:
    """Smooth rotation from u0 to u1 over n samples (normalised lerp with smoothstep)."""
    s = np.linspace(0.0, 1.0, max(n, 1))
    s = s * s * (3 - 2 * s)
    v = u0[None, :] * (1 - s)[:, None] + u1[None, :] * s[:, None]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.asarray(v / np.maximum(norms, 1e-9))


class Builder:
    """Composes one segment: posture track, gravity scale, additive dynamics."""

    def __init__(self, rng: np.random.Generator, *, hz: float, duration_s: float) -> None:
        self.rng = rng
        self.hz = hz
        self.n = int(duration_s * hz)
        self.t = np.arange(self.n) / hz
        self.up = np.tile(posture(rng.uniform(0, 12), rng.uniform(0, 360)), (self.n, 1))
        self.scale = np.ones(self.n)
        self.extra = np.zeros((self.n, 3))
        self.noise_g = rng.uniform(0.004, 0.012)

    def idx(self, time_s: float) -> int:
        """Sample index of a time, clipped to the segment."""
        return int(np.clip(round(time_s * self.hz), 0, self.n - 1))

    def hold(self, from_s: float, u: Samples) -> None:
        """Posture ``u`` from ``from_s`` to the end."""
        self.up[self.idx(from_s) :] = u

    def turn(self, from_s: float, dur_s: float, u1: Samples) -> None:
        """Rotate from the posture at ``from_s`` to ``u1`` over ``dur_s``, then hold."""
        i0, i1 = self.idx(from_s), self.idx(from_s + dur_s)
        self.up[i0 : i1 + 1] = blend(self.up[i0].copy(), u1, i1 - i0 + 1)
        self.up[i1:] = u1

    def dip(self, end_s: float, dur_s: float, depth: float) -> None:
        """Partial free fall ending at ``end_s``: gravity reading drops by ``depth``."""
        i0, i1 = self.idx(end_s - dur_s), self.idx(end_s)
        profile = np.sin(np.linspace(0, np.pi, max(i1 - i0, 1))) ** 0.5
        self.scale[i0:i1] = 1 - depth * profile

    def impact(self, at_s: float, peak_g: float, direction: Samples) -> None:
        """A short pulse sampled with a random phase, plus a smaller rebound."""
        width = self.rng.uniform(0.02, 0.05)
        for when, size in ((at_s, peak_g), (at_s + self.rng.uniform(0.1, 0.25), 0.3 * peak_g)):
            pulse = size * np.exp(-0.5 * ((self.t - when) / width) ** 2)
            self.extra += pulse[:, None] * direction[None, :]

    def gait(self, from_s: float, to_s: float, amp_g: float) -> None:
        """Walking: vertical oscillation at step frequency, lateral sway, jitter."""
        mask = (self.t >= from_s) & (self.t < to_s)
        f = self.rng.uniform(1.6, 2.2)
        phase = 2 * np.pi * f * self.t + self.rng.uniform(0, 2 * np.pi)
        vertical = amp_g * (np.sin(phase) + 0.3 * np.sin(2 * phase))
        sway = 0.3 * amp_g * np.sin(phase / 2)
        self.extra[mask, 2] += vertical[mask]
        self.extra[mask, 0] += sway[mask]
        self.extra[mask] += self.rng.normal(0, 0.04, (int(mask.sum()), 3))

    def fidget(self, from_s: float, to_s: float, amp_g: float) -> None:
        """Small irregular movement (shifting, breathing, trying to move)."""
        mask = (self.t >= from_s) & (self.t < to_s)
        k = int(mask.sum())
        smooth = np.convolve(self.rng.normal(0, amp_g, k + 10), np.ones(10) / 10, "valid")[:k]
        self.extra[mask] += smooth[:, None] * self.rng.normal(0, 1, 3)[None, :]

    def build(self) -> Samples:
        """The accelerometer samples of the segment."""
        noise = self.rng.normal(0, self.noise_g, (self.n, 3))
        return np.asarray(self.up * self.scale[:, None] + self.extra + noise)


def lying(rng: np.random.Generator, low: float = 75.0, high: float = 105.0) -> Samples:
    """A lying posture with a random azimuth."""
    return posture(rng.uniform(low, high), rng.uniform(0, 360))
