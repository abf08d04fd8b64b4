"""Welfare check of residents living alone, from their household's water use.

Near-zero use over a window (default under 10 L in 12 h) raises a welfare
check. Once enough days are seen, the window follows the person's own
pattern: the 95th percentile of their longest daily quiet gap, times a
margin, clamped to configured bounds, so a late sleeper is not flagged every
morning and a very regular person is checked sooner. A window overlapping a
period marked away never alerts. The reverse, more than 1 m3 a day or use in
every half-hour slot for 24 h, suggests a leak or a tap left open.
Judgement is made at each meter reading, on data actually received.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from edge.household.config import AwayPeriod, WelfareConfig
from edge.household.findings import Finding

logger = logging.getLogger(__name__)

HOUR_S = 3600.0
DAY_S = 86400.0
HISTORY_DAYS = 30


@dataclass(slots=True)
class Welfare:
    """Incremental welfare state of one resident."""

    config: WelfareConfig
    resident_id: str
    household_id: str
    meter_id: str
    away: list[AwayPeriod] = field(default_factory=list)
    uses: deque[tuple[float, float]] = field(default_factory=deque)
    first_ts_s: float | None = None
    span_s: float = 0.0
    span_end_s: float = 0.0
    daily_gap_s: dict[int, float] = field(default_factory=dict)
    quiet_alerted: bool = False
    excess_alerted: bool = False
    continuous_alerted: bool = False
    slot_index: int | None = None
    slot_used: bool = False
    used_slots: int = 0
    learned_window_s: float | None = None

    def on_use(self, used_l: float, ts_s: float) -> list[Finding]:
        """Feed the litres used in the interval ending at ``ts_s``."""
        if self.first_ts_s is None:
            self.first_ts_s = ts_s
        self.uses.append((ts_s, used_l))
        horizon = ts_s - max(DAY_S, self.config.max_window_h * HOUR_S, self.window_s())
        while len(self.uses) > 1 and self.uses[0][0] <= horizon:
            self.uses.popleft()
        found: list[Finding] = []
        since = self.quiet_since()
        span = ts_s - since
        if span < self.span_s:
            self._span_ended(ts_s, found)
        self.span_s, self.span_end_s = span, ts_s
        self._check_quiet(since, ts_s, found)
        self._check_excess(ts_s, found)
        self._check_slots(used_l, ts_s, found)
        return found

    def quiet_since(self) -> float:
        """Start of the current quiet span: less than ``max_volume_l`` was used after it."""
        total = 0.0
        for t, litres in reversed(self.uses):
            total += litres
            if total >= self.config.max_volume_l:
                return t
        return self.uses[0][0] if self.first_ts_s is None else self.first_ts_s

    def window_s(self) -> float:
        """The quiet window now in force: learned once enough days are seen."""
        if self.learned_window_s is None:
            return self.config.window_h * HOUR_S
        return self.learned_window_s

    def is_away(self, start_s: float, end_s: float) -> bool:
        """True when any away period overlaps [start_s, end_s]."""
        return any(p.start_s < end_s and p.end_s > start_s for p in self.away)

    def _span_ended(self, resumed_s: float, found: list[Finding]) -> None:
        # Completed spans are learned, alerted ones too: a late sleeper's long
        # nights must teach the window. Absences are not the person's pattern.
        ended = self.span_end_s
        if not self.is_away(ended - self.span_s, ended):
            day = int(ended // DAY_S)
            self.daily_gap_s[day] = max(self.daily_gap_s.get(day, 0.0), self.span_s)
            for old in [d for d in self.daily_gap_s if d <= day - HISTORY_DAYS]:
                del self.daily_gap_s[old]
            self._learn()
        if self.quiet_alerted:
            self.quiet_alerted = False
            found.append(self._finding("welfare_resumed", resumed_s, alarm=False))

    def _learn(self) -> None:
        cfg = self.config
        if len(self.daily_gap_s) < cfg.learn_min_days:
            return
        usual = float(np.percentile(list(self.daily_gap_s.values()), 95))
        self.learned_window_s = min(
            max(usual * cfg.learned_margin, cfg.min_window_h * HOUR_S), cfg.max_window_h * HOUR_S
        )

    def _check_quiet(self, since: float, ts_s: float, found: list[Finding]) -> None:
        window = self.window_s()
        if self.quiet_alerted or ts_s - since < window or self.first_ts_s is None:
            return
        if self.first_ts_s > ts_s - window or self.is_away(ts_s - window, ts_s):
            return
        volume = sum(litres for t, litres in self.uses if t > ts_s - window)
        self.quiet_alerted = True
        logger.info(
            "welfare check for %s: %.1f L in %.1f h", self.resident_id, volume, window / HOUR_S
        )
        found.append(
            self._finding(
                "welfare_check",
                ts_s,
                severity="major",
                window_h=round(window / HOUR_S, 2),
                volume_l=round(volume, 2),
                quiet_since_s=since,
            )
        )

    def _check_excess(self, ts_s: float, found: list[Finding]) -> None:
        if self.first_ts_s is None or ts_s - self.first_ts_s < DAY_S:
            return
        day_l = sum(litres for t, litres in self.uses if t > ts_s - DAY_S)
        if day_l > self.config.excess_l_per_day and not self.excess_alerted:
            self.excess_alerted = True
            found.append(
                self._finding("water_excess", ts_s, severity="major", litres_24h=round(day_l, 1))
            )
        elif day_l <= self.config.excess_l_per_day / 2:
            self.excess_alerted = False

    def _check_slots(self, used_l: float, ts_s: float, found: list[Finding]) -> None:
        slot_s = self.config.slot_min * 60.0
        # A reading reports use up to ts_s, so it belongs to the slot ending there.
        index = int((ts_s - 0.001) // slot_s)
        if self.slot_index is None:
            self.slot_index = index
        if index != self.slot_index:
            consecutive = index == self.slot_index + 1
            self.used_slots = self.used_slots + 1 if self.slot_used and consecutive else 0
            self.slot_index, self.slot_used = index, False
        self.slot_used = self.slot_used or used_l > 0
        needed = self.config.slot_hours * HOUR_S / slot_s
        if self.used_slots >= needed and not self.continuous_alerted:
            self.continuous_alerted = True
            found.append(
                self._finding(
                    "water_continuous_use",
                    ts_s,
                    severity="major",
                    hours=round(self.used_slots * slot_s / HOUR_S, 1),
                )
            )
        elif self.used_slots == 0:
            self.continuous_alerted = False

    def _finding(
        self,
        event_type: str,
        at_s: float,
        *,
        severity: str = "info",
        alarm: bool = True,
        **data: float | None,
    ) -> Finding:
        return Finding(
            event_type=event_type,
            device_id=self.meter_id,
            at_s=at_s,
            severity="major" if severity == "major" else "info",
            alarm=alarm,
            data={"resident_id": self.resident_id, "household_id": self.household_id, **data},
        )
