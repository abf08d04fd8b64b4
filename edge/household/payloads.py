"""Validation of raw sensor payloads into typed inputs, with clear refusals.

Device payloads are JSON objects: a scalar ``{"device_id", "metric", "ts",
"value"}``, an accelerometer batch ``{"device_id", "metric": "accel.g",
"ts", "hz", "samples": [[x, y, z], ...]}`` or a position fix
``{"device_id", "metric": "geo.fix", "ts", "lat", "lon"}``; ``ts`` is UTC
epoch seconds. Anything else raises PayloadError with a reason code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from edge.household.errors import PayloadError
from edge.household.fall import Samples

MAX_RAW_BYTES = 64 * 1024
MAX_ACCEL_SAMPLES = 1000
ACCEL_RANGE_G = 16.0
# Bounds that catch milliseconds or a device clock never set (1970).
EARLIEST_TS_S = 1_500_000_000.0
LATEST_TS_S = 4_000_000_000.0
BINARY = (0.0, 1.0)
# Over-range gas readings are real danger, so the %LEL bound is generous;
# everything else is bounded by what the quantity can physically be.
METRIC_RANGES: dict[str, tuple[float, float]] = {
    "gas.lel_pct": (0.0, 1000.0),
    "gas.fault": BINARY,
    "gas.tamper": BINARY,
    "water.total_m3": (0.0, 1e7),
    "gas.total_m3": (0.0, 1e7),
    "hr.bpm": (0.0, 300.0),
    "spo2.pct": (0.0, 100.0),
    "battery.pct": (0.0, 100.0),
    "wear.on": BINARY,
    "sos.pressed": BINARY,
    "smoke.alarm": BINARY,
    "door.open": BINARY,
    "presence.bed": BINARY,
    "presence.room": BINARY,
}


@dataclass(frozen=True, slots=True)
class Scalar:
    """One validated scalar reading."""

    device_id: str
    metric: str
    ts_s: float
    value: float


@dataclass(frozen=True, slots=True)
class Accel:
    """One validated accelerometer batch, (n, 3) in g."""

    device_id: str
    ts_s: float
    hz: float
    samples: Samples


@dataclass(frozen=True, slots=True)
class Fix:
    """One validated position fix (WGS-84)."""

    device_id: str
    ts_s: float
    lat: float
    lon: float


Input = Scalar | Accel | Fix


def number(raw: Mapping[str, object], key: str, device_id: str) -> float:
    """A finite number under ``key``; booleans and strings are refused."""
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(
            reason="bad_type",
            device_id=device_id,
            detail=f"expected a number in {key!r}, got {type(value).__name__}",
        )
    if not math.isfinite(value):
        raise PayloadError(
            reason="not_finite",
            device_id=device_id,
            detail=f"expected a finite {key!r}, got {value}",
        )
    return float(value)


def check_value(device_id: str, metric: str, value: float) -> float:
    """Check ``value`` against the metric's physical range; return it."""
    if metric not in METRIC_RANGES:
        raise PayloadError(
            reason="unknown_metric",
            device_id=device_id,
            detail=f"expected one of {sorted(METRIC_RANGES)}, got {metric!r}",
        )
    if not math.isfinite(value):
        raise PayloadError(
            reason="not_finite",
            device_id=device_id,
            detail=f"expected a finite {metric}, got {value}",
        )
    low, high = METRIC_RANGES[metric]
    if (low, high) == BINARY and value not in BINARY:
        raise PayloadError(
            reason="out_of_range",
            device_id=device_id,
            detail=f"expected {metric} 0 or 1, got {value}",
        )
    if not low <= value <= high:
        raise PayloadError(
            reason="out_of_range",
            device_id=device_id,
            detail=f"expected {metric} in [{low}, {high}], got {value}",
        )
    return value


