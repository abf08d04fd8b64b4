"""Desensitising plates: masked display text and keyed pseudonyms.

A masked plate keeps what a guard needs to match a car by eye (province,
issuing letter, the first and last two body characters) and nothing that
identifies it outright; the pseudonym lets the hub link passes of one car
without knowing the plate. Both are made only from the canonical plate.
"""

from __future__ import annotations

import hashlib
import hmac

MASK = "*"


def mask_plate(plate: str) -> str:
    """冀A12345 -> 冀A·1**45; 冀AD12345 -> 冀A·D***45; 冀A1234警 -> 冀A·1**4警."""
    head, body = plate[:2], plate[2:]
    if len(body) < 4:
        return head + "·" + MASK * len(body)
    return f"{head}·{body[0]}{MASK * (len(body) - 3)}{body[-2:]}"


def plate_key(plate: str, secret: bytes) -> str:
    """HMAC-SHA256 of the canonical plate under the gateway secret, hex."""
    return hmac.new(secret, plate.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonym(plate: str, secret: bytes) -> str:
    """Short keyed pseudonym published in events (first 16 bytes of the key)."""
    return "veh_" + plate_key(plate, secret)[:32]
