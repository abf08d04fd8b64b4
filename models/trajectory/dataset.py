"""Labelled tracks from simulated episodes: the front end runs exactly as at the edge.

Every ended track of at least ``TRACK_MIN_POINTS`` is a row; it is positive when
most of its points lie on the thrown object's true image path.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np
import numpy.typing as npt

from edge.falling.analysis import TRACK_MIN_POINTS, FrameAnalyser
from edge.falling.calibration import FacadeCalibration
from edge.falling.trajectory import N_FEATURES, TrackPoints, features, is_candidate
from simulators.facade import FPS, Episode, EpisodeKind, make_episode

logger = logging.getLogger(__name__)

MATCH_PX = 12.0
MATCH_SHARE = 0.6


def share_on_object(points: TrackPoints, episode: Episode) -> float:
    """Share of the track's points lying near the true object (0 without one)."""
    if episode.fall is None:
        return 0.0
    scale = episode.calibration.frame_wh[0] / episode.camera.width
    hits = 0
    for t, x, y in zip(points.t, points.x, points.y, strict=True):
        truth = episode.object_at(float(t))
        if truth is not None and np.hypot(truth[0] * scale - x, truth[1] * scale - y) <= MATCH_PX:
            hits += 1
    return hits / len(points.t)


def is_on_object(points: TrackPoints, episode: Episode) -> bool:
    """True when at least MATCH_SHARE of the points lie near the true object."""
    return share_on_object(points, episode) >= MATCH_SHARE


def episode_tracks(seed: int, kind: EpisodeKind) -> list[tuple[TrackPoints, float]]:
    """Every judgeable track of one episode with its share of points on the object."""
    cv2.setNumThreads(1)
    episode = make_episode(seed, kind)
    analyser = FrameAnalyser(episode.calibration, analysis_width=episode.camera.width)
    ended = []
    for t, frame in episode.frames():
        tracks, _ = analyser.step(t, frame)
        ended.extend(tracks)
    ended.extend(analyser.flush())
    rows = []
    for track in ended:
        if len(track.t) < TRACK_MIN_POINTS:
            continue
        points = analyser.to_points(track)
        rows.append((points, share_on_object(points, episode)))
    return rows


# Per-point columns of the stored tracks, in order.
POINT_COLUMNS = ("t", "x", "y", "area")
Tracks = dict[str, npt.NDArray[np.float64]]
# The arrays of a Tracks store (see build).
TRACK_KEYS = frozenset({"points", "length", "share", "seed", "fall"})


def build(
    fall_seeds: Iterable[int], distractor_seeds: Iterable[int], *, workers: int = 2
) -> Tracks:
    """Every judgeable track of the episodes, as the front end saw them.

    Keys: ``points`` [P, len(POINT_COLUMNS)] (all tracks' points, one after
    the other), ``length`` [N] points per track, ``share`` [N] of points on
    the object, ``seed`` [N] and ``fall`` [N] (1.0 for a fall episode).
    Storing tracks rather than features lets a feature change be tried
    without rendering; only a change to the simulator or the front end needs
    the episodes rendered again.
    """
    jobs: list[tuple[int, EpisodeKind]] = [(s, "fall") for s in fall_seeds]
    jobs += [(s, "distractor") for s in distractor_seeds]
    points: list[npt.NDArray[np.float64]] = []
    rows: list[tuple[int, float, int, float]] = []
    # Workers are spawned, not forked: a fork of a process that has already
    # run OpenCV (the recipe computes features between builds) can inherit a
    # held lock and hang.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for done, ((seed, kind), tracks) in enumerate(
            zip(jobs, pool.map(episode_tracks, *zip(*jobs, strict=True), chunksize=4), strict=True),
            start=1,
        ):
            for track, share in tracks:
                points.append(np.column_stack([getattr(track, c) for c in POINT_COLUMNS]))
                rows.append((len(track.t), share, seed, float(kind == "fall")))
            if done % 50 == 0:
                logger.info("episodes %s/%s, tracks %s", done, len(jobs), len(rows))
    table = np.array(rows, dtype=np.float64).reshape(-1, 4)
    return {
        "points": np.concatenate(points) if points else np.zeros((0, len(POINT_COLUMNS))),
        "length": table[:, 0],
        "share": table[:, 1],
        "seed": table[:, 2],
        "fall": table[:, 3],
    }


def joined(*stores: Tracks) -> Tracks:
    """One store holding the tracks of several, in order."""
    return {key: np.concatenate([store[key] for store in stores]) for key in TRACK_KEYS}


def track_points(tracks: Tracks) -> list[TrackPoints]:
    """The stored tracks as TrackPoints, in order."""
    lengths = tracks["length"].astype(np.intp)
    ends = np.cumsum(lengths)
    out = []
    for start, end in zip(ends - lengths, ends, strict=True):
        block = tracks["points"][start:end]
        out.append(TrackPoints(**{c: block[:, i].copy() for i, c in enumerate(POINT_COLUMNS)}))
    return out


@functools.cache
def _calibration(seed: int, fall: bool) -> FacadeCalibration:
    # Building an episode takes about 30 ms; features and candidacy both ask.
    return make_episode(seed, "fall" if fall else "distractor").calibration


def calibrations(tracks: Tracks) -> list[FacadeCalibration]:
    """The calibration of each stored track's episode, in order."""
    return [
        _calibration(int(seed), bool(fall))
        for seed, fall in zip(tracks["seed"].astype(int), tracks["fall"] > 0.5, strict=True)
    ]


def feature_rows(tracks: Tracks) -> npt.NDArray[np.float64]:
    """Features [N, N_FEATURES] of the stored tracks under each episode's calibration."""
    rows = [
        features(points, calibration, FPS)
        for points, calibration in zip(track_points(tracks), calibrations(tracks), strict=True)
    ]
    return np.array(rows, dtype=np.float64).reshape(-1, N_FEATURES)


def candidates(tracks: Tracks, rows: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Which of the stored tracks (their feature ``rows``) are judged at all (``is_candidate``)."""
    tops = [c.facade_top_m() for c in calibrations(tracks)]
    judged = [is_candidate(row, top) for row, top in zip(rows, tops, strict=True)]
    return np.array(judged, dtype=bool).reshape(len(rows))


def falls_caught(
    probability: npt.NDArray[np.float64],
    share: npt.NDArray[np.float64],
    seed: npt.NDArray[np.float64],
    threshold: float,
) -> int:
    """Episodes with a track mostly on the object that scores at least ``threshold``.

    NaN scores (tracks never judged) reach no threshold.
    """
    hit = (share >= MATCH_SHARE) & (probability >= threshold)
    return len(set(seed[hit].astype(int).tolist()))