def parse(raw: bytes | Mapping[str, object]) -> Input:
    """Validate one raw payload (JSON bytes or a decoded object)."""
    raw = _decode(raw)
    device_id = raw.get("device_id")
    if not isinstance(device_id, str) or not 0 < len(device_id) <= 128:
        raise PayloadError(
            reason="bad_type",
            device_id="?",
            detail=f"expected a device_id string, got {type(device_id).__name__}",
        )
    ts_s = number(raw, "ts", device_id)
    if not EARLIEST_TS_S <= ts_s <= LATEST_TS_S:
        raise PayloadError(
            reason="out_of_range",
            device_id=device_id,
            detail=f"expected ts in UTC epoch seconds, got {ts_s}",
        )
    metric = raw.get("metric")
    if metric == "accel.g":
        return _accel(raw, device_id, ts_s)
    if metric == "geo.fix":
        return _fix(raw, device_id, ts_s)
    if not isinstance(metric, str):
        raise PayloadError(
            reason="bad_type",
            device_id=device_id,
            detail=f"expected a metric string, got {type(metric).__name__}",
        )
    value = check_value(device_id, metric, number(raw, "value", device_id))
    return Scalar(device_id, metric, ts_s, value)


def _decode(raw: object) -> Mapping[str, object]:
    if isinstance(raw, bytes | bytearray):
        if len(raw) > MAX_RAW_BYTES:
            raise PayloadError(
                reason="oversized",
                device_id="?",
                detail=f"expected at most {MAX_RAW_BYTES} bytes, got {len(raw)}",
            )
        try:
            raw = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PayloadError(reason="bad_json", device_id="?", detail=str(exc)) from exc
    if not isinstance(raw, Mapping):
        raise PayloadError(
            reason="bad_type",
            device_id="?",
            detail=f"expected a JSON object, got {type(raw).__name__}",
        )
    return raw


def _fix(raw: Mapping[str, object], device_id: str, ts_s: float) -> Fix:
    lat, lon = number(raw, "lat", device_id), number(raw, "lon", device_id)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PayloadError(
            reason="out_of_range",
            device_id=device_id,
            detail=f"expected WGS-84 lat/lon, got {lat}, {lon}",
        )
    return Fix(device_id, ts_s, lat, lon)


def _accel(raw: Mapping[str, object], device_id: str, ts_s: float) -> Accel:
    hz = number(raw, "hz", device_id)
    if not 1 <= hz <= 400:
        raise PayloadError(
            reason="out_of_range", device_id=device_id, detail=f"expected hz in [1, 400], got {hz}"
        )
    samples = raw.get("samples")
    if not isinstance(samples, list) or not samples:
        raise PayloadError(
            reason="bad_type",
            device_id=device_id,
            detail="expected 'samples' as a non-empty list of [x, y, z]",
        )
    if len(samples) > MAX_ACCEL_SAMPLES:
        raise PayloadError(
            reason="oversized",
            device_id=device_id,
            detail=f"expected at most {MAX_ACCEL_SAMPLES} samples, "
            f"got {len(samples)}; send shorter batches",
        )
    try:
        array = np.asarray(samples, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PayloadError(
            reason="bad_type",
            device_id=device_id,
            detail=f"expected numeric [x, y, z] samples: {exc}",
        ) from exc
    if array.ndim != 2 or array.shape[1] != 3:
        raise PayloadError(
            reason="bad_shape",
            device_id=device_id,
            detail=f"expected samples of shape (n, 3), got {array.shape}",
        )
    if not np.isfinite(array).all():
        raise PayloadError(
            reason="not_finite",
            device_id=device_id,
            detail="expected finite accelerometer samples, got NaN or inf",
        )
    if np.abs(array).max() > ACCEL_RANGE_G:
        raise PayloadError(
            reason="out_of_range",
            device_id=device_id,
            detail=f"expected samples within +-{ACCEL_RANGE_G} g",
        )
    return Accel(device_id, ts_s, hz, array)
