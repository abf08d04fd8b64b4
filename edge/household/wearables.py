"""Wearables of elderly residents: SOS, falls, vitals, geofence, battery, wear and silence.

Vitals alarm only after ``persist_samples`` consecutive out-of-range samples
so one bad optical reading does not page a caregiver; every alarm re-arms
when the condition clears. A heart rate of 0 means no optical contact and is
left to the wear monitor, not treated as a vital sign.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from edge.household.config import WearableConfig
from edge.household.fall import FallDetector, Samples
from edge.household.findings import Finding
from edge.household.geofence import outside_m
from protocol.models import Severity

logger = logging.getLogger(__name__)

SOS_DEBOUNCE_S = 30.0


@dataclass(slots=True)
class Wearable:
    """Incremental state of one resident's wearable."""

    config: WearableConfig
    resident_id: str
    household_id: str
    fall: FallDetector = field(init=False)
    last_seen_s: float | None = None
    last_sos_s: float = float("-inf")
    bad: dict[str, int] = field(default_factory=dict)
    active: set[str] = field(default_factory=set)
    off_since_s: float | None = None
    outside: int = 0
    found: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        cfg = self.config
        self.fall = FallDetector(cfg.fall, sample_hz=cfg.sample_hz, upright_axis=cfg.upright_axis)

    def on_metric(self, metric: str, value: float, ts_s: float) -> list[Finding]:
        """Feed one scalar reading (sos.pressed, hr.bpm, spo2.pct, battery.pct, wear.on)."""
        self._seen(ts_s)
        vitals = self.config.vitals
        if metric == "sos.pressed" and value >= 1 and ts_s - self.last_sos_s >= SOS_DEBOUNCE_S:
            self.last_sos_s = ts_s
            self._find("sos", ts_s, "critical")
        elif metric == "hr.bpm" and value > 0:
            high = value > vitals.hr_max_bpm
            low = value < vitals.hr_min_bpm
            self._persist("heart_rate_abnormal", high or low, ts_s, bpm=value)
        elif metric == "spo2.pct" and value > 0:
            self._persist("spo2_low", value < vitals.spo2_min_pct, ts_s, spo2_pct=value)
        elif metric == "battery.pct":
            self._battery(value, ts_s)
        elif metric == "wear.on":
            self._wear(value >= 1, ts_s)
        return self._take()

    def on_accel(self, start_s: float, samples: Samples) -> list[Finding]:
        """Feed a batch of accelerometer samples (n, 3) in g starting at ``start_s``."""
        self._seen(start_s)
        result = self.fall.on_batch(start_s, samples)
        if result is not None:
            logger.warning("fall detected for %s (%s)", self.resident_id, result.kind)
            self._find(
                "fall",
                result.at_s,
                "critical",
                kind=result.kind,
                peak_g=round(result.peak_g, 2),
                tilt_deg=round(result.tilt_deg, 1),
            )
        return self._take()

    def on_fix(self, lat: float, lon: float, ts_s: float) -> list[Finding]:
        """Feed one position fix; alarm after ``fence_exit_fixes`` fixes outside."""
        self._seen(ts_s)
        cfg = self.config
        if cfg.fence is None:
            return self._take()
        beyond = outside_m(cfg.fence, lat, lon)
        if beyond > 0:
            self.outside += 1
        elif beyond < -cfg.fence_margin_m or "geofence_exit" not in self.active:
            self.outside = 0
        if self.outside >= cfg.fence_exit_fixes and "geofence_exit" not in self.active:
            self.active.add("geofence_exit")
            # Caregivers must be able to find the person: a position rounded
            # to about 10 m goes with the alarm, and nothing else about them.
            self._find(
                "geofence_exit",
                ts_s,
                "major",
                outside_m=round(beyond, 1),
                lat=round(lat, 4),
                lon=round(lon, 4),
            )
        elif self.outside == 0 and "geofence_exit" in self.active:
            self.active.discard("geofence_exit")
            self._find("geofence_return", ts_s, "info", alarm=False)
        return self._take()

    def poll(self, now_s: float) -> list[Finding]:
        """Check silence and time off the body."""
        cfg = self.config
        if self.last_seen_s is not None and now_s - self.last_seen_s >= cfg.no_data_s:
            self._once("wearable_no_data", now_s, "minor", silent_s=round(now_s - self.last_seen_s))
        if self.off_since_s is not None and now_s - self.off_since_s >= cfg.not_worn_s:
            self._once("wearable_not_worn", now_s, "minor")
        return self._take()

    def _persist(self, event_type: str, out: bool, ts_s: float, **data: float) -> None:
        self.bad[event_type] = self.bad.get(event_type, 0) + 1 if out else 0
        if out and self.bad[event_type] >= self.config.vitals.persist_samples:
            self._once(event_type, ts_s, "major", **data)
        elif not out:
            self.active.discard(event_type)

    def _battery(self, pct: float, ts_s: float) -> None:
        if pct <= self.config.battery_low_pct:
            self._once("battery_low", ts_s, "minor", battery_pct=pct)
        elif pct >= self.config.battery_low_pct + 10:
            self.active.discard("battery_low")

    def _wear(self, worn: bool, ts_s: float) -> None:
        self.fall.worn = worn
        if worn:
            self.off_since_s = None
            self.active.discard("wearable_not_worn")
        elif self.off_since_s is None:
            self.off_since_s = ts_s

    def _seen(self, ts_s: float) -> None:
        self.last_seen_s = ts_s
        self.active.discard("wearable_no_data")

    def _once(self, event_type: str, at_s: float, severity: Severity, **data: Any) -> None:
        if event_type not in self.active:
            self.active.add(event_type)
            self._find(event_type, at_s, severity, **data)

    def _find(
        self, event_type: str, at_s: float, severity: Severity, *, alarm: bool = True, **data: Any
    ) -> None:
        self.found.append(
            Finding(
                event_type=event_type,
                device_id=self.config.device_id,
                at_s=at_s,
                severity=severity,
                alarm=alarm,
                data={"resident_id": self.resident_id, "household_id": self.household_id, **data},
            )
        )

    def _take(self) -> list[Finding]:
        found, self.found = self.found, []
        return found
