"""The ``falling_object`` event sent to the hub."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from edge.falling.calibration import FacadeCalibration
from edge.falling.trajectory import Release, TrackPoints
from protocol.models import Event, EvidenceRef

EVENT_TYPE = "falling_object"
TRACK_POINTS_MAX = 40


def downsample_track(points: TrackPoints, limit: int = TRACK_POINTS_MAX) -> list[list[float]]:
    """At most ``limit`` [t_rel_s, x, y] rows (full-frame px), first and last kept."""
    index = np.unique(np.linspace(0, len(points.t) - 1, min(limit, len(points.t))).round())
    return [
        [
            round(float(points.t[i] - points.t[0]), 3),
            round(float(points.x[i]), 1),
            round(float(points.y[i]), 1),
        ]
        for i in index.astype(int)
    ]


def size_estimate_m(points: TrackPoints, calibration: FacadeCalibration) -> float:
    """Rough object size: square root of the median blob area in square metres.

    Motion blur stretches fast objects, so the median over the track is used;
    it is an order of magnitude for the duty officer, not a measurement.
    """
    scale = np.array([calibration.px_per_m_at(float(y)) for y in points.y])
    return round(float(np.sqrt(np.median(points.area / scale**2))), 2)


def build_event(
    *,
    gateway_id: str,
    calibration: FacadeCalibration,
    points: TrackPoints,
    release: Release,
    score: float,
    first_seen: datetime,
    evidence: list[EvidenceRef],
) -> Event:
    """A major alarm with the floor of origin and desensitised evidence references."""
    data: dict[str, Any] = {
        "building": calibration.building,
        "floor": release.floor,
        "floor_confidence": release.floor_confidence,
        "window_column": release.column,
        "release_height_m": round(release.height_m, 2),
        "size_estimate_m": size_estimate_m(points, calibration),
        "first_seen": first_seen.astimezone(UTC).isoformat(),
        "score": round(score, 3),
        "track": downsample_track(points),
        "evidence": [ref.model_dump() for ref in evidence],
    }
    return Event(
        gateway_id=gateway_id,
        type=EVENT_TYPE,
        severity="major",
        alarm=True,
        device_id=calibration.camera_id,
        observed_at=first_seen,
        data=data,
        evidence=evidence,
    )
