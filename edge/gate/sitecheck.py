"""Replay recorded footage of one gate lane and report how its plates read.

The plate reader was measured on simulated plates only. Before relying on a
lane camera (its aim, focus and night illuminator), record some of its
ordinary traffic, day and night, and replay it here through the gateway's
own lane configuration: the virtual loop cuts the passes as it would live,
the reader reads them, and the report says how many passes were cut, what
share of them read, when the unread ones came, and whether the lane's read
watch would have raised ``plates_unread``. Plates are shown masked, as the
gateway publishes them; no barrier moves and nothing is published.
"""

from __future__ import annotations

import logging
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge.camera.recording import recorded_frames
from edge.falling.intervals import share_interval
from edge.gate.config import GateConfig
from edge.gate.errors import GateError
from edge.gate.lane import vehicle_frames
from edge.gate.privacy import mask_plate
from edge.gate.readwatch import FAULT, ReadWatch
from edge.gate.trigger import LaneTrigger, Presence
from edge.plates.reader import PassResult, PlateReader

logger = logging.getLogger(__name__)


class LaneCheckError(GateError):
    """Footage that cannot be replayed, with the reason."""


def _replay(
    config: GateConfig, path: Path, reader: PlateReader
) -> tuple[float, list[tuple[float, PassResult]]]:
    """Cut one file into passes as the lane camera would, and read each."""
    # As the gateway builds it: the trigger's own zone, else the reader's region.
    trigger = LaneTrigger(config=config.trigger, zone_xyxy=config.reader.roi_xyxy)
    frames = recorded_frames(path, error=LaneCheckError)
    passes = []
    seconds = 0.0
    for t, frame in frames:
        seconds = t
        if trigger.update(t, frame) is Presence.ARRIVED:
            passes.append((t, reader.read_pass(vehicle_frames(frame, frames, trigger))))
    return seconds, passes


def check_lane(
    config: GateConfig, videos: list[Path], *, reader: PlateReader | None = None
) -> dict[str, Any]:
    """Replay ``videos`` of one lane; return a JSON-ready report of its passes and reads.

    ``reader`` defaults to one built from ``config.reader`` (tests share one).
    """
    if not videos:
        raise LaneCheckError("no footage given")
    reader = reader or PlateReader(config=config.reader)
    watch = ReadWatch(config.read_watch)
    # The read watch wants a time for each pass: the files follow one another on one clock.
    start = datetime(2000, 1, 1, tzinfo=UTC)
    offset = 0.0
    files, rows, faults, read_ms = [], [], [], []
    for path in videos:
        seconds, passes = _replay(config, path, reader)
        files.append({"video": str(path), "seconds": round(seconds, 2), "passes": len(passes)})
        for t, result in passes:
            read = result.result is not None
            read_ms.append(result.elapsed_ms)
            row: dict[str, Any] = {"video": str(path), "at_s": round(t, 2), "read": read}
            if result.result is not None:
                row["plate_masked"] = mask_plate(result.result.plate.text)
                row["confidence"] = round(result.result.confidence, 3)
            elif result.rejected is not None:
                row["rejected_reason"] = result.rejected.reason
            rows.append(row)
            change = watch.record(read=read, at=start + timedelta(seconds=offset + t))
            if change is not None:
                faults.append(
                    {
                        "video": str(path),
                        "at_s": round(t, 2),
                        "fault": FAULT,
                        "raised": change.raised,
                        "unread": change.unread,
                        "passes": change.passes,
                    }
                )
        offset += seconds
        logger.info("%s: %.1f min, %s passes", path, seconds / 60, len(passes))
    total, read_count = len(rows), sum(r["read"] for r in rows)
    return {
        "lane": config.lane,
        "videos": files,
        "passes": total,
        "read": read_count,
        "read_share": round(read_count / total, 4) if total else None,
        "read_share_ci95": share_interval(read_count, total) if total else None,
        "read_ms_p50": round(statistics.median(read_ms), 1) if read_ms else None,
        "min_open_confidence": config.min_open_confidence,
        "read_below_open_confidence": sum(
            r["read"] and r["confidence"] < config.min_open_confidence for r in rows
        ),
        "read_faults": faults,
        "pass_log": rows,
    }
