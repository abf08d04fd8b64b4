"""The site model: street > community > building > unit, with gateways and devices.

Shared by the hub (its site registry and scopes), the simulators and the
demo; loaded from a scenario YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from protocol.models import DeviceId, GatewayId

SiteId = str
MAX_SCENARIO_BYTES = 4 * 1024 * 1024


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Device(_Node):
    """A device attached to a gateway."""

    id: DeviceId = Field(description="Unique within its gateway.")
    kind: Literal["water_meter", "gas_meter", "camera", "gas_detector", "wearable", "barrier"]
    unit: SiteId | None = Field(default=None, description="Unit (household) it serves, if any.")
    profile: Literal["normal", "leak", "inactive"] = Field(
        default="normal", description="Simulated use pattern (simulators only)."
    )


class Gateway(_Node):
    """An edge gateway serving a building or a gate."""

    id: GatewayId
    name: str = ""
    devices: list[Device] = Field(default_factory=list)


class Unit(_Node):
    """A unit (单元) of a building."""

    id: SiteId
    name: str


class Building(_Node):
    """A building (楼栋)."""

    id: SiteId
    name: str
    units: list[Unit] = Field(default_factory=list)
    gateways: list[Gateway] = Field(default_factory=list)


class Gate(_Node):
    """An entrance of the estate (vehicle or pedestrian gate)."""

    id: SiteId
    name: str
    gateways: list[Gateway] = Field(default_factory=list)


class Community(_Node):
    """A community (社区)."""

    id: SiteId
    name: str
    buildings: list[Building] = Field(default_factory=list)
    gates: list[Gate] = Field(default_factory=list)


class Street(_Node):
    """A street office (街道): the top of the tree."""

    id: SiteId
    name: str
    communities: list[Community] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class SiteRow:
    """One node of the flattened tree."""

    id: str
    kind: str
    parent_id: str | None
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class GatewayRow:
    """A gateway and the site it serves."""

    id: str
    site_id: str
    name: str
    devices: tuple[Device, ...]


class Scenario(_Node):
    """A street with its communities, buildings, gates, gateways and devices."""

    street: Street

    @model_validator(mode="after")
    def verify_unique_ids(self) -> Scenario:
        seen: set[str] = set()
        for row in self.sites():
            if row.id in seen:
                raise ValueError(f"site id {row.id!r} appears twice; site ids must be unique")
            seen.add(row.id)
        gateways: set[str] = set()
        for gw in self.gateways():
            if gw.id in gateways:
                raise ValueError(f"gateway id {gw.id!r} appears twice")
            gateways.add(gw.id)
            units = {d.unit for d in gw.devices if d.unit is not None}
            unknown = units - seen
            if unknown:
                raise ValueError(f"gateway {gw.id!r} names unknown units {sorted(unknown)}")
        return self

    def sites(self) -> list[SiteRow]:
        """Every site, parents before children, with its path from the street."""
        s = self.street
        rows = [SiteRow(s.id, "street", None, s.name, s.id)]
        for c in s.communities:
            cp = f"{s.id}/{c.id}"
            rows.append(SiteRow(c.id, "community", s.id, c.name, cp))
            for b in c.buildings:
                bp = f"{cp}/{b.id}"
                rows.append(SiteRow(b.id, "building", c.id, b.name, bp))
                rows.extend(SiteRow(u.id, "unit", b.id, u.name, f"{bp}/{u.id}") for u in b.units)
            rows.extend(SiteRow(g.id, "gate", c.id, g.name, f"{cp}/{g.id}") for g in c.gates)
        return rows

    def gateways(self) -> list[GatewayRow]:
        """Every gateway with the building or gate it serves."""
        rows: list[GatewayRow] = []
        for c in self.street.communities:
            places: list[Building | Gate] = [*c.buildings, *c.gates]
            for place in places:
                rows.extend(
                    GatewayRow(g.id, place.id, g.name, tuple(g.devices)) for g in place.gateways
                )
        return rows


class ScenarioError(ValueError):
    """A scenario file is missing or invalid; ``problems`` names each bad key."""

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML."""
    file = Path(path)
    if not file.is_file():
        raise ScenarioError(str(file), ["file not found"])
    if file.stat().st_size > MAX_SCENARIO_BYTES:
        raise ScenarioError(str(file), [f"file is larger than {MAX_SCENARIO_BYTES} bytes"])
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(file), [f"not valid YAML: {exc}"]) from exc
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise ScenarioError(str(file), problems) from exc
