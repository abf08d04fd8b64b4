"""Push targets as pydantic models: one YAML/JSON document, validated, no I/O here.

A target is chosen by its ``kind`` (discriminated union), receives alerts of
the levels it lists, and is named so outbox rows can refer to it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    model_validator,
)

Level = Literal["community", "street"]
TargetName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]

_GB_ID = re.compile(r"[0-9]{20}")  # [0-9], not \d: \d also matches full-width and other digits


def _gb_id(value: str) -> str:
    if not _GB_ID.fullmatch(value):
        raise ValueError(
            "expected a GB/T 28181 id of exactly 20 ASCII digits (centre 8 + industry 2"
            f" + type 3 + network 1 + serial 6), got {value!r} ({len(value)} characters)"
        )
    return value


GbId = Annotated[str, AfterValidator(_gb_id)]


def _secret_length(value: SecretStr) -> SecretStr:
    length = len(value.get_secret_value())
    if length < MIN_SECRET_CHARS:
        raise ValueError(
            f"expected a secret of at least {MIN_SECRET_CHARS} characters, got {length};"
            " generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return value


MIN_SECRET_CHARS = 16
Secret = Annotated[SecretStr, AfterValidator(_secret_length)]


class _Model(BaseModel):
    # Inputs stay out of error messages so a rejected secret is never echoed to a log;
    # our own messages quote the offending value where it is not secret.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class GbAlarmKind(_Model):
    """How one of our alert types is reported in a GB/T 28181 alarm notification."""

    method: int = Field(
        ge=1,
        le=7,
        description=(
            "AlarmMethod: 1 phone, 2 device, 3 SMS, 4 GPS, 5 video, 6 device fault, 7 other."
        ),
    )
    alarm_type: int | None = Field(
        default=None,
        ge=1,
        le=99,
        description=(
            "Info/AlarmType within the method (e.g. video: 2 moving target, 6 intrusion,"
            " 8 loitering); omitted from the message when unset."
        ),
    )


def _default_alarm_kinds() -> dict[str, GbAlarmKind]:
    # Only alert types with a natural GB/T 28181-2016 video-analysis counterpart;
    # everything else (gas, smoke, SOS, falls) is "other" via ``default_alarm``.
    return {
        "falling_object": GbAlarmKind(method=5, alarm_type=2),
        "perimeter_intrusion": GbAlarmKind(method=5, alarm_type=6),
        "loitering": GbAlarmKind(method=5, alarm_type=8),
    }


class _TargetBase(_Model):
    name: TargetName = Field(description="Unique name; outbox rows refer to the target by it.")
    levels: list[Level] = Field(
        min_length=1, description="Alert levels this target receives: community, street or both."
    )


class WebhookTarget(_TargetBase):
    """A video platform (or any HTTP service) that accepts signed JSON POSTs."""

    kind: Literal["webhook"] = Field(description="Signed JSON POST over HTTP(S).")
    url: AnyHttpUrl = Field(description="Where alerts are POSTed.")
    secret: Secret = Field(description="Per-target HMAC-SHA256 key shared with the receiver.")
    timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="Connect/read timeout of one POST."
    )


class Gb28181Target(_TargetBase):
    """A GB/T 28181 platform (SIP server) that receives alarm notifications over UDP."""

    kind: Literal["gb28181"] = Field(description="SIP MESSAGE with a MANSCDP Alarm Notify.")
    host: str = Field(min_length=1, description="SIP server address (IP or host name).")
    port: int = Field(default=5060, ge=1, le=65535, description="SIP server UDP port.")
    platform_id: GbId = Field(description="20-digit SIP id of the platform (Request-URI, To).")
    domain: str = Field(
        pattern=r"^[0-9A-Za-z.-]{1,64}$",
        description="SIP domain of the platform, usually the first 10 digits of its id.",
    )
    local_id: GbId = Field(description="Our 20-digit SIP id as the platform knows it (From).")
    devices: dict[str, GbId] = Field(
        description=(
            "Our camera/device -> the platform's 20-digit device id; keys are"
            " 'gateway_id/device_id'. Alerts of unmapped devices are not sent to this target."
        ),
    )
    alarm_kinds: dict[str, GbAlarmKind] = Field(
        default_factory=_default_alarm_kinds,
        description="Our alert type -> AlarmMethod/AlarmType; replaces the built-in table.",
    )
    default_alarm: GbAlarmKind = Field(
        default=GbAlarmKind(method=7),
        description="AlarmMethod/AlarmType of alert types not in alarm_kinds.",
    )
    encoding: Literal["GB2312", "UTF-8"] = Field(
        default="GB2312",
        description="XML body charset; GB/T 28181-2016 section 6.10 recommends GB2312.",
    )
    t1_s: float = Field(
        default=0.5, gt=0, le=5, description="SIP T1: first retransmission interval (doubles)."
    )
    timeout_s: float = Field(
        default=8.0,
        gt=0,
        le=32,
        description="Give up waiting for 200 OK after this long; the outbox retries later.",
    )


Target = Annotated[WebhookTarget | Gb28181Target, Field(discriminator="kind")]


class PushConfig(_Model):
    """Every push target of a hub, and how the outbox retries them."""

    hub_base_url: AnyHttpUrl = Field(
        description="Public base URL of the hub; evidence links are {hub_base_url}/api/v1/..."
    )
    targets: list[Target] = Field(default_factory=list, description="Where alerts are pushed.")
    backoff_base_s: float = Field(
        default=5.0, gt=0, description="Retry delay after the first failure (before jitter)."
    )
    backoff_cap_s: float = Field(
        default=600.0, gt=0, description="Longest retry delay (before jitter)."
    )
    give_up_after_days: float = Field(
        default=3.0,
        gt=0,
        description="A delivery still failing this long after it was queued is dead.",
    )
    lease_s: float = Field(
        default=120.0,
        gt=0,
        description="How long a claim reserves a delivery before other dispatchers may retry it.",
    )
    batch_size: int = Field(default=20, ge=1, le=1000, description="Deliveries claimed per pass.")
    poll_every_s: float = Field(
        default=2.0, gt=0, le=300, description="Pause between dispatcher passes when idle."
    )

    @model_validator(mode="after")
    def verify_unique_names(self) -> PushConfig:
        names = [t.name for t in self.targets]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"target names must be unique, got duplicates {duplicates}")
        return self

    @model_validator(mode="after")
    def verify_backoff(self) -> PushConfig:
        if self.backoff_cap_s < self.backoff_base_s:
            raise ValueError(
                f"backoff_cap_s ({self.backoff_cap_s}) must be >= backoff_base_s"
                f" ({self.backoff_base_s})"
            )
        return self

    @model_validator(mode="after")
    def verify_lease_outlasts_sends(self) -> PushConfig:
        # A dispatcher starts no send after half its lease, so the lease must cover that
        # half plus the slowest send; httpx's timeout applies to connect, write and read.
        slowest = max(
            (t.timeout_s * (3 if isinstance(t, WebhookTarget) else 1) for t in self.targets),
            default=0.0,
        )
        if self.lease_s < 2 * slowest:
            raise ValueError(
                f"lease_s ({self.lease_s}) must be at least {2 * slowest} s: twice the longest"
                " send (3 x a webhook timeout_s, or a gb28181 timeout_s); raise lease_s or"
                " lower the timeouts"
            )
        return self

    def target(self, name: str) -> WebhookTarget | Gb28181Target | None:
        """The target called ``name``, if configured."""
        return next((t for t in self.targets if t.name == name), None)

    def evidence_url(self, sha256: str) -> str:
        """Link to a desensitised evidence object on this hub."""
        return f"{str(self.hub_base_url).rstrip('/')}/api/v1/evidence/{sha256}"


def load_push_config(path: Path) -> PushConfig:
    """Read and validate a push configuration file (YAML; JSON is YAML too)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return PushConfig.model_validate(document if document is not None else {})
