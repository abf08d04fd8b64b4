"""The gas interlock: close the household's valve locally, confirm it, re-open on authority.

Order matters: on an alarm decision the valve is commanded first and the
event emitted second, so nothing on the publishing path (outbox, broker,
hub) can delay or prevent the shut-off.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field

from edge.household.config import GasDetectorConfig, ValveConfig
from edge.household.emit import Emitter
from edge.household.gas import GasDecision, GasDetector
from edge.household.valve import ValveDriver, ValvePosition

logger = logging.getLogger(__name__)

_DECISION_EVENT = {
    GasDecision.FAULT: "gas_detector_fault",
    GasDecision.TAMPER: "gas_detector_tamper",
    GasDecision.STALE: "gas_detector_offline",
}


@dataclass(slots=True)
class ValveState:
    """Where the interlock's valve stands."""

    config: ValveConfig
    driver: ValveDriver
    closing_since_s: float | None = None
    attempts: int = 0
    failed: bool = False


@dataclass(slots=True)
class Household:
    """Detectors of one household and its valve (a household may have no valve)."""

    household_id: str
    detectors: list[GasDetector] = field(default_factory=list)
    valve: ValveState | None = None


class GasInterlock:
    """Routes detector readings to decisions and decisions to the valve."""

    def __init__(
        self,
        *,
        detectors: list[GasDetectorConfig],
        valves: list[tuple[ValveConfig, ValveDriver]],
        emitter: Emitter,
    ) -> None:
        self._emitter = emitter
        self.households: dict[str, Household] = {}
        self.by_device: dict[str, GasDetector] = {}
        for cfg in detectors:
            detector = GasDetector(cfg)
            self.by_device[cfg.device_id] = detector
            self._household(cfg.household_id).detectors.append(detector)
        self.valves: dict[str, ValveState] = {}
        for vcfg, driver in valves:
            state = ValveState(vcfg, driver)
            self.valves[vcfg.device_id] = state
            self._household(vcfg.household_id).valve = state
        # Decision-to-close times, kept for stats and the benchmark; bounded
        # because a gateway runs for months.
        self.latencies_ms: deque[float] = deque(maxlen=10_000)

    def on_lel(self, device_id: str, lel_pct: float, now_s: float) -> None:
        """Feed a concentration reading."""
        detector = self.by_device[device_id]
        self._act(detector, detector.on_lel(lel_pct, now_s), now_s)

    def on_flag(self, device_id: str, flag: str, raised: bool, now_s: float) -> None:
        """Feed a fault or tamper flag."""
        detector = self.by_device[device_id]
        self._act(detector, detector.on_flag(flag, raised, now_s), now_s)

    def poll(self, now_s: float) -> None:
        """Advance confirmation timers and check valve feedback."""
        for detector in self.by_device.values():
            self._act(detector, detector.poll(now_s), now_s)
        for valve in self.valves.values():
            self._check_valve(valve, now_s)

    def close(self, household_id: str, now_s: float) -> ValveState | None:
        """Command the household's valve closed and latch it; return it (None if no valve)."""
        valve = self.households[household_id].valve
        if valve is None:
            return None
        valve.driver.command_close(now_s)
        valve.failed = False
        valve.closing_since_s, valve.attempts = now_s, 1
        return valve

    def _act(self, detector: GasDetector, decision: GasDecision | None, now_s: float) -> None:
        if decision is None:
            return
        cfg = detector.config
        if decision in (GasDecision.ALARM_CONFIRMED, GasDecision.ALARM_HIGH):
            self._trip(detector, decision, now_s)
        elif decision is GasDecision.CLEARED:
            self._emitter.emit(
                event_type="gas_cleared",
                device_id=cfg.device_id,
                at_s=now_s,
                data={"household_id": cfg.household_id, "lel_pct": detector.last_lel},
            )
        else:
            # A detector that cannot see gas is itself a hazard: staff must look.
            self._emitter.emit(
                event_type=_DECISION_EVENT[decision],
                device_id=cfg.device_id,
                at_s=now_s,
                severity="major",
                alarm=True,
                data={"household_id": cfg.household_id},
            )

    def _trip(self, detector: GasDetector, decision: GasDecision, now_s: float) -> None:
        decided = time.perf_counter()
        cfg = detector.config
        valve = self.close(cfg.household_id, now_s)
        self.latencies_ms.append((time.perf_counter() - decided) * 1000.0)
        logger.warning("gas alarm at %s (%s); valve commanded closed", cfg.device_id, decision)
        self._emitter.emit(
            event_type="gas_alarm",
            device_id=cfg.device_id,
            at_s=now_s,
            severity="critical",
            alarm=True,
            data={
                "household_id": cfg.household_id,
                "lel_pct": detector.last_lel,
                "trigger": decision.value,
                "valve_id": valve.config.device_id if valve else None,
                "valve_commanded": valve is not None,
            },
        )

    def _check_valve(self, valve: ValveState, now_s: float) -> None:
        if valve.closing_since_s is None:
            return
        cfg = valve.config
        if valve.driver.position(now_s) is ValvePosition.CLOSED:
            valve.closing_since_s = None
            self._emitter.emit(
                event_type="valve_closed",
                device_id=cfg.device_id,
                at_s=now_s,
                severity="major",
                data={"household_id": cfg.household_id, "attempts": valve.attempts},
            )
            return
        if now_s - valve.closing_since_s < cfg.close_timeout_s:
            return
        if valve.attempts <= cfg.close_retries:
            logger.warning("valve %s not closed in time; retrying", cfg.device_id)
            valve.driver.command_close(now_s)
            valve.closing_since_s, valve.attempts = now_s, valve.attempts + 1
            return
        valve.closing_since_s, valve.failed = None, True
        self._emitter.emit(
            event_type="valve_failed",
            device_id=cfg.device_id,
            at_s=now_s,
            severity="critical",
            alarm=True,
            data={
                "household_id": cfg.household_id,
                "position": valve.driver.position(now_s).value,
                "attempts": valve.attempts,
                "detail": "closed position not confirmed; shut the supply manually",
            },
        )

    def _household(self, household_id: str) -> Household:
        return self.households.setdefault(household_id, Household(household_id))
