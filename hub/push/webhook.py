"""Signed webhook: the alert as JSON, POSTed with an HMAC-SHA256 signature.

The signature covers ``{timestamp}.{body}`` so a captured request cannot be
replayed later with a new timestamp, nor its body altered; receivers check
both (``verify_signature``) and de-duplicate on ``X-SC-Delivery``, because
delivery is at least once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from hub.push.config import WebhookTarget
from hub.push.errors import DeliveryFailed

logger = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-SC-Timestamp"
SIGNATURE_HEADER = "X-SC-Signature"
DELIVERY_HEADER = "X-SC-Delivery"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE_S = 300


def encode_body(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON; the exact bytes that are signed and sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """``X-SC-Signature`` value for ``body`` sent at unix time ``timestamp``."""
    mac = hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify_signature(
    secret: bytes,
    timestamp: str,
    signature: str,
    body: bytes,
    *,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> bool:
    """Receiver side: is ``signature`` ours for this body and recent enough?"""
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


class WebhookSender:
    """POSTs deliveries to one webhook target over a kept-alive HTTP client."""

    def __init__(self, target: WebhookTarget, *, client: httpx.Client | None = None) -> None:
        self.target = target
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(target.timeout_s), follow_redirects=False
        )

    def send(self, delivery_id: int, payload: Mapping[str, Any], now: datetime) -> None:
        """Deliver or raise ``DeliveryFailed``; any 2xx answer counts as delivered."""
        body = encode_body(payload)
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self.target.secret.get_secret_value().encode(), timestamp, body),
            DELIVERY_HEADER: str(delivery_id),
            "User-Agent": "smartcommunity-hub",
        }
        try:
            response = self._client.post(str(self.target.url), content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(self.target.name, f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryFailed(
                self.target.name, f"HTTP {response.status_code}: {response.text[:200]!r}"
            )
        logger.info(
            "delivery %d accepted by %s (%d)", delivery_id, self.target.name, response.status_code
        )

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()
