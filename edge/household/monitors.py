"""Home monitors: smoke detectors, door contacts, bed and room presence sensors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from edge.household.config import MonitorConfig
from edge.household.findings import Finding, Findings

HOUR_S = 3600.0
METRIC_OF_KIND = {
    "smoke": "smoke.alarm",
    "door": "door.open",
    "bed": "presence.bed",
    "room": "presence.room",
}
AwayCheck = Callable[[str, float, float], bool]


@dataclass(slots=True)
class Monitor:
    """Incremental state of one monitor; ``state`` is its last binary value."""

    config: MonitorConfig
    no_presence_s: float = 12 * HOUR_S
    state: bool | None = None
    since_s: float | None = None
    last_present_s: float | None = None
    findings: Findings = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        self.findings = Findings(cfg.device_id, {"household_id": cfg.household_id})

    def on_value(self, value: bool, ts_s: float) -> list[Finding]:
        """Feed one binary reading (1 = smoke / open / present)."""
        kind = self.config.kind
        if value != self.state:
            self.state, self.since_s = value, ts_s
        if kind == "smoke":
            if value:
                self.findings.once("smoke_alarm", ts_s, "critical")
            elif self.findings.clear("smoke_alarm"):
                self.findings.add("smoke_cleared", ts_s, "info", alarm=False)
        elif not value and kind == "door":
            self.findings.clear("door_left_open")
        elif value and kind == "bed":
            self.findings.clear("bed_exit_long")
        elif value and kind == "room":
            self.last_present_s = ts_s
            self.findings.clear("no_presence")
        return self.findings.take()

    def poll(self, now_s: float, is_away: AwayCheck) -> list[Finding]:
        """Check how long a door has stood open, a bed been empty at night, a home been still."""
        cfg = self.config
        held = now_s - self.since_s if self.since_s is not None else 0.0
        if cfg.kind == "door" and self.state and held >= cfg.door_open_max_s:
            self.findings.once("door_left_open", now_s, "minor", open_s=round(held))
        elif (
            cfg.kind == "bed"
            and self.state is False
            and self.since_s is not None
            and self._night(self.since_s)
            and held >= cfg.bed_exit_max_s
        ):
            self.findings.once("bed_exit_long", now_s, "major", out_of_bed_s=round(held))
        elif cfg.kind == "room" and self.last_present_s is not None:
            quiet = now_s - self.last_present_s
            if quiet >= self.no_presence_s and not is_away(
                cfg.household_id, self.last_present_s, now_s
            ):
                self.findings.once("no_presence", now_s, "major", quiet_h=round(quiet / HOUR_S, 1))
        return self.findings.take()

    def _night(self, ts_s: float) -> bool:
        cfg = self.config
        hour = int(((ts_s + cfg.utc_offset_h * HOUR_S) // HOUR_S) % 24)
        if cfg.night_start_hour <= cfg.night_end_hour:
            return cfg.night_start_hour <= hour < cfg.night_end_hour
        return hour >= cfg.night_start_hour or hour < cfg.night_end_hour
