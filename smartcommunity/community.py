"""A simulated community: one edge agent per scenario gateway, fed by simulated meters."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from edge.agent import EdgeAgent
from edge.config import BrokerConfig, GatewayConfig, OutboxConfig, SimulatedMeterConfig
from edge.devices import MeterPoller
from protocol.sites import GatewayRow, Scenario

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
    return GatewayConfig(
        gateway_id=gateway.id,
        site_id=gateway.site_id,
        broker=BrokerConfig(
            host=broker_host, port=broker_port, username=gateway.id, password=SecretStr(password)
        ),
        outbox=OutboxConfig(path=outbox_dir / f"{gateway.id}.sqlite", fsync="normal"),
        health_interval_s=10.0,
        devices=meters,
    )


@dataclass
class Community:
    """Edge agents and pollers of every gateway, run in this process."""

    configs: list[GatewayConfig]
    agents: list[EdgeAgent] = field(default_factory=list)
    pollers: list[MeterPoller] = field(default_factory=list)

    def start(self) -> None:
        """Start every agent and its meters."""
        for config in self.configs:
            agent = EdgeAgent(config)
            poller = MeterPoller(config.devices, agent)
            agent.add_capability("meters", poller.stats)
            agent.start()
            poller.start()
            self.agents.append(agent)
            self.pollers.append(poller)

    def stop(self, *, drain_s: float = 5.0) -> int:
        """Stop meters, let the outboxes drain, stop the agents; return what is left."""
        for poller in self.pollers:
            poller.stop()
        deadline = time.monotonic() + drain_s
        while time.monotonic() < deadline and any(a.outbox.depth() for a in self.agents):
            time.sleep(0.1)
        left = sum(a.outbox.depth() for a in self.agents)
        for agent in self.agents:
            agent.stop()
        return left
