"""Simulated household water and gas meters.

A meter reports its cumulative register (m3) like a real smart meter. Use
follows a daily pattern with random draws; profiles add a constant leak or
stop use entirely (an elderly resident who has not used water: the
welfare-check case). Deterministic for a seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from protocol.models import Reading

Profile = Literal["normal", "leak", "inactive"]

# Litres per hour of a typical household by hour of day (morning and evening peaks).
_WATER_L_PER_H = [
    2,
    1,
    1,
    1,
    2,
    8,
    25,
    30,
    18,
    10,
    8,
    12,
    20,
    10,
    6,
    6,
    8,
    14,
    28,
    30,
    24,
    18,
    10,
    4,
]
_LEAK_L_PER_H = 15.0


@dataclass
class SimulatedMeter:
    """One meter; ``read(now)`` advances the register to ``now`` and returns a reading."""

    device_id: str
    medium: Literal["water", "gas"]
    profile: Profile = "normal"
    seed: int = 0
    total_m3: float = 100.0
    _last: datetime | None = None
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"{self.device_id}/{self.seed}")

    @property
    def metric(self) -> str:
        """Metric name of the register."""
        return f"{self.medium}.total_m3"

    def read(self, now: datetime | None = None) -> Reading:
        """Advance to ``now`` and report the register."""
        now = now or datetime.now(UTC)
        if self._last is not None:
            hours = max(0.0, (now - self._last).total_seconds() / 3600)
            self.total_m3 += self._use_litres(now.hour, hours) / 1000
        self._last = now
        return Reading(
            device_id=self.device_id, metric=self.metric, ts=now, value=round(self.total_m3, 6)
        )

    def _use_litres(self, hour: int, hours: float) -> float:
        if self.profile == "inactive":
            return 0.0
        rate = _WATER_L_PER_H[hour] * (0.4 if self.medium == "gas" else 1.0)
        use = rate * hours * self._rng.lognormvariate(0, 0.5)
        if self.profile == "leak":
            use += _LEAK_L_PER_H * hours
        return use if math.isfinite(use) else 0.0
