"""Everything one gateway runs: the agent, device pollers, household safety and cameras.

Household safety acts locally: readings reach the gas interlock in this
process, and the valve closes before (and whether or not) anything is
published. Valves here are simulated; a real installation selects a driver
implementing ``edge.household.valve.ValveDriver``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from edge.agent import EdgeAgent
from edge.config import GatewayConfig
from edge.devices import MeterPoller
from edge.facade import RAW_RELEASE_COMMAND, FacadeCamera, RawReleases
from edge.gate.barrier import SimulatedBarrier
from edge.gate.config import GateConfig
from edge.gate.controller import COMMANDS as GATE_COMMANDS
from edge.gate.controller import GateController
from edge.gate.lane import LaneCamera
from edge.gate.lists import AccessStore
from edge.household.commands import COMMANDS
from edge.household.errors import PayloadError
from edge.household.payloads import Scalar, parse
from edge.household.safety import HouseholdSafety
from edge.household.valve import SimulatedValve
from edge.plates.reader import PlateReader
from protocol.models import Reading

logger = logging.getLogger(__name__)


class ReadingTee:
    """Stores readings through the agent and shows them to household safety too."""

    def __init__(self, agent: EdgeAgent, safety: HouseholdSafety | None) -> None:
        self._agent = agent
        self._safety = safety

    def accept_readings(self, readings: list[Reading]) -> None:
        """Publish (durably) and analyse."""
        self._agent.accept_readings(readings)
        if self._safety is not None:
            known = self._safety.meters
            for reading in readings:
                if reading.device_id in known:
                    self._safety.on_reading(reading)


class Gateway:
    """Agent, meter poller and household safety of one gateway, started together."""

    def __init__(self, config: GatewayConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.agent = EdgeAgent(config)
        self.valves: dict[str, SimulatedValve] = {}
        self.safety: HouseholdSafety | None = None
        if config.household is not None:
            self.valves = {v.device_id: SimulatedValve() for v in config.household.valves}
            self.safety = HouseholdSafety(
                gateway_id=config.gateway_id,
                config=config.household,
                sink=self.agent,
                valves=self.valves,
                clock=clock,
                egress=self.agent.gate,
            )
            for name in COMMANDS:
                self.agent.register_command(name, self.safety.handle_command)
            safety = self.safety
            self.agent.add_capability("household", lambda: safety.stats)
        self.gate: GateController | None = None
        self.lane: LaneCamera | None = None
        if config.gate is not None:
            self.gate = self._make_gate(config.gate)
        self.cameras = [FacadeCamera(c, self.agent) for c in config.facade_cameras]
        releases = RawReleases(self.cameras, self.agent)
        if releases:
            self.agent.register_command(RAW_RELEASE_COMMAND, releases.handle)
        if self.cameras:
            self.agent.add_capability(
                "falling_objects",
                lambda: {k: v for c in self.cameras for k, v in c.stats().items()},
            )
        self.poller = MeterPoller(config.devices, ReadingTee(self.agent, self.safety))
        self.agent.add_capability("meters", self.poller.stats)
        # Device readings are batched for telemetry_batch_s: thousands of wearables
        # at 1 Hz would otherwise be thousands of messages a second.
        self._pending: list[Reading] = []
        self._pending_lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="household-timers", daemon=True)

    def _make_gate(self, gate: GateConfig) -> GateController:
        # Access decisions need only the local lists and the barrier, so the gate
        # opens for a known plate with the hub unreachable. Plates reach it from
        # the lane camera, cut into passes by the virtual loop, or from a camera
        # with built-in recognition (on_plate_result); the barrier is simulated.
        controller = GateController(
            gateway_id=self.config.gateway_id,
            config=gate,
            sink=self.agent,
            barrier=SimulatedBarrier(lane=gate.lane),
            store=AccessStore(path=gate.lists_path, secret=gate.secret.get_secret_value().encode()),
            reader=None if gate.camera is None else PlateReader(config=gate.reader),
        )
        for name in GATE_COMMANDS:
            self.agent.register_command(name, controller.handle_command)
        if gate.camera is not None:
            self.lane = LaneCamera(
                source=gate.camera,
                trigger=gate.trigger,
                controller=controller,
                zone_xyxy=gate.reader.roi_xyxy,
                sink=self.agent,
            )
        lane = self.lane
        self.agent.add_capability(
            "vehicle_gate", lambda: controller.stats() | (lane.stats() if lane else {})
        )
        return controller

    def on_device_payload(self, raw: bytes | Mapping[str, object]) -> bool:
        """A payload from a household device (detector, wearable, monitor).

        It is analysed here first (the interlock acts before anything is
        published); scalar readings then go out as telemetry so caregivers can
        chart vitals. Refused payloads are counted and logged, never raised.
        """
        if self.safety is None:
            logger.warning("device payload ignored: this gateway has no household section")
            return False
        try:
            item = parse(raw)
            self.safety.ingest(item)
        except PayloadError as exc:
            self.safety.errors[exc.reason] += 1
            logger.warning("%s", exc)
            return False
        if isinstance(item, Scalar):
            ts = datetime.fromtimestamp(item.ts_s, UTC)
            with self._pending_lock:
                self._pending.append(
                    Reading(device_id=item.device_id, metric=item.metric, ts=ts, value=item.value)
                )
        return True

    def flush_readings(self) -> int:
        """Publish buffered device readings as one telemetry batch; return how many."""
        with self._pending_lock:
            batch, self._pending = self._pending, []
        if batch:
            self.agent.accept_readings(batch)
        return len(batch)

    def start(self) -> None:
        """Connect, poll devices and run safety timers."""
        self.agent.start()
        self.poller.start()
        for camera in self.cameras:
            camera.start()
        if self.lane is not None:
            self.lane.start()
        if self.safety is not None or self.gate is not None:
            self._ticker.start()

    def stop(self) -> None:
        """Stop devices and timers, then the agent (which says goodbye)."""
        self._stop.set()
        for camera in self.cameras:
            camera.stop()
        if self.lane is not None:
            self.lane.stop()
        self.poller.stop()
        if self._ticker.is_alive():
            self._ticker.join(5)
        self.flush_readings()
        self.agent.stop()

    def _tick(self) -> None:
        period = min(1.0, self.config.telemetry_batch_s)
        while not self._stop.wait(period):
            try:
                if self.safety is not None:
                    self.safety.poll()
                if self.gate is not None:
                    self.gate.poll()
                self.flush_readings()
            except Exception:
                # A timer bug must not stop the others: the interlock lives here.
                logger.exception("household timers failed; continuing")
