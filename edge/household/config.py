"""Configuration of household safety: detectors, valves, meters, residents, wearables.

Parsed from the gateway's YAML into these models; ``extra="forbid"`` makes a
typo an error. Defaults and where each number comes from are listed in
docs/household-safety.md. Config objects do no I/O.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from edge.egress import MOBILE_RE, RESIDENT_ID_RE

DeviceRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
# Residents are referred to by keyed pseudonyms only; the pattern plus the
# check below keep names, phone and ID numbers out of every id we emit.
ResidentRef = Annotated[str, StringConstraints(pattern=r"^r-[a-z0-9]{6,40}$")]
HouseholdRef = Annotated[str, StringConstraints(pattern=r"^h-[a-z0-9-]{1,40}$")]


class Model(BaseModel):
    """Base of config models: unknown keys refused, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class GasDetectorConfig(Model):
    """One household combustible-gas detector (reports %LEL, fault, tamper)."""

    device_id: DeviceRef = Field(description="Detector device id.")
    household_id: HouseholdRef = Field(description="Household whose valve it closes.")
    alarm_lel_pct: float = Field(
        default=10.0, gt=0, le=50, description="Concentration that starts an alarm (%LEL)."
    )
    clear_lel_pct: float = Field(
        default=5.0, ge=0, le=50, description="Below this the alarm clears (hysteresis, %LEL)."
    )
    high_lel_pct: float = Field(
        default=25.0, gt=0, le=100, description="At or above this the delay is skipped (%LEL)."
    )
    confirm_delay_s: float = Field(
        default=20.0,
        ge=15.0,
        le=60.0,
        description="Seconds above the alarm level before alarming; 15-60 s per the standard.",
    )
    stale_after_s: float = Field(
        default=120.0, gt=0, description="A detector silent this long counts as faulty."
    )

    @model_validator(mode="after")
    def _verify_levels(self) -> GasDetectorConfig:
        if not self.clear_lel_pct < self.alarm_lel_pct <= self.high_lel_pct:
            raise ValueError(
                "expected clear_lel_pct < alarm_lel_pct <= high_lel_pct, got "
                f"{self.clear_lel_pct} / {self.alarm_lel_pct} / {self.high_lel_pct}"
            )
        return self


class ValveConfig(Model):
    """The motorised shut-off valve of one household's gas supply."""

    device_id: DeviceRef = Field(description="Valve device id (commands name it).")
    household_id: HouseholdRef = Field(description="Household the valve supplies.")
    close_timeout_s: float = Field(
        default=15.0, gt=0, le=300, description="Closed must be confirmed within this time."
    )
    close_retries: int = Field(
        default=1, ge=0, le=5, description="Close commands re-sent before valve_failed."
    )


class MeterConfig(Model):
    """A cumulative water or gas meter."""

    device_id: DeviceRef = Field(description="Meter device id.")
    household_id: HouseholdRef = Field(description="Household the meter measures.")
    medium: Literal["water", "gas"] = Field(description="What the meter measures.")
    interval_s: float = Field(default=900.0, gt=0, description="Expected reporting interval.")
    leak_min_lph: float = Field(
        default=1.0, gt=0, description="An hour with at least this flow (L/h) counts as flowing."
    )
    leak_hours: int = Field(
        default=8, ge=1, le=72, description="Hours of uninterrupted flow that mean a leak."
    )
    night_start_hour: int = Field(
        default=2, ge=0, le=23, description="Local hour the minimum-night-flow window starts."
    )
    night_hours: int = Field(default=2, ge=1, le=8, description="Length of the night window.")
    night_flow_lph: float = Field(
        default=5.0, gt=0, description="Minimum night flow above this (L/h) is reported."
    )
    burst_lph: float = Field(
        default=1000.0, gt=0, description="Mean flow over one interval that means a burst (L/h)."
    )
    max_plausible_lph: float = Field(
        default=4000.0, gt=0, description="Faster apparent flow is an implausible jump (L/h)."
    )
    reverse_tolerance_l: float = Field(
        default=1.0, ge=0, description="Backward steps up to this (L) are meter resolution."
    )
    offline_intervals: int = Field(
        default=4, ge=1, description="Missing this many intervals reports the meter offline."
    )
    utc_offset_h: float = Field(default=8.0, description="Local time offset (China: +8).")

    @model_validator(mode="after")
    def _verify_flows(self) -> MeterConfig:
        if not self.leak_min_lph < self.burst_lph < self.max_plausible_lph:
            raise ValueError(
                "expected leak_min_lph < burst_lph < max_plausible_lph, got "
                f"{self.leak_min_lph} / {self.burst_lph} / {self.max_plausible_lph}"
            )
        return self


