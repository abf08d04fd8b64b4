"""The per-frame hot path: downscale, grey, motion, tracks; and the verdict on ended tracks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.falling.calibration import FacadeCalibration
from edge.falling.images import u8
from edge.falling.motion import MotionModel
from edge.falling.tracker import Track, Tracker
from edge.falling.trajectory import (
    PhysicsRule,
    Release,
    TrackPoints,
    estimate_release,
    features,
    is_candidate,
)

logger = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8]
Scorer = Callable[[npt.NDArray[np.float64]], float]
ROI_MARGIN = 0.04
STITCH_GAP_S = 0.3
STITCH_OVERLAP_S = 0.25
STITCH_KEEP_S = 3.0
STITCH_GATE_PX = 6.0
# Only pieces of a few frames can be the head of a fall; single-frame clutter
# (rain streaks) would make the search quadratic.
STITCH_MIN_POINTS = 3
# Shorter tracks are not judged (TrackJudge's default).
TRACK_MIN_POINTS = 6
# See split_steady_head.
HEAD_MIN_POINTS = 8
HEAD_STILL_PX = 2.0
HEAD_AREA_BAND = 1.5
HEAD_AREA_JUMP = 3.0
HEAD_LEAVE_POINTS = 3


@dataclass(frozen=True)
class Verdict:
    """The judgement of one ended track."""

    points: TrackPoints
    features: npt.NDArray[np.float64]
    physics: bool
    score: float
    alarm: bool
    release: Release | None
    # False for tracks too short, too small or too fast to be judged (is_candidate).
    candidate: bool


class FrameAnalyser:
    """Turns full-resolution BGR frames into ended tracks, on a downscaled view.

    ``analysis_width`` is the width of the view analysed (height keeps the
    calibration's aspect ratio); only the façade's columns and the rows from
    just above the roof line to the bottom are analysed, since objects fall
    down from the façade.
    """

    def __init__(
        self,
        calibration: FacadeCalibration,
        *,
        analysis_width: int = 960,
        motion: MotionModel | None = None,
        tracker: Tracker | None = None,
    ) -> None:
        full_w, full_h = calibration.frame_wh
        self.scale = analysis_width / full_w
        self.size_wh = (analysis_width, round(full_h * self.scale))
        self._roi = self._roi_of(calibration)
        self.motion = motion or MotionModel()
        self.tracker = tracker or Tracker()
        self.global_changes = 0
        self._recent: list[Track] = []

    def _roi_of(self, calibration: FacadeCalibration) -> tuple[int, int, int, int]:
        xs = [p[0] * self.scale for p in calibration.facade_polygon]
        ys = [p[1] * self.scale for p in calibration.facade_polygon]
        w, h = self.size_wh
        margin_x, margin_y = ROI_MARGIN * w, ROI_MARGIN * h
        x0 = int(max(min(xs) - margin_x, 0))
        x1 = int(min(max(xs) + margin_x, w))
        y0 = int(max(min(ys) - margin_y, 0))
        # Even sides: OpenCV's block-based labelling of the motion mask takes a
        # slow path, twice as costly, on odd widths and heights.
        return x0, y0 + (h - y0) % 2, x1 - (x1 - x0) % 2, h

    def view(self, frame: Frame) -> Frame:
        """The frame at analysis size (BGR), resized only when needed."""
        if (frame.shape[1], frame.shape[0]) == self.size_wh:
            return frame
        return u8(cv2.resize(frame, self.size_wh, interpolation=cv2.INTER_AREA))

    def step(self, t: float, small: Frame) -> tuple[list[Track], bool]:
        """Analyse one analysis-size frame; return ended tracks and whether it moved."""
        x0, y0, x1, y1 = self._roi
        grey = u8(cv2.cvtColor(small[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY))
        result = self.motion.update(grey)
        if result.global_change:
            self.global_changes += 1
            return self.finish_tracks(self.tracker.flush()), True
        blobs = result.blobs
        if len(blobs) == 0 and not self.tracker.active:
            return [], False
        if len(blobs):
            blobs = type(blobs)(xy=blobs.xy + np.array([x0, y0]), area=blobs.area)
        return self.finish_tracks(self.tracker.update(t, blobs)), len(blobs) > 0

    def flush(self) -> list[Track]:
        """End every running track (end of stream), finished as ``step`` finishes them."""
        return self.finish_tracks(self.tracker.flush())

    def finish_tracks(self, tracks: list[Track]) -> list[Track]:
        """Ended tracks as they are judged: fragments stitched, then steady heads split off.

        Splitting after stitching also parts a fall from a steady thing's
        track that ended where the fall's first fragment began.
        """
        out = []
        for track in tracks:
            head, rest = split_steady_head(self.stitch(track))
            out.extend([rest] if head is None else [head, rest])
        return out

    def stitch(self, track: Track) -> Track:
        """Prepend the earlier fragment this track continues, if any.

        Clutter (a rain streak next to the object, a missed frame on a
        sub-pixel object) can break a fall into pieces; the first piece holds
        the frames nearest the release, which the floor estimate needs most.
        """
        merged = track
        if len(merged.t) >= 4:
            self._recent = [r for r in self._recent if track.t[0] - r.t[-1] <= STITCH_KEEP_S]
        while len(merged.t) >= 4:
            previous = self._predecessor(merged)
            if previous is None:
                break
            self._recent = [r for r in self._recent if r is not previous]
            joined = Track(track_id=previous.track_id)
            # Where the pieces overlap, the earlier piece keeps its frames and the
            # later one continues after them (its first frames were clutter).
            later = [i for i, t in enumerate(merged.t) if t > previous.t[-1]]
            rows = [(previous, range(len(previous.t))), (merged, later)]
            for values, indices in rows:
                for i in indices:
                    joined.add(values.t[i], values.x[i], values.y[i], values.area[i])
            merged = joined
        if len(merged.t) >= STITCH_MIN_POINTS:
            self._recent.append(merged)
        return merged

    def _predecessor(self, track: Track) -> Track | None:
        if not self._recent:
            return None
        head = min(len(track.t), 10)
        tau = np.array(track.t[:head]) - track.t[0]
        fit_y = np.polyfit(tau, track.y[:head], 2 if head >= 5 else 1)
        fit_x = np.polyfit(tau, track.x[:head], 1)
        # Rain and IR noise leave hundreds of recent pieces: test them all at once.
        ends = np.array([(r.t[0], r.t[-1], r.x[-1], r.y[-1]) for r in self._recent])
        gap = track.t[0] - ends[:, 1]
        dt = -gap
        dx = np.polyval(fit_x, dt) - ends[:, 2]
        dy = np.polyval(fit_y, dt) - ends[:, 3]
        fits = (
            (gap >= -STITCH_OVERLAP_S)
            & (gap <= STITCH_GAP_S)
            & (ends[:, 0] < track.t[0])
            & (np.hypot(dx, dy) <= STITCH_GATE_PX)
            & (ends[:, 3] <= track.y[0])
        )
        # When several fit, the latest piece is the one this track continues.
        found = np.flatnonzero(fits)
        return self._recent[int(found[-1])] if len(found) else None

    def to_points(self, track: Track) -> TrackPoints:
        """A track in full-frame pixels."""
        inverse = 1.0 / self.scale
        return TrackPoints(
            t=np.array(track.t),
            x=np.array(track.x) * inverse,
            y=np.array(track.y) * inverse,
            area=np.array(track.area) * inverse * inverse,
        )


def split_steady_head(track: Track) -> tuple[Track | None, Track]:
    """Split a track where it leaves a steady thing it followed first: (head or None, rest).

    A blob that stays put (the ghost of a rain streak or snowflake the first
    frame left in the background, a hot pixel at night) or drifts at a
    steady size (a snowflake) keeps a track alive for seconds. When a thrown
    object appears next to it, that track takes the object's blob and
    follows the fall, and the classifier judges seconds of the steady thing
    and the fall as one track and rejects it: 4 of the 33 development falls
    the detector missed (seeds 310000-310399) were lost that way. A thrown
    object is not seen before it leaves the hand, so a fall never needs
    such a head.

    The head is the first HEAD_MIN_POINTS points or more of a track, either
    all within HEAD_STILL_PX of their median place (still) or all within a
    factor HEAD_AREA_JUMP of their median blob area (steady size). The track
    leaves it at the first of HEAD_LEAVE_POINTS points in a row off its
    place or size; the area of a steady-size head must still be within
    HEAD_AREA_BAND of its median just before (an object whose blob grows
    as it speeds up is not split). Only a rest long enough to be judged is
    split off.
    """
    n = len(track.t)
    if n < HEAD_MIN_POINTS + TRACK_MIN_POINTS:
        return None, track
    x, y, area = np.array(track.x), np.array(track.y), np.array(track.area)
    first = slice(0, HEAD_MIN_POINTS)
    cx, cy = float(np.median(x[first])), float(np.median(y[first]))
    ratio = np.maximum(area, 1.0) / max(float(np.median(area[first])), 1.0)
    jumped = (ratio >= HEAD_AREA_JUMP) | (ratio <= 1.0 / HEAD_AREA_JUMP)
    still = np.hypot(x - cx, y - cy) <= HEAD_STILL_PX
    for fits, steady_size in ((still & ~jumped, False), (~jumped, True)):
        if not fits[first].all():
            continue
        leaves = _first_run(~fits, HEAD_LEAVE_POINTS, start=HEAD_MIN_POINTS)
        if leaves is None or n - leaves < TRACK_MIN_POINTS:
            continue
        before = float(np.median(ratio[leaves - HEAD_LEAVE_POINTS : leaves]))
        if steady_size and not 1.0 / HEAD_AREA_BAND <= before <= HEAD_AREA_BAND:
            continue
        return _piece(track, 0, leaves), _piece(track, leaves, n)
    return None, track


def _first_run(flags: npt.NDArray[np.bool_], length: int, *, start: int) -> int | None:
    """Index of the first run of ``length`` True values at or after ``start``."""
    run = 0
    for i in range(start, len(flags)):
        run = run + 1 if flags[i] else 0
        if run == length:
            return i - length + 1
    return None


def _piece(track: Track, start: int, stop: int) -> Track:
    return Track(
        track_id=track.track_id,
        t=track.t[start:stop],
        x=track.x[start:stop],
        y=track.y[start:stop],
        area=track.area[start:stop],
    )


class TrackJudge:
    """Decides whether an ended track is a thrown object, and where it came from.

    With a ``scorer`` (the ONNX classifier) the alarm needs its score at
    ``threshold``; without one the physics rule alone decides (the baseline).
    Tracks shorter than ``min_points`` are not judged at all.
    """

    def __init__(
        self,
        calibration: FacadeCalibration,
        *,
        fps: float = 25.0,
        scorer: Scorer | None = None,
        threshold: float = 0.5,
        rule: PhysicsRule | None = None,
        min_points: int = TRACK_MIN_POINTS,
    ) -> None:
        self._calibration = calibration
        self._fps = fps
        self._scorer = scorer
        self._threshold = threshold
        self.rule = rule or PhysicsRule()
        self.min_points = min_points

    def judge(self, points: TrackPoints) -> Verdict | None:
        """The verdict on a track, or None when it is too short to judge."""
        if len(points.t) < self.min_points or points.y[-1] - points.y[0] <= 0:
            return None
        values = features(points, self._calibration, self._fps)
        physics = self.rule.accepts(values, len(points.t))
        if not is_candidate(values, self._calibration.facade_top_m()):
            return Verdict(points, values, physics, 0.0, False, None, candidate=False)
        score = self._scorer(values) if self._scorer is not None else float(physics)
        alarm = score >= self._threshold
        release = estimate_release(points, self._calibration) if alarm else None
        return Verdict(points, values, physics, score, alarm, release, candidate=True)
