"""Gateway configuration: one YAML file parsed into pydantic models.

Models forbid unknown keys so a typo is reported, not ignored. They do no
I/O; ``load_config`` reads the file and turns every problem into a
``ConfigError`` that names the key.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_core import ErrorDetails

from edge.errors import ConfigError
from edge.facade import FacadeCameraConfig
from edge.gate.config import GateConfig
from edge.household.config import HouseholdSafetyConfig
from edge.secret import ExternalSecret, Secret
from protocol.models import DeviceId, GatewayId

logger = logging.getLogger(__name__)

MAX_CONFIG_BYTES = 1024 * 1024


class Section(BaseModel):
    """Base of config sections: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class BrokerConfig(Section):
    """How the gateway reaches the MQTT broker."""

    host: str = Field(default="127.0.0.1", description="Broker host name or address.")
    port: int = Field(default=1883, ge=1, le=65535, description="Broker TCP port.")
    username: str | None = Field(
        default=None, description="MQTT user; by convention the gateway id."
    )
    password: Secret | None = Field(
        default=None, description="MQTT password (or {file:}, {credential:}, {env:})."
    )
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keep-alive interval.")
    tls: bool = Field(default=False, description="Connect with TLS using the system CA store.")
    reconnect_min_s: float = Field(default=0.5, gt=0, description="First reconnect delay.")
    reconnect_max_s: float = Field(default=30.0, gt=0, description="Cap of the reconnect delay.")

    @model_validator(mode="after")
    def verify_backoff(self) -> BrokerConfig:
        if self.reconnect_min_s > self.reconnect_max_s:
            raise ValueError(
                f"reconnect_min_s ({self.reconnect_min_s}) must not exceed "
                f"reconnect_max_s ({self.reconnect_max_s})"
            )
        return self


class OutboxConfig(Section):
    """Durable outbox: everything is written here before it is published."""

    path: Path = Field(description="SQLite file of the outbox.")
    fsync: Literal["full", "normal"] = Field(
        default="full",
        description="'full' survives power loss; 'normal' survives process crashes only.",
    )
    max_inflight: int = Field(
        default=200, ge=1, le=10000, description="Messages published and awaiting PUBACK at once."
    )
    max_messages: int = Field(
        default=1_000_000, ge=100, description="Refuse new messages beyond this backlog."
    )


class SimulatedMeterConfig(Section):
    """A simulated water or gas meter (stands in for a real meter driver)."""

    type: Literal["simulated_meter"] = "simulated_meter"
    id: DeviceId = Field(description="Device id, unique within the gateway.")
    medium: Literal["water", "gas"] = Field(description="What the meter measures.")
    interval_s: float = Field(default=5.0, gt=0, description="Seconds between readings.")
    profile: Literal["normal", "leak", "inactive"] = Field(
        default="normal", description="Household use pattern the simulation follows."
    )
    seed: int = Field(default=0, description="Seed of the simulated use pattern.")


DeviceConfig = Annotated[SimulatedMeterConfig, Field(discriminator="type")]


class GatewayConfig(Section):
    """Top-level gateway configuration."""

    gateway_id: GatewayId = Field(description="Gateway id; also its MQTT user name.")
    site_id: str = Field(default="", description="Site (building or gate) the gateway serves.")
    broker: BrokerConfig = Field(default_factory=BrokerConfig, description="MQTT broker.")
    outbox: OutboxConfig = Field(description="Durable outbox settings.")
    health_interval_s: float = Field(default=30.0, gt=0, description="Health message period.")
    telemetry_batch_s: float = Field(
        default=1.0, gt=0, description="Readings are batched for at most this long."
    )
    devices: list[DeviceConfig] = Field(default_factory=list, description="Attached devices.")
    facade_cameras: list[FacadeCameraConfig] = Field(
        default_factory=list, description="Cameras watching façades for thrown objects."
    )
    gate: GateConfig | None = Field(
        default=None, description="Vehicle gate lane: access lists, barrier, plate reading."
    )
    household: HouseholdSafetyConfig | None = Field(
        default=None,
        description="Gas interlock, meters, welfare checks, wearables and monitors.",
    )

    @model_validator(mode="after")
    def verify_facade_gateway(self) -> GatewayConfig:
        for camera in self.facade_cameras:
            if camera.falling.gateway_id != self.gateway_id:
                raise ValueError(
                    f"facade camera {camera.source.id!r}: falling.gateway_id is "
                    f"{camera.falling.gateway_id!r}, expected {self.gateway_id!r}"
                )
        return self

    @model_validator(mode="after")
    def verify_unique_devices(self) -> GatewayConfig:
        seen: set[str] = set()
        for device in self.devices:
            if device.id in seen:
                raise ValueError(f"device id {device.id!r} appears twice; ids must be unique")
            seen.add(device.id)
        return self


