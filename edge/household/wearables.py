"""Wearables of elderly residents: SOS, falls, vitals, geofence, battery, wear and silence.

Vitals alarm only after ``persist_samples`` consecutive out-of-range samples
so one bad optical reading does not page a caregiver; every alarm re-arms
when the condition clears. A heart rate of 0 means no optical contact and is
left to the wear monitor, not treated as a vital sign.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from edge.household.config import WearableConfig
from edge.household.fall import FallDetector, Samples
from edge.household.findings import Finding, Findings
from edge.household.geofence import outside_m

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
    off_since_s: float | None = None
    outside: int = 0
    findings: Findings = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        self.fall = FallDetector(cfg.fall, sample_hz=cfg.sample_hz, upright_axis=cfg.upright_axis)
        context = {"resident_id": self.resident_id, "household_id": self.household_id}
        self.findings = Findings(cfg.device_id, context)

    def on_metric(self, metric: str, value: float, ts_s: float) -> list[Finding]:
        """Feed one scalar reading (sos.pressed, hr.bpm, spo2.pct, battery.pct, wear.on)."""
        self._seen(ts_s)
        vitals = self.config.vitals
        if metric == "sos.pressed" and value >= 1 and ts_s - self.last_sos_s >= SOS_DEBOUNCE_S:
            self.last_sos_s = ts_s
            self.findings.add("sos", ts_s, "critical")
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
        return self.findings.take()

    def on_accel(self, start_s: float, samples: Samples) -> list[Finding]:
        """Feed a batch of accelerometer samples (n, 3) in g starting at ``start_s``."""
        self._seen(start_s)
        result = self.fall.on_batch(start_s, samples)
        if result is not None:
            logger.warning("fall detected for %s (%s)", self.resident_id, result.kind)
            self.findings.add(
                "fall",
                result.at_s,
                "critical",
                kind=result.kind,
                peak_g=round(result.peak_g, 2),
                tilt_deg=round(result.tilt_deg, 1),
            )
        return self.findings.take()

    def on_fix(self, lat: float, lon: float, ts_s: float) -> list[Finding]:
        """Feed one position fix; alarm after ``fence_exit_fixes`` fixes outside."""
        self._seen(ts_s)
        cfg = self.config
        if cfg.fence is None:
            return self.findings.take()
        beyond = outside_m(cfg.fence, lat, lon)
        if beyond > 0:
            self.outside += 1
        elif beyond < -cfg.fence_margin_m or "geofence_exit" not in self.findings.standing:
            self.outside = 0
        if self.outside >= cfg.fence_exit_fixes:
            # Caregivers must be able to find the person: a position rounded
            # to about 10 m goes with the alarm, and nothing else about them.
            self.findings.once(
                "geofence_exit",
                ts_s,
                "major",
                outside_m=round(beyond, 1),
                lat=round(lat, 4),
                lon=round(lon, 4),
            )
        elif self.outside == 0 and self.findings.clear("geofence_exit"):
            self.findings.add("geofence_return", ts_s, "info", alarm=False)
        return self.findings.take()

    def poll(self, now_s: float) -> list[Finding]:
        """Check silence and time off the body."""
        cfg = self.config
        if self.last_seen_s is not None and now_s - self.last_seen_s >= cfg.no_data_s:
            self.findings.once(
                "wearable_no_data", now_s, "minor", silent_s=round(now_s - self.last_seen_s)
            )
        if self.off_since_s is not None and now_s - self.off_since_s >= cfg.not_worn_s:
            self.findings.once("wearable_not_worn", now_s, "minor")
        return self.findings.take()

    def _persist(self, event_type: str, out: bool, ts_s: float, **data: float) -> None:
        self.bad[event_type] = self.bad.get(event_type, 0) + 1 if out else 0
        if out and self.bad[event_type] >= self.config.vitals.persist_samples:
            self.findings.once(event_type, ts_s, "major", **data)
        elif not out:
            self.findings.clear(event_type)

    def _battery(self, pct: float, ts_s: float) -> None:
        if pct <= self.config.battery_low_pct:
            self.findings.once("battery_low", ts_s, "minor", battery_pct=pct)
        elif pct >= self.config.battery_low_pct + 10:
            self.findings.clear("battery_low")

    def _wear(self, worn: bool, ts_s: float) -> None:
        self.fall.worn = worn
        if worn:
            self.off_since_s = None
            self.findings.clear("wearable_not_worn")
        elif self.off_since_s is None:
            self.off_since_s = ts_s

    def _seen(self, ts_s: float) -> None:
        self.last_seen_s = ts_s
        self.findings.clear("wearable_no_data")
