"""Replay recorded footage of one façade camera and report its false alarms.

The classifier's threshold was picked on simulated footage; a real site
has its own moths, laundry and reflections. Before relying on a camera,
record two hours or more of its ordinary footage (no throws), replay it here
through the camera's own configuration, and read how many alarms it would
have raised, which tracks came closest, and the lowest threshold that keeps
the rate at the goal; and whether the camera's view check would have
reported a fault on footage that has none (a reference that a night view
does not match). Nothing leaves the machine: evidence is built as at the
gateway and dropped.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.camera.recording import recorded_frames
from edge.camera.viewcheck import ViewChange, ViewCheck
from edge.falling.analysis import Verdict
from edge.falling.config import FallingConfig
from edge.falling.detector import FallingObjectDetector
from edge.falling.errors import FallingError, FrameError
from edge.falling.intervals import rate_interval
from edge.falling.trajectory import FEATURE_NAMES, estimate_release
from protocol.models import Event, EvidenceRef

logger = logging.getLogger(__name__)

# Recordings made at another rate than the camera's would change every speed
# and acceleration the classifier sees.
FPS_TOLERANCE = 0.5
# The goal for thrown-object false alarms; the training recipe sets
# the shipped threshold for it too.
GOAL_PER_HOUR = 0.5
TOP_TRACKS = 10
# An hour of footage replays in minutes: say where it is now and then.
PROGRESS_EVERY_S = 600.0


class SiteCheckError(FallingError):
    """Footage that cannot be replayed, with the reason."""


@dataclass(frozen=True)
class ReplayedTrack:
    """A candidate track of the replayed footage: the file it is in and its verdict."""

    video: str
    verdict: Verdict


class _DiscardSink:
    """Takes the detector's events and evidence and keeps nothing but a count."""

    def __init__(self) -> None:
        self.events = 0

    def emit_event(self, event: Event) -> None:
        self.events += 1

    def emit_evidence(self, media_type: str, content: bytes, role: str) -> EvidenceRef:
        return EvidenceRef.model_validate(
            {"sha256": hashlib.sha256(content).hexdigest(), "media_type": media_type, "role": role}
        )


def threshold_for(false_scores: npt.NDArray[np.float64], k: int) -> float:
    """The lowest threshold at which at most ``k`` of ``false_scores`` reach it."""
    if k < 0:
        raise ValueError(f"k must be at least 0, got {k}")
    ranked = np.sort(np.asarray(false_scores, dtype=np.float64))[::-1]
    if k >= len(ranked):
        return 0.0
    # Just above the (k+1)-th highest; ties with it are all left out.
    return float(np.nextafter(ranked[k], np.inf))


def allowed_false_tracks(hours: float, goal_per_hour: float) -> int | None:
    """How many false tracks footage of ``hours`` may keep above a threshold meant for the goal.

    A threshold set just above the (k+1)-th highest of n false scores lets
    (k+1)·n/(n+1) false tracks through unseen footage of the same kind and
    length, on average: the new scores and the old are alike, so each new
    one lands above it with chance (k+1)/(n+1). Keeping k tracks is therefore
    expected to give (k+1)/hours an hour, and k is the largest count with
    (k+1)/hours at most the goal. None when the footage is too short to show
    the goal at all (under 1/goal hours). No footage shows a goal of 0.
    """
    if goal_per_hour <= 0 or hours < 0:
        raise ValueError(
            f"expected a goal above 0 and hours of at least 0, got {goal_per_hour} and {hours}"
        )
    k = math.floor(goal_per_hour * hours + 1e-9) - 1
    return None if k < 0 else k


def threshold_for_goal(
    false_scores: npt.NDArray[np.float64], hours: float, goal_per_hour: float
) -> float | None:
    """The lowest threshold expected to keep unseen footage of this kind to the goal rate.

    Rounded up to six places, so it still silences the tracks it must. None
    when the footage is too short to show the goal (``allowed_false_tracks``)
    or only a threshold of 1 or more (never reached) would do.
    """
    k = allowed_false_tracks(hours, goal_per_hour)
    if k is None:
        return None
    rounded = math.ceil(threshold_for(false_scores, k) * 1e6) / 1e6
    return rounded if rounded < 1.0 else None


class Tally:
    """Every candidate track's score, and the ``top`` highest-scoring tracks themselves.

    Snow gives about a thousand candidate tracks a minute: keeping each track
    over hours of footage would take gigabytes, the scores alone little.
    """

    def __init__(self, top: int) -> None:
        self.scores: list[float] = []
        self._top = top
        self._heap: list[tuple[float, int, ReplayedTrack]] = []

    def add(self, track: ReplayedTrack) -> None:
        self.scores.append(track.verdict.score)
        # The sequence number breaks ties, so tracks themselves are never compared.
        item = (track.verdict.score, len(self.scores), track)
        if len(self._heap) < self._top:
            heapq.heappush(self._heap, item)
        elif self._top and item[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, item)

    def closest(self) -> list[ReplayedTrack]:
        """The kept tracks, highest score first (earliest first among equals)."""
        return [t for _, _, t in sorted(self._heap, key=lambda item: (-item[0], item[1]))]