class AwayPeriod(Model):
    """A time range in which a resident is known to be away from home."""

    start_s: float = Field(description="Start, UTC epoch seconds.")
    end_s: float = Field(description="End, UTC epoch seconds.")
    set_by: str = Field(max_length=64, description="Operator or family account that set it.")

    @model_validator(mode="after")
    def _verify_range(self) -> AwayPeriod:
        if self.end_s <= self.start_s:
            raise ValueError(f"expected end_s > start_s, got {self.start_s} .. {self.end_s}")
        return self


class WelfareConfig(Model):
    """Welfare check of a resident living alone, from their water use."""

    window_h: float = Field(
        default=12.0, gt=0, le=72, description="Quiet window before a welfare check (hours)."
    )
    max_volume_l: float = Field(
        default=10.0, ge=0, description="Less water than this in the window is 'near zero' (L)."
    )
    learn_min_days: int = Field(
        default=7, ge=1, description="Days of history before the learned pattern is used."
    )
    learned_margin: float = Field(
        default=1.25, ge=1.0, description="Learned longest usual quiet gap times this margin."
    )
    min_window_h: float = Field(default=6.0, gt=0, description="Learned window lower bound.")
    max_window_h: float = Field(default=24.0, gt=0, description="Learned window upper bound.")
    excess_l_per_day: float = Field(
        default=1000.0, gt=0, description="More than this in 24 h suggests a leak (L)."
    )
    slot_min: int = Field(
        default=30, ge=5, le=120, description="Slot length for the every-slot rule (minutes)."
    )
    slot_hours: float = Field(
        default=24.0, gt=0, description="Use in every slot for this long suggests a tap left on."
    )
    no_presence_h: float = Field(
        default=12.0, gt=0, description="No room presence this long while home (hours)."
    )


class VitalsConfig(Model):
    """A resident's acceptable heart-rate and SpO2 range, set with their doctor."""

    hr_min_bpm: float = Field(default=45.0, gt=0, description="Lowest normal heart rate.")
    hr_max_bpm: float = Field(default=120.0, gt=0, description="Highest normal heart rate.")
    spo2_min_pct: float = Field(default=90.0, gt=0, le=100, description="Lowest normal SpO2.")
    persist_samples: int = Field(
        default=3, ge=1, le=60, description="Consecutive out-of-range samples before alarming."
    )


class CircleFence(Model):
    """A circular geofence."""

    type: Literal["circle"] = Field(description="Discriminator.")
    lat: float = Field(ge=-90, le=90, description="Centre latitude (WGS-84).")
    lon: float = Field(ge=-180, le=180, description="Centre longitude (WGS-84).")
    radius_m: float = Field(gt=0, le=50_000, description="Radius in metres.")


class PolygonFence(Model):
    """A polygonal geofence; vertices in order, not closed."""

    type: Literal["polygon"] = Field(description="Discriminator.")
    vertices: list[tuple[float, float]] = Field(
        min_length=3, max_length=256, description="(lat, lon) vertices (WGS-84)."
    )


Fence = Annotated[CircleFence | PolygonFence, Field(discriminator="type")]


class FallConfig(Model):
    """Thresholds of the fall detector; tuned only on training seeds (see docs)."""

    impact_g: float = Field(default=2.0, gt=1, description="Peak magnitude that is an impact.")
    slump_g: float = Field(default=1.45, gt=1, description="Peak accepted for a slow slump.")
    slump_deg: float = Field(default=40.0, gt=0, description="Tilt change of a slow slump.")
    lying_deg: float = Field(default=50.0, gt=0, lt=90, description="Tilt from upright = lying.")
    still_std_g: float = Field(default=0.08, gt=0, description="Post-event motion below = still.")
    post_s: float = Field(default=6.0, ge=3, le=20, description="Seconds watched after impact.")


