"""HouseholdSafety: the one object the edge agent feeds readings, payloads and commands.

Time comes from an injected clock (UTC epoch seconds) so every timer, from
the gas confirmation delay to the welfare window, is deterministic in tests.
Call ``poll()`` about once a second: it fires timers that no reading would.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from edge.egress import EgressGate
from edge.household.commands import COMMANDS, CommandHandler
from edge.household.config import HouseholdSafetyConfig
from edge.household.emit import Emitter
from edge.household.errors import HouseholdConfigError, PayloadError
from edge.household.findings import Finding
from edge.household.interlock import GasInterlock
from edge.household.meters import Meter
from edge.household.monitors import METRIC_OF_KIND, Monitor
from edge.household.payloads import Accel, Fix, Input, Scalar, check_value, parse
from edge.household.valve import ValveDriver
from edge.household.wearables import Wearable
from edge.household.welfare import HOUR_S, Welfare
from edge.sink import Sink
from protocol.models import Command, CommandAck, Reading

logger = logging.getLogger(__name__)

WEARABLE_METRICS = frozenset({"sos.pressed", "hr.bpm", "spo2.pct", "battery.pct", "wear.on"})


class HouseholdSafety:
    """Gas interlock, meters, welfare, wearables and monitors of one gateway.

    ``valves`` maps each configured valve id to its driver; ``clock`` returns
    UTC epoch seconds; ``egress`` is the privacy gate events must pass.
    """

    def __init__(
        self,
        *,
        gateway_id: str,
        config: HouseholdSafetyConfig,
        sink: Sink,
        valves: Mapping[str, ValveDriver],
        clock: Callable[[], float] = time.time,
        egress: EgressGate | None = None,
    ) -> None:
        missing = [v.device_id for v in config.valves if v.device_id not in valves]
        if missing:
            raise HouseholdConfigError([f"expected a driver for valve {v}" for v in missing])
        self.clock = clock
        self.emitter = Emitter(gateway_id=gateway_id, sink=sink, egress=egress or EgressGate())
        self.interlock = GasInterlock(
            detectors=config.gas_detectors,
            valves=[(v, valves[v.device_id]) for v in config.valves],
            emitter=self.emitter,
        )
        self.meters = {m.device_id: Meter(m) for m in config.meters}
        self.welfare = {
            r.resident_id: Welfare(r.welfare, r.resident_id, r.household_id, "", list(r.away))
            for r in config.residents
        }
        self._by_household: dict[str, list[Welfare]] = {}
        for w in self.welfare.values():
            self._by_household.setdefault(w.household_id, []).append(w)
        self._welfare_by_meter = self._link_meters(config)
        self.wearables = {
            r.wearable.device_id: Wearable(r.wearable, r.resident_id, r.household_id)
            for r in config.residents
            if r.wearable
        }
        self.monitors = {m.device_id: Monitor(m) for m in config.monitors}
        for monitor in self.monitors.values():
            residents = self._by_household.get(monitor.config.household_id, [])
            hours = [w.config.no_presence_h for w in residents]
            monitor.no_presence_s = min(hours, default=12.0) * HOUR_S
        self.commands = CommandHandler(
            interlock=self.interlock,
            welfare=self.welfare,
            emitter=self.emitter,
        )
        self.errors: Counter[str] = Counter()

    def on_reading(self, reading: Reading) -> bool:
        """Feed one protocol reading; False (counted, logged) when it is refused."""
        try:
            value = check_value(reading.device_id, reading.metric, reading.value)
            self._scalar(Scalar(reading.device_id, reading.metric, reading.ts.timestamp(), value))
        except PayloadError as exc:
            self._refused(exc)
            return False
        return True

    def on_payload(self, raw: bytes | Mapping[str, object]) -> bool:
        """Validate and feed one raw device payload; False (counted, logged) when refused."""
        try:
            self.ingest(parse(raw))
        except PayloadError as exc:
            self._refused(exc)
            return False
        return True

    def ingest(self, item: Input) -> None:
        """Feed one validated input; raises PayloadError for an unknown device."""
        if isinstance(item, Scalar):
            self._scalar(item)
        elif isinstance(item, Accel):
            wearable = self._wearable(item.device_id, "accel.g")
            self._emit(wearable.on_accel(item.ts_s, item.samples))
        elif isinstance(item, Fix):
            wearable = self._wearable(item.device_id, "geo.fix")
            self._emit(wearable.on_fix(item.lat, item.lon, item.ts_s))

    def handle_command(self, cmd: Command) -> CommandAck:
        """Apply a household-safety command; refusals come back as rejected acks."""
        return self.commands.handle(cmd, self.clock())

    @staticmethod
    def handles(command_name: str) -> bool:
        """True for the command names this capability answers."""
        return command_name in COMMANDS

    def poll(self) -> None:
        """Fire timers: gas confirmation, valve feedback, silence, and retry the sink."""
        now = self.clock()
        self.interlock.poll(now)
        for meter in self.meters.values():
            self._emit(meter.poll(now))
        for wearable in self.wearables.values():
            self._emit(wearable.poll(now))
        for monitor in self.monitors.values():
            self._emit(monitor.poll(now, self._household_away))
        self.emitter.flush()

    @property
    def stats(self) -> dict[str, float]:
        """Counters for the gateway's health message."""
        out: dict[str, float] = {f"household.{k}": float(v) for k, v in self.emitter.stats.items()}
        out.update({f"household.refused.{k}": float(v) for k, v in self.errors.items()})
        out["household.retry_pending"] = float(self.emitter.pending)
        return out

    def _scalar(self, item: Scalar) -> None:
        device, metric, ts, value = item.device_id, item.metric, item.ts_s, item.value
        if device in self.interlock.by_device and metric.startswith("gas."):
            if metric == "gas.lel_pct":
                self.interlock.on_lel(device, value, self.clock())
                return
            if metric in ("gas.fault", "gas.tamper"):
                self.interlock.on_flag(device, metric[4:], value >= 1, self.clock())
                return
        meter = self.meters.get(device)
        if meter is not None and metric == f"{meter.config.medium}.total_m3":
            update = meter.on_total(value, ts)
            self._emit(update.findings)
            for welfare in self._welfare_by_meter.get(device, []):
                if update.interval_s > 0:
                    self._emit(welfare.on_use(update.used_l, ts))
            return
        if device in self.wearables and metric in WEARABLE_METRICS:
            self._emit(self.wearables[device].on_metric(metric, value, ts))
            return
        monitor = self.monitors.get(device)
        if monitor is not None and metric == METRIC_OF_KIND[monitor.config.kind]:
            self._emit(monitor.on_value(value >= 1, ts))
            return
        raise self._unknown(device, metric)

    def _link_meters(self, config: HouseholdSafetyConfig) -> dict[str, list[Welfare]]:
        """Each water meter feeds the welfare checks of its household's residents."""
        by_meter: dict[str, list[Welfare]] = {}
        for meter in config.meters:
            if meter.medium == "water":
                for w in self._by_household.get(meter.household_id, []):
                    w.meter_id = meter.device_id
                    by_meter.setdefault(meter.device_id, []).append(w)
        return by_meter

    def _wearable(self, device_id: str, metric: str) -> Wearable:
        wearable = self.wearables.get(device_id)
        if wearable is None:
            raise self._unknown(device_id, metric)
        return wearable

    def _unknown(self, device_id: str, metric: str) -> PayloadError:
        known = (
            device_id in self.interlock.by_device
            or device_id in self.meters
            or device_id in self.wearables
            or device_id in self.monitors
        )
        if known:
            return PayloadError(
                reason="wrong_metric",
                device_id=device_id,
                detail=f"metric {metric!r} is not one this device reports",
            )
        return PayloadError(
            reason="unknown_device",
            device_id=device_id,
            detail="expected a device configured on this gateway",
        )

    def _household_away(self, household_id: str, start_s: float, end_s: float) -> bool:
        residents = self._by_household.get(household_id, [])
        return bool(residents) and all(w.is_away(start_s, end_s) for w in residents)

    def _emit(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.emitter.emit(
                event_type=f.event_type,
                device_id=f.device_id,
                at_s=f.at_s,
                severity=f.severity,
                alarm=f.alarm,
                data=f.data,
            )

    def _refused(self, exc: PayloadError) -> None:
        self.errors[exc.reason] += 1
        logger.warning("%s", exc)