def _replay(
    config: FallingConfig, path: Path, tally: Tally, view: ViewCheck | None
) -> tuple[float, int, list[dict[str, Any]]]:
    """Replay one file into ``tally``; return its seconds of footage, the alarms raised
    and the view check's faults raised or cleared (``view``: None, no check).

    The camera's own detector runs as at the gateway (de-duplication,
    evidence and all) and hands over its verdict on every track it judges.
    """
    sink = _DiscardSink()
    faults: list[dict[str, Any]] = []

    def judged(verdict: Verdict) -> None:
        if verdict.candidate:
            tally.add(ReplayedTrack(str(path), verdict))

    detector = FallingObjectDetector(config=config, sink=sink, on_verdict=judged)
    seconds = 0.0
    try:
        frames = recorded_frames(
            path, error=SiteCheckError, fps=config.fps, fps_tolerance=FPS_TOLERANCE
        )
        for t, frame in frames:
            detector.process(t, frame)
            if view is not None:
                faults += [_fault(path, change) for change in view.frame(t, frame)]
            seconds = t + 1 / config.fps
            if seconds % PROGRESS_EVERY_S < 1 / config.fps:
                logger.info("%s: %.0f min replayed, %s alarms", path, seconds / 60, sink.events)
    except FrameError as exc:
        raise SiteCheckError(f"{path}: {exc}") from exc
    detector.finish(seconds)
    logger.info("%s: %.1f min, %s alarms", path, seconds / 60, sink.events)
    return seconds, sink.events, faults


def _fault(path: Path, change: ViewChange) -> dict[str, Any]:
    return {
        "video": str(path),
        "fault": change.fault.value,
        "raised": change.raised,
        "at_s": round(change.sample.at, 2),
        "since_s": round(change.since, 2),
        **change.sample.measured(),
    }


def check_footage(
    config: FallingConfig,
    videos: list[Path],
    *,
    goal_per_hour: float = GOAL_PER_HOUR,
    top: int = TOP_TRACKS,
    view_check: Callable[[], ViewCheck] | None = None,
) -> dict[str, Any]:
    """Replay ``videos`` (footage without throws) through one camera's detector.

    Returns a JSON-ready report: hours replayed, the alarms the camera would
    have raised and their hourly rate with its exact 95 % interval, the
    ``top`` candidate tracks by score, and the lowest classifier threshold
    expected to keep footage like this to ``goal_per_hour``
    (``threshold_for_goal``; None with the physics rule alone, when the
    footage is too short to show the goal, or when no threshold under 1 does).
    With ``view_check`` (a new check for each file, as the gateway would
    build it), ``view_faults`` lists the camera faults the footage raised or
    cleared: with the camera's reference, night footage should raise none.
    """
    if not videos:
        raise SiteCheckError("no footage given")
    if goal_per_hour <= 0:
        raise SiteCheckError(
            f"the goal is a rate above 0 an hour (no footage shows 0), got {goal_per_hour}"
        )
    tally = Tally(top)
    seconds = 0.0
    alarms = 0
    replayed = []
    view_faults: list[dict[str, Any]] = []
    for path in videos:
        view = None if view_check is None else view_check()
        length, raised, faults = _replay(config, path, tally, view)
        seconds += length
        alarms += raised
        view_faults += faults
        replayed.append({"video": str(path), "seconds": round(length, 2), "alarms": raised})
    hours = seconds / 3600
    scores = np.array(tally.scores, dtype=np.float64)
    classifier = config.classifier
    return {
        "camera": config.calibration.camera_id,
        "videos": replayed,
        "hours": round(hours, 4),
        "threshold": None if classifier is None else classifier.threshold,
        "alarms": alarms,
        "alarms_per_hour": round(alarms / hours, 3) if hours else None,
        "alarms_per_hour_ci95": rate_interval(alarms, hours),
        "candidate_tracks": len(tally.scores),
        "goal_per_hour": goal_per_hour,
        # Tracks, not de-duplicated alarms, are counted: the figure errs high.
        "threshold_for_goal": (
            None if classifier is None else threshold_for_goal(scores, hours, goal_per_hour)
        ),
        "allowed_false_tracks": allowed_false_tracks(hours, goal_per_hour),
        # Less footage cannot show the goal (allowed_false_tracks).
        "hours_needed_for_goal": round(1 / goal_per_hour, 3),
        "top_tracks": [_describe(track, config) for track in tally.closest()],
        "view_checked": view_check is not None,
        "view_faults": view_faults,
    }


def _describe(track: ReplayedTrack, config: FallingConfig) -> dict[str, Any]:
    verdict = track.verdict
    values = dict(zip(FEATURE_NAMES, verdict.features.tolist(), strict=True))
    release = verdict.release or estimate_release(verdict.points, config.calibration)
    return {
        "video": track.video,
        "start_s": round(float(verdict.points.t[0]), 2),
        "duration_s": round(values["duration_s"], 2),
        "drop_m": round(values["drop_m"], 1),
        "score": round(verdict.score, 4),
        "alarm": verdict.alarm,
        "floor": release.floor,
        "x_px": round(float(verdict.points.x[0])),
        "y_px": round(float(verdict.points.y[0])),
    }
