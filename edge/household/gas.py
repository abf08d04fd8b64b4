"""Household combustible-gas detector logic: confirmation delay, fast path, hysteresis.

A reading at or above ``alarm_lel_pct`` starts a confirmation timer so a
short cooking-fume transient does not trip the valve; the alarm is confirmed
when the concentration has stayed at or above ``clear_lel_pct`` for
``confirm_delay_s``. A reading at or above ``high_lel_pct`` alarms at once.
The alarm clears only below ``clear_lel_pct`` (hysteresis), and clearing
never re-opens the valve: that takes an authorised command.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from edge.household.config import GasDetectorConfig

logger = logging.getLogger(__name__)


class GasLevel(StrEnum):
    """Detector state."""

    NORMAL = "normal"
    PENDING = "pending"
    ALARM = "alarm"


class GasDecision(StrEnum):
    """What a reading or a poll decided."""

    ALARM_CONFIRMED = "confirmed"
    ALARM_HIGH = "high"
    CLEARED = "cleared"
    FAULT = "fault"
    TAMPER = "tamper"
    STALE = "stale"


@dataclass(slots=True)
class GasDetector:
    """Incremental state of one detector."""

    config: GasDetectorConfig
    level: GasLevel = GasLevel.NORMAL
    pending_since_s: float | None = None
    last_lel: float | None = None
    last_seen_s: float | None = None
    fault: bool = False
    tamper: bool = False
    stale: bool = False

    def on_lel(self, lel_pct: float, now_s: float) -> GasDecision | None:
        """Feed one concentration reading; return a decision when the state changes."""
        self.last_lel = lel_pct
        self._seen(now_s)
        cfg = self.config
        if self.level is GasLevel.ALARM:
            if lel_pct < cfg.clear_lel_pct:
                self.level = GasLevel.NORMAL
                return GasDecision.CLEARED
            return None
        if lel_pct >= cfg.high_lel_pct:
            return self._alarm(GasDecision.ALARM_HIGH)
        if self.level is GasLevel.PENDING:
            if lel_pct < cfg.clear_lel_pct:
                logger.debug("gas %s: transient ended before confirmation", cfg.device_id)
                self.level, self.pending_since_s = GasLevel.NORMAL, None
                return None
            return self.poll(now_s)
        if lel_pct >= cfg.alarm_lel_pct:
            self.level, self.pending_since_s = GasLevel.PENDING, now_s
        return None

    def poll(self, now_s: float) -> GasDecision | None:
        """Advance timers: confirm a pending alarm, notice a silent detector."""
        if (
            self.level is GasLevel.PENDING
            and self.pending_since_s is not None
            and now_s - self.pending_since_s >= self.config.confirm_delay_s
        ):
            return self._alarm(GasDecision.ALARM_CONFIRMED)
        silent = self.last_seen_s is None or now_s - self.last_seen_s > self.config.stale_after_s
        if silent and not self.stale and self.last_seen_s is not None:
            self.stale = True
            return GasDecision.STALE
        return None

    def on_flag(self, flag: str, raised: bool, now_s: float) -> GasDecision | None:
        """Feed a fault or tamper flag; return a decision when it is newly raised."""
        self._seen(now_s)
        was = self.fault if flag == "fault" else self.tamper
        if flag == "fault":
            self.fault = raised
        else:
            self.tamper = raised
        if raised and not was:
            return GasDecision.FAULT if flag == "fault" else GasDecision.TAMPER
        return None

    def is_safe_to_reopen(self, now_s: float) -> str | None:
        """None when this detector shows normal air now; otherwise the reason it does not."""
        cfg = self.config
        if self.fault or self.tamper:
            return f"detector {cfg.device_id} reports a fault or tamper; inspect it first"
        if self.last_seen_s is None or now_s - self.last_seen_s > cfg.stale_after_s:
            return f"detector {cfg.device_id} has no fresh reading; cannot confirm normal air"
        if self.level is not GasLevel.NORMAL or (self.last_lel or 0.0) >= cfg.clear_lel_pct:
            return (
                f"detector {cfg.device_id} reads {self.last_lel} %LEL; it must be below "
                f"{cfg.clear_lel_pct} %LEL before the valve may re-open"
            )
        return None

    def _alarm(self, decision: GasDecision) -> GasDecision:
        self.level, self.pending_since_s = GasLevel.ALARM, None
        return decision

    def _seen(self, now_s: float) -> None:
        self.last_seen_s = now_s
        self.stale = False
