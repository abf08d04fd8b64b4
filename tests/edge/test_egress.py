"""The egress gate refuses personal data and lets desensitised payloads through."""

from __future__ import annotations

import json

import pytest

from edge.egress import EgressGate
from edge.errors import PrivacyViolation
from protocol.models import Envelope, Telemetry
from tests.factories import alarm, readings


def telemetry_with_device(device: str) -> Telemetry:
    return Telemetry(gateway_id="gw-a", readings=readings(0, 3, device=device))


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("冀A12345", "full plate"),
        ("京AD12345", "full plate"),  # new-energy, 8 characters
        ("粤B·C1234", "full plate"),
        ("冀A1234警", "full plate"),
        ("call 13812345678", "mobile number"),
        ("+86 13912345678", "mobile number"),
        ("11010519491231002X", "resident id number"),
    ],
)
def test_personal_data_is_refused(value: str, found: str) -> None:
    gate = EgressGate()
    payload = json.dumps({"data": {"note": value}}, ensure_ascii=False).encode()
    with pytest.raises(PrivacyViolation) as info:
        gate.screen(payload, what="event")
    assert info.value.found == found
    assert gate.refused == 1


def test_escaped_unicode_cannot_hide_a_plate() -> None:
    payload = json.dumps({"plate": "冀A12345"}, ensure_ascii=True).encode()
    assert b"\\u" in payload
    with pytest.raises(PrivacyViolation):
        EgressGate().screen(payload, what="event")


def test_registered_names_are_refused() -> None:
    gate = EgressGate(names=["张三丰"])
    with pytest.raises(PrivacyViolation, match="resident name"):
        gate.screen(json.dumps({"who": "张三丰"}, ensure_ascii=False).encode(), what="event")


@pytest.mark.parametrize(
    "value",
    ["冀A·1**45", "京AD****5", "resident r-7f3a9c", "value 1.2345678901234567", "ts 1795436452175"],
)
def test_desensitised_payloads_pass(value: str) -> None:
    payload = json.dumps(
        {"data": {"v": value}, "n": 12345678901234567890}, ensure_ascii=False
    ).encode()
    assert EgressGate().screen(payload, what="event") == payload


@pytest.mark.parametrize(
    ("message", "found"),
    [
        (telemetry_with_device("13812345678"), "mobile number"),
        (alarm().model_copy(update={"data": {"owner_phone": 13812345678}}), "mobile number"),
        (alarm().model_copy(update={"data": {"plates": ["冀A12345"]}}), "full plate"),
        (alarm().model_copy(update={"data": {"冀A12345": "seen"}}), "full plate"),
    ],
)
def test_typed_messages_are_screened_field_by_field(message: Envelope, found: str) -> None:
    with pytest.raises(PrivacyViolation) as info:
        EgressGate().screen_message(message, what="msg")
    assert info.value.found == found


def test_clean_typed_messages_pass_unchanged() -> None:
    message = alarm().model_copy(update={"data": {"plate": "冀A·1**45", "floor": 12}})
    assert EgressGate().screen_message(message, what="msg") is message
    batch = telemetry_with_device("m-1")
    assert EgressGate().screen_message(batch, what="msg") is batch


def test_random_message_ids_never_look_like_phone_numbers() -> None:
    gate = EgressGate()
    for _ in range(20_000):
        gate.screen_message(alarm(), what="event")
    assert gate.refused == 0


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("电话13812345678", True),
        ("tel:13812345678", True),
        ("0.13812345678", False),
        ("0a13812345678b", False),
        ("id 01a20852-17ea-725e-840f-138123456789", False),
    ],
)
def test_phone_boundaries(text: str, refused: bool) -> None:
    payload = json.dumps({"note": text}, ensure_ascii=False).encode()
    if refused:
        with pytest.raises(PrivacyViolation):
            EgressGate().screen(payload, what="event")
    else:
        assert EgressGate().screen(payload, what="event") == payload
