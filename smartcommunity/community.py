"""A simulated community: one edge agent per scenario gateway, fed by simulated devices.

Building gateways get simulated meters and household safety; gate gateways
(those with a barrier) a simulated lane camera whose vehicles are read,
decided on and logged like a real lane's.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr

from edge.agent import EdgeAgent
from edge.camera.config import SimulatorSource
from edge.config import BrokerConfig, GatewayConfig, OutboxConfig, SimulatedMeterConfig
from edge.facade import FacadeCameraConfig
from edge.falling.config import EvidenceConfig, FallingConfig
from edge.gate.config import GateConfig
from edge.gateway import Gateway
from edge.household.config import GasDetectorConfig, HouseholdSafetyConfig, ValveConfig
from edge.plates.reader import ReaderConfig
from models.trajectory.registry import shipped_classifier
from protocol.models import Reading
from protocol.sites import GatewayRow, Scenario
from simulators.facade.capture import calibration_of
from simulators.gate.scene import LANE_ROI_XYXY, make_passes

logger = logging.getLogger(__name__)


def make_passwords(scenario: Scenario) -> dict[str, str]:
    """Random broker passwords for the hub and every gateway of the scenario."""
    users = {"_hub": secrets.token_urlsafe(18)}
    users.update({g.id: secrets.token_urlsafe(18) for g in scenario.gateways()})
    return users


def gateway_config(
    gateway: GatewayRow,
    *,
    broker_host: str,
    broker_port: int,
    password: str,
    outbox_dir: Path,
    meter_interval_s: float = 5.0,
    vehicle_gap_s: float = 20.0,
    throw_gap_s: float = 90.0,
    seed: int = 0,
) -> GatewayConfig:
    """The config a real installer would write for this gateway, with simulated meters."""
    meters = [
        SimulatedMeterConfig(
            id=d.id,
            medium="water" if d.kind == "water_meter" else "gas",
            interval_s=meter_interval_s,
            profile=d.profile,
            seed=seed,
        )
        for d in gateway.devices
        if d.kind in ("water_meter", "gas_meter")
    ]
    # One household per gas meter, with a detector and a shut-off valve (simulated).
    gas_meters = [d.id for d in gateway.devices if d.kind == "gas_meter"]
    household = HouseholdSafetyConfig(
        gas_detectors=[
            GasDetectorConfig(device_id=f"gd-{m}", household_id=_household(m)) for m in gas_meters
        ],
        valves=[ValveConfig(device_id=f"gv-{m}", household_id=_household(m)) for m in gas_meters],
    )
    return GatewayConfig(
        gateway_id=gateway.id,
        site_id=gateway.site_id,
        broker=BrokerConfig(
            host=broker_host, port=broker_port, username=gateway.id, password=SecretStr(password)
        ),
        outbox=OutboxConfig(path=outbox_dir / f"{gateway.id}.sqlite", fsync="normal"),
        health_interval_s=10.0,
        devices=meters,
        household=household if gas_meters else None,
        gate=_gate(gateway, outbox_dir, vehicle_gap_s, seed),
        facade_cameras=[
            _facade(gateway.id, d.id, outbox_dir, throw_gap_s, seed)
            for d in gateway.devices
            if d.kind == "camera"
        ],
    )


def _facade(
    gateway_id: str, camera_id: str, work: Path, gap_s: float, seed: int
) -> FacadeCameraConfig:
    """A simulated façade camera; raw clips kept encrypted under ``work`` for the demo."""
    camera_seed = sim_seed(camera_id, seed)
    return FacadeCameraConfig(
        source=SimulatorSource(
            id=camera_id, scenario="facade", seed=camera_seed, fps=25.0, gap_s=gap_s, queue_size=50
        ),
        falling=FallingConfig(
            gateway_id=gateway_id,
            calibration=calibration_of(camera_seed, camera_id),
            classifier=shipped_classifier(),
            evidence=EvidenceConfig(
                raw_dir=work / f"raw-{camera_id}",
                raw_key=SecretStr(Fernet.generate_key().decode()),
            ),
        ),
    )


def _gate(gateway: GatewayRow, lists_dir: Path, gap_s: float, seed: int) -> GateConfig | None:
    """A lane with a simulated camera for a gateway that has a barrier."""
    barrier = next((d for d in gateway.devices if d.kind == "barrier"), None)
    if barrier is None:
        return None
    return GateConfig(
        device_id=barrier.id,
        lists_path=lists_dir / f"{gateway.id}-lists.sqlite",
        secret=SecretStr(secrets.token_urlsafe(24)),
        reader=ReaderConfig(roi_xyxy=LANE_ROI_XYXY),
        camera=SimulatorSource(
            id=f"{gateway.id}-lane", seed=sim_seed(gateway.id, seed), fps=5.0, gap_s=gap_s
        ),
    )


def sim_seed(gateway_id: str, seed: int) -> int:
    """A simulated camera's seed: stable per device, so what it shows is known."""
    return seed * 1000 + sum(gateway_id.encode()) % 1000