def load_config(path: str | Path) -> GatewayConfig:
    """Read and validate a gateway YAML file; raise ConfigError naming each problem."""
    file = Path(path)
    try:
        info = file.stat()
    except FileNotFoundError:
        raise ConfigError(
            str(file), ["file not found; pass the gateway YAML with --config"]
        ) from None
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(str(file), [f"file is {info.st_size} bytes, limit {MAX_CONFIG_BYTES}"])
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(str(file), [f"not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise ConfigError(str(file), [f"expected a mapping at the top, got {type(raw).__name__}"])
    config = parse_config(raw, source=str(file))
    mode = info.st_mode & 0o777
    secrets = secret_fields(config)
    if mode & 0o077 and secrets:
        logger.warning(
            "%s holds secrets (%s) and other users of this machine may read it (mode %o); "
            "chmod 600 it",
            file,
            ", ".join(secrets),
            mode,
        )
    return config


def secret_fields(value: object, where: str = "") -> list[str]:
    """Key paths of every secret written in a validated config (passwords, keys).

    Secrets the config only points to (``{file: ...}`` and the like) are not listed.
    """
    if isinstance(value, ExternalSecret):
        return []
    if isinstance(value, SecretStr):
        return [where]
    if isinstance(value, BaseModel):
        return [
            path
            for name in type(value).model_fields
            for path in secret_fields(getattr(value, name), f"{where}.{name}" if where else name)
        ]
    if isinstance(value, list | tuple):
        return [
            path for i, item in enumerate(value) for path in secret_fields(item, f"{where}[{i}]")
        ]
    return []


def parse_config(raw: dict[str, object], *, source: str = "<config>") -> GatewayConfig:
    """Validate an already parsed mapping."""
    try:
        return GatewayConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(source, describe_errors(exc)) from exc


def describe_errors(exc: ValidationError) -> list[str]:
    """One line per problem, naming the key path and what was expected."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            problems.append(f"{where}: unknown key")
        elif error["type"] == "missing":
            problems.append(f"{where}: required key is missing")
        else:
            problems.append(f"{where}: {error['msg']}{_got(error)}")
    return problems


def _secret_names(model: type[BaseModel]) -> set[str]:
    """Names of the SecretStr fields anywhere under ``model``."""
    names: set[str] = set()
    seen: set[type] = set()

    def visit(annotation: object, name: str) -> None:
        if isinstance(annotation, type) and issubclass(annotation, SecretStr):
            names.add(name)
        elif (
            isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
            and annotation not in seen
        ):
            seen.add(annotation)
            for field_name, field in annotation.model_fields.items():
                visit(field.annotation, field_name)
        for argument in get_args(annotation):
            visit(argument, name)

    visit(model, "")
    return names


SECRET_NAMES = frozenset(_secret_names(GatewayConfig))


def _without_secrets(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: "<hidden>" if key in SECRET_NAMES else _without_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _got(error: ErrorDetails) -> str:
    """The rejected input for an error message, with every secret in it hidden."""
    if error["loc"] and error["loc"][-1] in SECRET_NAMES:
        return ""  # the input is the secret itself (or where it is: the message says)
    return f" (got {_without_secrets(error.get('input'))!r:.60})"
