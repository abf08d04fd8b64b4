"""Protocol v1: the wire contract shared by edge, hub and simulators."""

from protocol.codec import MAX_PAYLOAD_BYTES, decode, encode
from protocol.errors import ProtocolError
from protocol.ids import new_message_id
from protocol.models import (
    SCHEMA_VERSION,
    Command,
    CommandAck,
    Envelope,
    Event,
    Evidence,
    EvidenceRef,
    Health,
    Reading,
    State,
    Telemetry,
)
from protocol.topics import Kind, Topic, parse_topic, topic

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "SCHEMA_VERSION",
    "Command",
    "CommandAck",
    "Envelope",
    "Event",
    "Evidence",
    "EvidenceRef",
    "Health",
    "Kind",
    "ProtocolError",
    "Reading",
    "State",
    "Telemetry",
    "Topic",
    "decode",
    "encode",
    "new_message_id",
    "parse_topic",
    "topic",
]