def vehicle_lists(gateway_id: str, seed: int, count: int = 12) -> dict[str, object]:
    """``allowlist.sync`` arguments for the first ``count`` simulated vehicles of a lane.

    Most are residents; every fifth is unknown (held for the guard), the
    eighth is blacklisted, and every seventh a visitor expected today.
    """
    vehicles = make_passes(sim_seed(gateway_id, seed), count)
    now = datetime.now(UTC)
    args: dict[str, list[object]] = {"resident": [], "visitor": [], "blacklist": []}
    for i, vehicle in enumerate(vehicles):
        plate = vehicle.plate.text
        if i == 7:
            args["blacklist"].append(plate)
        elif i % 7 == 6:
            window = {"from": now.isoformat(), "until": (now + timedelta(hours=2)).isoformat()}
            args["visitor"].append({"plate": plate} | window)
        elif i % 5 != 4:
            args["resident"].append(plate)
    return {**args, "mode": "replace"}


def _household(meter_id: str) -> str:
    return "h-" + re.sub(r"[^a-z0-9-]", "-", meter_id.lower())[:40]


@dataclass
class Community:
    """Every gateway of a scenario, run in this process."""

    configs: list[GatewayConfig]
    incidents_every_s: float | None = None
    gateways: list[Gateway] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def agents(self) -> list[EdgeAgent]:
        """The gateways' agents."""
        return [g.agent for g in self.gateways]

    def start(self) -> None:
        """Start every gateway."""
        for config in self.configs:
            gateway = Gateway(config)
            gateway.start()
            self.gateways.append(gateway)
        if self.incidents_every_s:
            threading.Thread(target=self._incidents, name="demo-incidents", daemon=True).start()

    def _incidents(self) -> None:
        """Now and then a household's gas detector sees a leak, which clears later (demo only)."""
        rng = random.Random(7)
        every = self.incidents_every_s or 60.0
        while not self._stop.wait(rng.uniform(0.5, 1.5) * every):
            gateway = rng.choice([g for g in self.gateways if g.safety is not None])
            assert gateway.config.household is not None and gateway.safety is not None
            detector = rng.choice(gateway.config.household.gas_detectors).device_id
            logger.info("demo incident: gas leak at %s/%s", gateway.config.gateway_id, detector)
            for lel in (40.0, 0.0):
                gateway.safety.on_reading(
                    Reading(
                        device_id=detector, metric="gas.lel_pct", ts=datetime.now(UTC), value=lel
                    )
                )
                if self._stop.wait(every / 3):
                    return

    def stop(self, *, drain_s: float = 5.0) -> int:
        """Stop meters, let the outboxes drain, stop the agents; return what is left."""
        self._stop.set()
        for gateway in self.gateways:
            gateway.poller.stop()
        deadline = time.monotonic() + drain_s
        while time.monotonic() < deadline and any(a.outbox.depth() for a in self.agents):
            time.sleep(0.1)
        left = sum(a.outbox.depth() for a in self.agents)
        for gateway in self.gateways:
            gateway.stop()
        return left
