"""Encode and decode messages with size limits and topic checks."""

from __future__ import annotations

import binascii
import hashlib
from base64 import b64decode

from pydantic import ValidationError

from protocol.errors import ProtocolError
from protocol.models import MODEL_BY_KIND, Envelope, Evidence
from protocol.topics import Kind, Topic, parse_topic

# Limits per kind, in bytes of the JSON payload. Evidence carries base64
# images; everything else is small. The broker's own limit is set above the
# largest so oversized payloads still reach the hub and are dead-lettered
# with a reason instead of vanishing at the broker.
MAX_PAYLOAD_BYTES: dict[Kind, int] = {
    Kind.EVENT: 64 * 1024,
    Kind.TELEMETRY: 512 * 1024,
    Kind.STATE: 4 * 1024,
    Kind.HEALTH: 16 * 1024,
    Kind.EVIDENCE: 2 * 1024 * 1024,
    Kind.CMD: 256 * 1024,
    Kind.CMD_ACK: 4 * 1024,
}
BROKER_MESSAGE_SIZE_LIMIT = 4 * 1024 * 1024


def encode(message: Envelope) -> bytes:
    """Serialise a message to compact JSON, enforcing its kind's size limit."""
    kind = Kind(message.kind)  # type: ignore[attr-defined]
    payload = message.model_dump_json(exclude_none=True).encode()
    limit = MAX_PAYLOAD_BYTES[kind]
    if len(payload) > limit:
        raise ProtocolError(
            "too_large",
            f"{kind.value} message is {len(payload)} bytes, limit {limit}; split it",
        )
    return payload


def decode(topic_name: str, payload: bytes) -> tuple[Topic, Envelope]:
    """Check the topic, size, JSON and schema; return the typed message.

    Raises ProtocolError with a reason code for the dead-letter table.
    """
    parsed = parse_topic(topic_name)
    limit = MAX_PAYLOAD_BYTES[parsed.kind]
    if len(payload) > limit:
        raise ProtocolError(
            "too_large", f"{parsed.kind.value} payload is {len(payload)} bytes, limit {limit}"
        )
    model = MODEL_BY_KIND[parsed.kind]
    try:
        message = model.model_validate_json(payload)
    except ValidationError as exc:
        reason = (
            "bad_json" if any(e["type"] == "json_invalid" for e in exc.errors()) else "bad_schema"
        )
        raise ProtocolError(reason, _summarise(exc)) from exc
    if message.gateway_id != parsed.gateway_id:
        raise ProtocolError(
            "gateway_mismatch",
            f"payload says gateway {message.gateway_id!r} but topic is of {parsed.gateway_id!r}",
        )
    if isinstance(message, Evidence):
        _verify_evidence(message)
    return parsed, message


def _verify_evidence(evidence: Evidence) -> None:
    try:
        content = b64decode(evidence.content_b64, validate=True)
    except binascii.Error as exc:
        raise ProtocolError("bad_evidence", f"content_b64 is not base64: {exc}") from exc
    actual = hashlib.sha256(content).hexdigest()
    if actual != evidence.sha256:
        raise ProtocolError(
            "bad_evidence", f"content hashes to {actual}, message says {evidence.sha256}"
        )


def _summarise(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "(payload)"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
