"""Cumulative water/gas meter readings to consumption, flow and anomalies, per meter.

Each reading is processed incrementally: its consumption since the previous
reading is spread evenly over the hours it spans, and each completed hour is
checked for uninterrupted flow (leak) and, inside the night window, for the
minimum night flow. A single interval's mean flow is checked for a burst.
Counters going backwards or jumping faster than any household pipe can flow
are reported and re-baselined, never turned into consumption.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

from edge.household.config import MeterConfig
from edge.household.findings import Finding, Findings

logger = logging.getLogger(__name__)

HOUR_S = 3600.0


@dataclass(frozen=True, slots=True)
class MeterUpdate:
    """Result of one reading: litres used since the previous one, over how long."""

    used_l: float
    interval_s: float
    findings: list[Finding]


@dataclass(slots=True)
class Meter:
    """Incremental state of one meter."""

    config: MeterConfig
    last_total_m3: float | None = None
    last_ts_s: float | None = None
    bucket_start_s: float | None = None
    bucket_l: float = 0.0
    flowing_hours: int = 0
    night_min_lph: float | None = None
    offline: bool = False
    out_of_order: int = 0
    findings: Findings = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        self.findings = Findings(cfg.device_id, {"household_id": cfg.household_id})

    def on_total(self, total_m3: float, ts_s: float) -> MeterUpdate:
        """Feed one cumulative reading (m3) taken at ``ts_s``."""
        if self.offline:
            self.offline = False
            self.findings.add("meter_online", ts_s, "info", alarm=False)
        if self.last_total_m3 is None or self.last_ts_s is None:
            self.last_total_m3, self.last_ts_s = total_m3, ts_s
            self.bucket_start_s = math.floor(ts_s / HOUR_S) * HOUR_S
            return MeterUpdate(0.0, 0.0, self.findings.take())
        if ts_s <= self.last_ts_s:
            self.out_of_order += 1
            logger.debug("meter %s: reading not newer than the last; ignored", self.device_id)
            return MeterUpdate(0.0, 0.0, self.findings.take())
        used_l = (total_m3 - self.last_total_m3) * 1000.0
        dt_s = ts_s - self.last_ts_s
        used_l = self._screen(used_l, dt_s, total_m3, ts_s)
        self._spread(used_l, self.last_ts_s, ts_s)
        self._check_burst(used_l / (dt_s / HOUR_S), ts_s)
        self.last_ts_s = ts_s
        return MeterUpdate(used_l, dt_s, self.findings.take())

    def poll(self, now_s: float) -> list[Finding]:
        """Report the meter offline once it missed ``offline_intervals`` readings."""
        cfg = self.config
        if (
            not self.offline
            and self.last_ts_s is not None
            and now_s - self.last_ts_s > cfg.offline_intervals * cfg.interval_s
        ):
            self.offline = True
            self.findings.add("meter_offline", now_s, "minor", silent_s=now_s - self.last_ts_s)
        return self.findings.take()

    @property
    def device_id(self) -> str:
        """The meter's device id."""
        return self.config.device_id

    def _screen(self, used_l: float, dt_s: float, total_m3: float, ts_s: float) -> float:
        cfg = self.config
        if used_l < -cfg.reverse_tolerance_l:
            self.findings.add("meter_reversed", ts_s, "minor", step_l=round(used_l, 3))
            self.last_total_m3 = total_m3
            return 0.0
        if used_l < 0:
            # Within resolution: keep the higher baseline so it is not counted twice.
            return 0.0
        if used_l / (dt_s / HOUR_S) > cfg.max_plausible_lph:
            self.findings.add("meter_implausible", ts_s, "minor", step_l=round(used_l, 3))
            self.last_total_m3 = total_m3
            return 0.0
        self.last_total_m3 = total_m3
        return used_l

    def _spread(self, used_l: float, start_s: float, end_s: float) -> None:
        rate = used_l / (end_s - start_s)
        cursor = start_s
        while cursor < end_s:
            assert self.bucket_start_s is not None
            bucket_end = self.bucket_start_s + HOUR_S
            seg_end = min(end_s, bucket_end)
            self.bucket_l += rate * (seg_end - cursor)
            cursor = seg_end
            if seg_end >= bucket_end:
                self._close_hour(self.bucket_start_s, self.bucket_l)
                self.bucket_start_s, self.bucket_l = bucket_end, 0.0

    def _close_hour(self, start_s: float, litres: float) -> None:
        cfg = self.config
        end_s = start_s + HOUR_S
        if litres >= cfg.leak_min_lph:
            self.flowing_hours += 1
        else:
            self.flowing_hours = 0
            self.findings.clear(f"{cfg.medium}_leak")
        if self.flowing_hours >= cfg.leak_hours:
            self.findings.once(f"{cfg.medium}_leak", end_s, "major", hours=self.flowing_hours)
        hour = int(((start_s + cfg.utc_offset_h * HOUR_S) // HOUR_S) % 24)
        into_night = (hour - cfg.night_start_hour) % 24
        if into_night >= cfg.night_hours:
            return
        self.night_min_lph = (
            litres if self.night_min_lph is None else min(self.night_min_lph, litres)
        )
        if into_night == cfg.night_hours - 1:
            mnf, self.night_min_lph = self.night_min_lph, None
            if mnf > cfg.night_flow_lph:
                self.findings.add(
                    f"{cfg.medium}_night_flow", end_s, "minor", min_night_lph=round(mnf, 2)
                )

    def _check_burst(self, flow_lph: float, ts_s: float) -> None:
        cfg = self.config
        if flow_lph >= cfg.burst_lph:
            self.findings.once(f"{cfg.medium}_burst", ts_s, "major", flow_lph=round(flow_lph, 1))
        elif flow_lph < cfg.burst_lph / 2:
            self.findings.clear(f"{cfg.medium}_burst")
