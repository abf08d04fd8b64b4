"""Fall detection from a body-worn accelerometer: impact (or slump), then stillness lying down.

Streaming, per device, on batches of 3-axis samples in g. A candidate is
either an impact (acceleration magnitude at or above ``impact_g``) or a slow
slump (tilt from upright grows by ``slump_deg`` within 3 s with a peak of at
least ``slump_g``). ``post_s`` seconds later the candidate is confirmed when
the wearer is still (magnitude standard deviation below ``still_std_g``
from 1 s after the candidate) and lying (mean tilt at least ``lying_deg``).
An impact that ends upright (sitting down hard) or in motion (a stumble,
stairs) is not a fall. The plain impact-threshold baseline is kept here too
so the benchmark compares both on the same data.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge.household.config import FallConfig

logger = logging.getLogger(__name__)

Samples = npt.NDArray[np.float64]
AXES = {"x": 0, "y": 1, "z": 2}
SLUMP_SPAN_S = 3.0
SETTLE_S = 1.0
PRE_S = 4.0


@dataclass(frozen=True, slots=True)
class FallResult:
    """A confirmed fall."""

    at_s: float
    kind: str
    peak_g: float
    tilt_deg: float
    motion_std_g: float


def tilt_deg(vectors: Samples, axis: int) -> float:
    """Angle between the mean acceleration and the device's upright axis, degrees."""
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    if norm == 0.0:
        return 0.0
    cosine = float(mean[axis]) / norm
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


class FallDetector:
    """Streaming fall detector of one wearable; feed ``on_batch`` in time order."""

    def __init__(self, config: FallConfig, *, sample_hz: float, upright_axis: str = "z") -> None:
        self.config = config
        self.hz = sample_hz
        self.axis = AXES[upright_axis]
        keep = int((config.post_s + PRE_S + SLUMP_SPAN_S) * sample_hz)
        self._keep = max(keep, int(sample_hz))
        self._buf: Samples = np.zeros((0, 3))
        self._end_s = 0.0
        self._pending: tuple[float, str, float] | None = None
        self._quiet_until_s = float("-inf")
        self.worn = True

    def on_batch(self, start_s: float, samples: Samples) -> FallResult | None:
        """Feed samples starting at ``start_s``; return a fall once it is confirmed."""
        if samples.shape[0] == 0:
            return None
        self._buf = np.concatenate((self._buf, samples))[-self._keep :]
        self._end_s = start_s + samples.shape[0] / self.hz
        result = None
        if self._end_s >= self._quiet_until_s:
            fresh = self._candidate(samples.shape[0])
            # A later impact supersedes a pending one: a stumble just before a
            # fall must not hide the fall behind its own rejected candidate.
            if fresh is not None and (self._pending is None or fresh[1] == "impact"):
                self._pending = fresh
        if self._pending is not None and self._end_s >= self._pending[0] + self.config.post_s:
            result = self._confirm(*self._pending)
            self._pending = None
        return result

    def _time_of(self, index: int) -> float:
        return self._end_s - (len(self._buf) - index) / self.hz

    def _candidate(self, fresh: int) -> tuple[float, str, float] | None:
        cfg = self.config
        mag = np.sqrt(np.einsum("ij,ij->i", self._buf, self._buf))
        start = max(self._buf.shape[0] - fresh, 0)
        peak_i = start + int(np.argmax(mag[start:]))
        if mag[peak_i] >= cfg.impact_g:
            return (self._time_of(peak_i), "impact", float(mag[peak_i]))
        span = int(SLUMP_SPAN_S * self.hz)
        half = max(int(0.5 * self.hz), 1)
        if self._buf.shape[0] < span + half:
            return None
        before = tilt_deg(self._buf[-span - half : -span], self.axis)
        now = tilt_deg(self._buf[-half:], self.axis)
        peak = float(mag[-span:].max())
        if now - before >= cfg.slump_deg and peak >= cfg.slump_g:
            return (self._end_s, "slump", peak)
        return None

    def _confirm(self, at_s: float, kind: str, peak_g: float) -> FallResult | None:
        cfg = self.config
        first = self._buf.shape[0] - int((self._end_s - at_s - SETTLE_S) * self.hz)
        post = self._buf[max(first, 0) :]
        if post.shape[0] < self.hz:
            return None
        mag = np.sqrt(np.einsum("ij,ij->i", post, post))
        motion = float(mag.std())
        tilt = tilt_deg(post, self.axis)
        # A device its wear sensor says is off the body was dropped or put
        # down: the wear monitor reports that, not the fall detector.
        if motion >= cfg.still_std_g or tilt < cfg.lying_deg or not self.worn:
            logger.debug("fall candidate rejected: motion %.3f g, tilt %.0f deg", motion, tilt)
            return None
        self._quiet_until_s = self._end_s + cfg.post_s
        return FallResult(at_s, kind, peak_g, tilt, motion)


class ImpactThresholdDetector:
    """Baseline: any sample at or above ``threshold_g`` is a fall (no posture, no stillness)."""

    def __init__(
        self, *, threshold_g: float = 2.5, refractory_s: float = 10.0, sample_hz: float = 50.0
    ) -> None:
        self.threshold_g = threshold_g
        self.refractory_s = refractory_s
        self.hz = sample_hz
        self._quiet_until_s = float("-inf")

    def on_batch(self, start_s: float, samples: Samples) -> FallResult | None:
        """Return a 'fall' at the first sample over the threshold."""
        mag = np.sqrt(np.einsum("ij,ij->i", samples, samples))
        hits = np.flatnonzero(mag >= self.threshold_g)
        if hits.size == 0:
            return None
        at_s = start_s + float(hits[0]) / self.hz
        if at_s < self._quiet_until_s:
            return None
        self._quiet_until_s = at_s + self.refractory_s
        return FallResult(at_s, "impact", float(mag[hits[0]]), 0.0, 0.0)
