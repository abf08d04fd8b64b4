"""Associate blobs frame to frame into tracks.

Written here rather than taken from a tracking library because a thrown
object needs a gravity-aware, constant-acceleration prediction from its
second frame on, and every first frame kept for back-extrapolating the
release point: ByteTrack/SORT-style trackers (supervision, norfair) assume
box overlap or a constant-velocity Kalman filter and confirm tracks only
after several hits. The assignment itself is scipy's Hungarian solver.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from edge.falling.motion import Blobs

logger = logging.getLogger(__name__)

UNMATCHED_COST = 1e6
# Established tracks win ties against tracks born last frame: in rain or
# snow a fresh clutter track next to a thrown object must not steal its blob.
YOUNG_TRACK_PENALTY_PX = 6.0
FIT_MIN_POINTS = 5
FIT_TAIL = 8


@dataclass
class Track:
    """Positions of one moving thing (analysis-view pixels) over time."""

    track_id: int
    t: list[float] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    area: list[float] = field(default_factory=list)
    misses: int = 0

    def add(self, t: float, x: float, y: float, area: float) -> None:
        self.t.append(t)
        self.x.append(x)
        self.y.append(y)
        self.area.append(area)
        self.misses = 0

    @property
    def duration_s(self) -> float:
        return self.t[-1] - self.t[0]

    def predict(self, t: float) -> tuple[float, float, float]:
        """Predicted (x, y) at ``t`` and the length of the predicted step (px)."""
        n = len(self.t)
        if n == 1:
            return self.x[-1], self.y[-1], 0.0
        if n < FIT_MIN_POINTS:
            step = self.t[-1] - self.t[-2]
            vx = (self.x[-1] - self.x[-2]) / step
            vy = (self.y[-1] - self.y[-2]) / step
            dt = t - self.t[-1]
            return self.x[-1] + vx * dt, self.y[-1] + vy * dt, float(np.hypot(vx, vy) * dt)
        # A least-squares fit over the last frames (quadratic in time) is far
        # steadier than finite differences of noisy sub-pixel centroids.
        tail = slice(-FIT_TAIL, None)
        tau = np.asarray(self.t[tail]) - self.t[-1]
        design = np.stack([np.ones_like(tau), tau, tau * tau], axis=1)
        coef = np.linalg.lstsq(design, np.stack([self.x[tail], self.y[tail]], axis=1), rcond=None)[
            0
        ]
        dt = t - self.t[-1]
        px = float(coef[0, 0] + coef[1, 0] * dt + coef[2, 0] * dt * dt)
        py = float(coef[0, 1] + coef[1, 1] * dt + coef[2, 1] * dt * dt)
        return px, py, float(np.hypot(px - self.x[-1], py - self.y[-1]))


class Tracker:
    """Hungarian nearest-neighbour association with gating.

    ``gate_px`` is the base gate radius, widened by half the predicted step
    (``fitted_gate_px`` and a fifth of the step once a track has a fitted path);
    ``max_misses`` frames without a blob end a track; at most ``max_tracks``
    run at once; tracks longer than ``max_duration_s`` are ended.
    """

    def __init__(
        self,
        *,
        gate_px: float = 8.0,
        fitted_gate_px: float = 5.0,
        first_gate_px: float = 14.0,
        max_misses: int = 2,
        max_tracks: int = 64,
        max_duration_s: float = 6.0,
    ) -> None:
        self._gate = gate_px
        self._fitted_gate = fitted_gate_px
        self._first_gate = first_gate_px
        self._max_misses = max_misses
        self._max_tracks = max_tracks
        self._max_duration = max_duration_s
        self._tracks: list[Track] = []
        self._next_id = 1

    @property
    def active(self) -> list[Track]:
        return list(self._tracks)

    def update(self, t: float, blobs: Blobs) -> list[Track]:
        """Add one frame's blobs; return the tracks that ended with this frame."""
        matched_tracks, matched_blobs = self._associate(t, blobs)
        ended: list[Track] = []
        still: list[Track] = []
        for index, track in enumerate(self._tracks):
            if index not in matched_tracks:
                track.misses += 1
            if track.misses > self._max_misses or track.duration_s > self._max_duration:
                ended.append(track)
            else:
                still.append(track)
        self._tracks = still
        for index in range(len(blobs)):
            if index in matched_blobs or len(self._tracks) >= self._max_tracks:
                continue
            track = Track(track_id=self._next_id)
            self._next_id += 1
            track.add(
                t, float(blobs.xy[index, 0]), float(blobs.xy[index, 1]), float(blobs.area[index])
            )
            self._tracks.append(track)
        return ended

    def flush(self) -> list[Track]:
        """End every track (e.g. at the end of a stream or after a global change)."""
        ended, self._tracks = self._tracks, []
        return ended

    def _associate(self, t: float, blobs: Blobs) -> tuple[set[int], set[int]]:
        if not self._tracks or len(blobs) == 0:
            return set(), set()
        predictions = np.array([track.predict(t) for track in self._tracks])
        delta = predictions[:, None, :2] - blobs.xy[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        first = np.array([len(track.t) == 1 for track in self._tracks])
        fitted = np.array([len(track.t) >= FIT_MIN_POINTS for track in self._tracks])
        widen = np.where(fitted, 0.2, 0.5) * predictions[:, 2]
        base = np.where(fitted, self._fitted_gate, self._gate)
        gate = np.where(first, self._first_gate, base + widen)
        penalty = np.where(first, YOUNG_TRACK_PENALTY_PX, 0.0)[:, None]
        cost = np.where(distance <= gate[:, None], distance + penalty, UNMATCHED_COST)
        rows, cols = linear_sum_assignment(cost)
        matched_tracks: set[int] = set()
        matched_blobs: set[int] = set()
        for row, col in zip(rows, cols, strict=True):
            if cost[row, col] >= UNMATCHED_COST:
                continue
            self._tracks[row].add(
                t, float(blobs.xy[col, 0]), float(blobs.xy[col, 1]), float(blobs.area[col])
            )
            matched_tracks.add(int(row))
            matched_blobs.add(int(col))
        return matched_tracks, matched_blobs
