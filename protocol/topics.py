"""MQTT topic names of protocol v1.

Every edge topic has the form ``sc/v1/gw/{gateway_id}/{kind}`` so one broker
ACL pattern (``sc/v1/gw/%u/...``) confines a gateway's credentials to its own
subtree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from protocol.errors import ProtocolError

PREFIX = "sc/v1"
GATEWAY_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_GATEWAY_ID_RE = re.compile(GATEWAY_ID_PATTERN)


class Kind(StrEnum):
    """Message kinds; the value is the last topic level."""

    EVENT = "event"
    TELEMETRY = "telemetry"
    STATE = "state"
    HEALTH = "health"
    EVIDENCE = "evidence"
    CMD = "cmd"
    CMD_ACK = "cmd-ack"


EDGE_TO_HUB = (Kind.EVENT, Kind.TELEMETRY, Kind.STATE, Kind.HEALTH, Kind.EVIDENCE, Kind.CMD_ACK)


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed topic: which gateway and which kind of message."""

    gateway_id: str
    kind: Kind

    def __str__(self) -> str:
        return f"{PREFIX}/gw/{self.gateway_id}/{self.kind.value}"


def topic(gateway_id: str, kind: Kind) -> str:
    """Build the topic for ``kind`` messages of ``gateway_id``."""
    if not _GATEWAY_ID_RE.match(gateway_id):
        raise ProtocolError(
            "bad_topic",
            f"gateway id {gateway_id!r} must match {GATEWAY_ID_PATTERN} "
            "(lower-case letters, digits and '-', at most 63 characters)",
        )
    return str(Topic(gateway_id, kind))


def parse_topic(name: str) -> Topic:
    """Parse ``sc/v1/gw/{gateway_id}/{kind}``; raise ProtocolError otherwise."""
    parts = name.split("/")
    if len(parts) != 5 or "/".join(parts[:3]) != f"{PREFIX}/gw":
        raise ProtocolError(
            "bad_topic", f"expected {PREFIX}/gw/<gateway_id>/<kind>, got {name[:200]!r}"
        )
    gateway_id, kind = parts[3], parts[4]
    if not _GATEWAY_ID_RE.match(gateway_id):
        raise ProtocolError("bad_topic", f"gateway id {gateway_id[:80]!r} in topic is not valid")
    try:
        return Topic(gateway_id, Kind(kind))
    except ValueError:
        known = ", ".join(k.value for k in Kind)
        raise ProtocolError(
            "bad_topic", f"unknown kind {kind[:40]!r} in topic; expected one of {known}"
        ) from None


def hub_subscriptions(share_group: str | None) -> list[str]:
    """Topic filters the hub subscribes to; shared (MQTT v5) when a group is given."""
    filters = [f"{PREFIX}/gw/+/{kind.value}" for kind in EDGE_TO_HUB]
    if share_group:
        return [f"$share/{share_group}/{f}" for f in filters]
    return filters
