"""Labelled tracks from simulated episodes: the front end runs exactly as at the edge.

Every ended track of at least ``min_points`` is a row; it is positive when
most of its points lie on the thrown object's true image path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from edge.falling.analysis import FrameAnalyser
from edge.falling.trajectory import TrackPoints, features
from simulators.facade import FPS, Episode, make_episode

logger = logging.getLogger(__name__)

MATCH_PX = 12.0
MATCH_SHARE = 0.6
MIN_POINTS = 6


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


def episode_tracks(
    seed: int, kind: Literal["fall", "distractor"]
) -> list[tuple[TrackPoints, float]]:
    """Every judgeable track of one episode with its share of points on the object."""
    cv2.setNumThreads(1)
    episode = make_episode(seed, kind)
    analyser = FrameAnalyser(episode.calibration, analysis_width=episode.camera.width)
    ended = []
    for t, frame in episode.frames():
        tracks, _ = analyser.step(t, frame)
        ended.extend(tracks)
    ended.extend(analyser.stitch(track) for track in analyser.tracker.flush())
    rows = []
    for track in ended:
        if len(track.t) < MIN_POINTS:
            continue
        points = analyser.to_points(track)
        rows.append((points, share_on_object(points, episode)))
    return rows


Rows = tuple[list[npt.NDArray[np.float64]], list[float], list[int]]


def _rows(job: tuple[int, Literal["fall", "distractor"]]) -> Rows:
    seed, kind = job
    episode = make_episode(seed, kind)
    xs, shares, seeds = [], [], []
    for points, share in episode_tracks(seed, kind):
        xs.append(features(points, episode.calibration, FPS))
        shares.append(share)
        seeds.append(seed)
    return xs, shares, seeds


def build(
    fall_seeds: Iterable[int], distractor_seeds: Iterable[int], *, workers: int = 2
) -> dict[str, npt.NDArray[np.float64]]:
    """Features ``x``, share of points on the object ``share`` and ``seed`` of every track."""
    jobs: list[tuple[int, Literal["fall", "distractor"]]] = [(s, "fall") for s in fall_seeds]
    jobs += [(s, "distractor") for s in distractor_seeds]
    xs: list[npt.NDArray[np.float64]] = []
    shares: list[float] = []
    seeds: list[int] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, (x, share, seed) in enumerate(pool.map(_rows, jobs, chunksize=4), start=1):
            xs.extend(x)
            shares.extend(share)
            seeds.extend(seed)
            if done % 50 == 0:
                logger.info("episodes %s/%s, tracks %s", done, len(jobs), len(seeds))
    return {"x": np.array(xs), "share": np.array(shares), "seed": np.array(seeds, dtype=float)}
