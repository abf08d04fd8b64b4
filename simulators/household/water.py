"""Household water (or gas) meter series with ground truth, vectorised over households.

Use is drawn per reporting interval: a Poisson number of draw-offs whose rate
follows a daily pattern (morning, midday and evening peaks, quiet nights),
each draw-off a gamma-distributed volume. Scenarios add a leak, a burst, a
resident who stops using water (incapacitated), or an away period. Totals are
cumulative in m3 at the meter's 1 L resolution, as a real register reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
HOUR_S = 3600.0
# Relative draw-off rate per local hour: quiet 0-5, peaks at 7, 12 and 19-20.
HOURLY_RATE = np.array(
    [
        0.05,
        0.03,
        0.02,
        0.02,
        0.03,
        0.2,
        0.8,
        1.5,
        1.0,
        0.6,
        0.5,
        0.7,
        1.0,
        0.7,
        0.4,
        0.4,
        0.5,
        0.8,
        1.2,
        1.4,
        1.2,
        0.8,
        0.4,
        0.15,
    ]
)
SCENARIOS = ("normal", "leak", "burst", "inactive", "away")


@dataclass(frozen=True, slots=True)
class MeterSeries:
    """Readings of one meter; ``truth`` holds the scenario and its times (epoch s)."""

    device_id: str
    ts_s: Floats
    total_m3: Floats
    truth: dict[str, float | str] = field(default_factory=dict)


def draw_use(
    rng: np.random.Generator,
    ts_s: Floats,
    households: int,
    *,
    interval_s: float,
    draws_per_day: float = 25.0,
    mean_l: float = 8.0,
    utc_offset_h: float = 8.0,
) -> Floats:
    """Litres used per household and interval, shape (households, len(ts_s))."""
    hour = (((ts_s + utc_offset_h * HOUR_S) // HOUR_S) % 24).astype(int)
    per_hour = HOURLY_RATE / HOURLY_RATE.sum() * draws_per_day
    activity = rng.uniform(0.6, 1.4, (households, 1))
    lam = activity * per_hour[hour][None, :] * interval_s / HOUR_S
    draws = rng.poisson(lam)
    shape = 1.5
    litres = rng.gamma(np.maximum(draws * shape, 1e-9), mean_l / shape)
    return np.asarray(np.where(draws > 0, litres, 0.0))


def to_totals(used_l: Floats, start_m3: Floats) -> Floats:
    """Cumulative register readings (m3, 1 L resolution) from litres per interval."""
    litres = np.cumsum(used_l, axis=-1) + start_m3[..., None] * 1000.0
    return np.asarray(np.floor(litres) / 1000.0)


def household_series(
    seed: int,
    scenario: str,
    *,
    start_s: float,
    days: float = 3.0,
    interval_s: float = 900.0,
    device_id: str = "wm-0001",
) -> MeterSeries:
    """One meter under ``scenario`` (see SCENARIOS) with its ground truth."""
    if scenario not in SCENARIOS:
        raise ValueError(f"expected a scenario in {SCENARIOS}, got {scenario!r}")
    rng = np.random.default_rng(seed)
    ts = start_s + interval_s * np.arange(1, int(days * 86400 / interval_s) + 1, dtype=np.float64)
    used = draw_use(rng, ts, 1, interval_s=interval_s)[0]
    event_s = float(start_s + rng.uniform(0.4, 0.6) * days * 86400)
    truth: dict[str, float | str] = {"scenario": scenario, "event_s": event_s}
    after = ts > event_s
    if scenario == "leak":
        rate = float(rng.uniform(3, 30))
        used = used + np.where(after, rate * interval_s / HOUR_S, 0.0)
        truth["leak_lph"] = rate
    elif scenario == "burst":
        rate = float(rng.uniform(1500, 3000))
        burst = after & (ts <= event_s + rng.uniform(0.5, 2.0) * HOUR_S + interval_s)
        used = used + np.where(burst, rate * interval_s / HOUR_S, 0.0)
        truth["burst_lph"] = rate
    elif scenario == "inactive":
        used = np.where(after, 0.0, used)
        last = ts[(~after) & (used >= 1.0)]
        truth["last_use_s"] = float(last[-1]) if last.size else start_s
    elif scenario == "away":
        back_s = event_s + float(rng.uniform(24, 48)) * HOUR_S
        used = np.where(after & (ts <= back_s), 0.0, used)
        truth["away_end_s"] = back_s
    totals = to_totals(used, np.array(rng.uniform(10, 500)))
    return MeterSeries(device_id, ts, totals, truth)
