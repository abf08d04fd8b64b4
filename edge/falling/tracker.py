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
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from edge.falling.motion import Blobs

logger = logging.getLogger(__name__)

UNMATCHED_COST = 1e6
# Established tracks win ties against tracks born last frame: in rain or
# snow a fresh clutter track next to a thrown object must not steal its blob.
YOUNG_TRACK_PENALTY_PX = 6.0
FIT_MIN_POINTS = 5
FIT_TAIL = 8
FALLING_MIN_DROP_PX = 4.0


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


def predict(tracks: list[Track], t: float) -> npt.NDArray[np.float64]:
    """Predicted (x, y) at ``t`` and the length of the predicted step (px), one row per track.

    One point: stay put. Up to FIT_MIN_POINTS: constant velocity from the last
    two. From then on a least-squares fit over the last FIT_TAIL points,
    quadratic in time, which is far steadier than finite differences of noisy
    sub-pixel centroids; all fitted tracks are solved in one batched call
    because rain and IR noise keep dozens of tracks alive at once.
    """
    lengths = np.array([len(track.t) for track in tracks])
    last = np.array([(track.t[-1], track.x[-1], track.y[-1]) for track in tracks])
    before = np.array(
        [
            (track.t[-2], track.x[-2], track.y[-2]) if len(track.t) > 1 else (0.0, 0.0, 0.0)
            for track in tracks
        ]
    )
    out = np.column_stack([last[:, 1], last[:, 2], np.zeros(len(tracks))])
    moving = (lengths > 1) & (lengths < FIT_MIN_POINTS)
    if moving.any():
        step = last[moving, 0] - before[moving, 0]
        vx = (last[moving, 1] - before[moving, 1]) / step
        vy = (last[moving, 2] - before[moving, 2]) / step
        dt = t - last[moving, 0]
        out[moving] = np.column_stack(
            [last[moving, 1] + vx * dt, last[moving, 2] + vy * dt, np.hypot(vx, vy) * dt]
        )
    fitted = np.flatnonzero(lengths >= FIT_MIN_POINTS)
    if len(fitted):
        out[fitted] = _fitted_predictions([tracks[row] for row in fitted], t)
    return out


def _fitted_predictions(tracks: list[Track], t: float) -> npt.NDArray[np.float64]:
    # Tails shorter than FIT_TAIL are padded with zero-weight rows so every
    # track's normal equations have the same shape.
    k = len(tracks)
    tau = np.zeros((k, FIT_TAIL))
    xy = np.zeros((k, FIT_TAIL, 2))
    weight = np.zeros((k, FIT_TAIL))
    last = np.empty((k, 3))
    for row, track in enumerate(tracks):
        m = min(len(track.t), FIT_TAIL)
        tau[row, :m] = np.asarray(track.t[-m:]) - track.t[-1]
        xy[row, :m, 0] = track.x[-m:]
        xy[row, :m, 1] = track.y[-m:]
        weight[row, :m] = 1.0
        last[row] = (t - track.t[-1], track.x[-1], track.y[-1])
    design = np.stack([np.ones_like(tau), tau, tau * tau], axis=2) * weight[..., None]
    normal = np.einsum("kni,knj->kij", design, design)
    coef = np.linalg.solve(normal, np.einsum("kni,knc->kic", design, xy))
    dt = last[:, 0]
    powers = np.stack([np.ones_like(dt), dt, dt * dt], axis=1)
    pred = np.einsum("ki,kic->kc", powers, coef)
    step = np.hypot(pred[:, 0] - last[:, 1], pred[:, 1] - last[:, 2])
    return np.column_stack([pred, step])


def _falling(track: Track) -> bool:
    return len(track.t) >= FIT_MIN_POINTS and track.y[-1] - track.y[0] >= FALLING_MIN_DROP_PX


class Tracker:
    """Hungarian nearest-neighbour association with gating.

    ``gate_px`` is the base gate radius, widened by half the predicted step
    (``fitted_gate_px`` and a fifth of the step once a track has a fitted path);
    ``max_misses`` frames without a blob end a track, except that a track
    already falling on a fitted path (``FIT_MIN_POINTS`` points, going down)
    coasts on its prediction for up to ``falling_misses``: an object crossing
    façade of its own brightness vanishes for a few frames, storey after
    storey. At most ``max_tracks`` run at once; tracks longer than
    ``max_duration_s`` are ended.
    """

    def __init__(
        self,
        *,
        gate_px: float = 8.0,
        fitted_gate_px: float = 5.0,
        first_gate_px: float = 14.0,
        max_misses: int = 2,
        falling_misses: int = 5,
        max_tracks: int = 64,
        max_duration_s: float = 6.0,
    ) -> None:
        self._gate = gate_px
        self._fitted_gate = fitted_gate_px
        self._first_gate = first_gate_px
        self._max_misses = max_misses
        self._falling_misses = max(falling_misses, max_misses)
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
            # Only a track past the usual misses is asked whether it is falling.
            lost = track.misses > self._max_misses and (
                track.misses > self._falling_misses or not _falling(track)
            )
            if lost or track.duration_s > self._max_duration:
                ended.append(track)
            else:
                still.append(track)
        self._tracks = still
        rows = zip(blobs.xy.tolist(), blobs.area.tolist(), strict=True)
        for index, ((x, y), area) in enumerate(rows):
            if index in matched_blobs or len(self._tracks) >= self._max_tracks:
                continue
            track = Track(track_id=self._next_id, t=[t], x=[x], y=[y], area=[area])
            self._next_id += 1
            self._tracks.append(track)
        return ended

    def flush(self) -> list[Track]:
        """End every track (e.g. at the end of a stream or after a global change)."""
        ended, self._tracks = self._tracks, []
        return ended

    def _associate(self, t: float, blobs: Blobs) -> tuple[set[int], set[int]]:
        if not self._tracks or len(blobs) == 0:
            return set(), set()
        predictions = predict(self._tracks, t)
        delta = predictions[:, None, :2] - blobs.xy[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        lengths = np.array([len(track.t) for track in self._tracks])
        first, fitted = lengths == 1, lengths >= FIT_MIN_POINTS
        widen = np.where(fitted, 0.2, 0.5) * predictions[:, 2]
        base = np.where(fitted, self._fitted_gate, self._gate)
        gate = np.where(first, self._first_gate, base + widen)
        penalty = np.where(first, YOUNG_TRACK_PENALTY_PX, 0.0)[:, None]
        inside = distance <= gate[:, None]
        # Only tracks and blobs with a partner inside the gate take part: in
        # rain most of either have none, and the solver's cost grows with both.
        track_rows = np.flatnonzero(inside.any(axis=1))
        blob_cols = np.flatnonzero(inside.any(axis=0))
        cost = np.where(inside, distance + penalty, UNMATCHED_COST)[np.ix_(track_rows, blob_cols)]
        sub_rows, sub_cols = linear_sum_assignment(cost)
        keep = cost[sub_rows, sub_cols] < UNMATCHED_COST
        rows, cols = track_rows[sub_rows[keep]], blob_cols[sub_cols[keep]]
        matched_tracks: set[int] = set()
        matched_blobs: set[int] = set()
        for row, col in zip(rows, cols, strict=True):
            self._tracks[row].add(
                t, float(blobs.xy[col, 0]), float(blobs.xy[col, 1]), float(blobs.area[col])
            )
            matched_tracks.add(int(row))
            matched_blobs.add(int(col))
        return matched_tracks, matched_blobs