class WearableConfig(Model):
    """A resident's wearable (bracelet or pendant)."""

    device_id: DeviceRef = Field(description="Wearable device id.")
    sample_hz: float = Field(default=50.0, gt=0, le=400, description="Accelerometer rate.")
    upright_axis: Literal["x", "y", "z"] = Field(
        default="z", description="Device axis pointing up when the wearer stands."
    )
    fall: FallConfig = Field(default_factory=FallConfig, description="Fall thresholds.")
    vitals: VitalsConfig = Field(default_factory=VitalsConfig, description="Vital ranges.")
    fence: Fence | None = Field(default=None, description="Geofence, if the resident wanders.")
    fence_exit_fixes: int = Field(default=3, ge=1, description="Outside fixes before alarming.")
    fence_margin_m: float = Field(default=20.0, ge=0, description="Hysteresis on re-entry.")
    battery_low_pct: float = Field(default=20.0, ge=0, le=100, description="Low battery level.")
    not_worn_s: float = Field(default=1800.0, gt=0, description="Off the wrist this long.")
    no_data_s: float = Field(default=900.0, gt=0, description="Silent this long = no data.")


class MonitorConfig(Model):
    """A home monitor: smoke detector, door contact or presence sensor."""

    device_id: DeviceRef = Field(description="Monitor device id.")
    household_id: HouseholdRef = Field(description="Household it is installed in.")
    kind: Literal["smoke", "door", "bed", "room"] = Field(description="What it senses.")
    door_open_max_s: float = Field(default=1800.0, gt=0, description="Door left open this long.")
    bed_exit_max_s: float = Field(
        default=1800.0, gt=0, description="Out of bed this long at night suggests a fall."
    )
    night_start_hour: int = Field(default=22, ge=0, le=23, description="Local night start.")
    night_end_hour: int = Field(default=6, ge=0, le=23, description="Local night end.")
    utc_offset_h: float = Field(default=8.0, description="Local time offset (China: +8).")


class ResidentConfig(Model):
    """An elderly resident living alone, by pseudonym only."""

    resident_id: ResidentRef = Field(description="Keyed pseudonym of the resident.")
    household_id: HouseholdRef = Field(description="Household the resident lives in.")
    welfare: WelfareConfig = Field(default_factory=WelfareConfig, description="Welfare check.")
    wearable: WearableConfig | None = Field(default=None, description="Their wearable.")
    away: list[AwayPeriod] = Field(default_factory=list, description="Known absences.")


class HouseholdSafetyConfig(Model):
    """Everything household safety needs on one gateway."""

    gas_detectors: list[GasDetectorConfig] = Field(default_factory=list, description="Detectors.")
    valves: list[ValveConfig] = Field(default_factory=list, description="Gas shut-off valves.")
    meters: list[MeterConfig] = Field(default_factory=list, description="Water and gas meters.")
    residents: list[ResidentConfig] = Field(default_factory=list, description="Residents.")
    monitors: list[MonitorConfig] = Field(default_factory=list, description="Home monitors.")

    @model_validator(mode="after")
    def _verify(self) -> HouseholdSafetyConfig:
        verify_unique_devices(self)
        verify_pseudonymous(self)
        return self


def verify_unique_devices(config: HouseholdSafetyConfig) -> None:
    """Each device id may appear once, so a reading routes to exactly one handler."""
    ids = [d.device_id for d in config.gas_detectors]
    ids += [v.device_id for v in config.valves]
    ids += [m.device_id for m in config.meters]
    ids += [m.device_id for m in config.monitors]
    ids += [r.wearable.device_id for r in config.residents if r.wearable]
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ValueError(f"expected unique device ids, got duplicates {dupes}")
    households = [v.household_id for v in config.valves]
    if len(set(households)) != len(households):
        raise ValueError("expected at most one gas valve per household")


def verify_pseudonymous(config: HouseholdSafetyConfig) -> None:
    """Refuse resident ids that look like a phone or ID number (they are emitted)."""
    for resident in config.residents:
        if MOBILE_RE.search(resident.resident_id) or RESIDENT_ID_RE.search(resident.resident_id):
            raise ValueError(
                f"resident id {resident.resident_id!r} contains a phone or ID number; "
                "use a keyed pseudonym"
            )
