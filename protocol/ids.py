"""Globally unique, time-ordered message ids (UUIDv7, RFC 9562).

The hub uses the id as its idempotency key; because the first 48 bits are the
millisecond timestamp, ids sort by creation time as text and as UUIDs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import uuid_utils

MESSAGE_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
_MESSAGE_ID_RE = re.compile(MESSAGE_ID_PATTERN)


def new_message_id() -> str:
    """Return a new UUIDv7 as its canonical lower-case text."""
    return str(uuid_utils.uuid7())


def is_message_id(value: str) -> bool:
    """True when ``value`` is a canonical UUIDv7 string."""
    return bool(_MESSAGE_ID_RE.match(value))


def message_id_time(message_id: str) -> datetime:
    """The creation time encoded in a UUIDv7 message id."""
    millis = int(message_id.replace("-", "")[:12], 16)
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
