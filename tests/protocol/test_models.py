"""Protocol v1 models, topics, ids, limits and the AsyncAPI document."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from protocol import Kind, ProtocolError, decode, encode, parse_topic, topic
from protocol.asyncapi import render
from protocol.codec import MAX_PAYLOAD_BYTES
from protocol.ids import is_message_id, message_id_time, new_message_id
from protocol.models import Command, CommandAck, Health, State
from tests.factories import alarm, readings, telemetry

ROOT = Path(__file__).resolve().parents[2]


def test_message_ids_are_unique_time_ordered_uuid7() -> None:
    ids = [new_message_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(is_message_id(i) for i in ids)
    assert abs(message_id_time(ids[0]).timestamp() - time.time()) < 5


@pytest.mark.parametrize(
    ("name", "gateway", "kind"),
    [
        ("sc/v1/gw/gw-a/event", "gw-a", Kind.EVENT),
        ("sc/v1/gw/b12/telemetry", "b12", Kind.TELEMETRY),
        ("sc/v1/gw/x/cmd-ack", "x", Kind.CMD_ACK),
    ],
)
def test_topics_round_trip(name: str, gateway: str, kind: Kind) -> None:
    parsed = parse_topic(name)
    assert (parsed.gateway_id, parsed.kind) == (gateway, kind)
    assert topic(gateway, kind) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("sc/v1/gw/gw-a/bogus", "unknown kind"),
        ("sc/v2/gw/gw-a/event", "expected sc/v1/gw"),
        ("sc/v1/gw/GW_A/event", "gateway id"),
        ("sc/v1/gw/gw-a/event/extra", "expected sc/v1/gw"),
        ("", "expected sc/v1/gw"),
    ],
)
def test_bad_topics_are_refused_with_reason(name: str, fragment: str) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_topic(name)
    assert info.value.reason == "bad_topic"
    assert fragment in info.value.detail


def test_building_a_topic_checks_the_gateway_id() -> None:
    with pytest.raises(ProtocolError, match="gateway id"):
        topic("Has Space", Kind.EVENT)


@pytest.mark.parametrize(
    "message",
    [
        telemetry(),
        alarm(),
        State(gateway_id="gw-a", status="online", capabilities=["meters"]),
        Health(gateway_id="gw-a", uptime_s=1, outbox_depth=0, outbox_oldest_s=0, published=3),
        Command(gateway_id="gw-a", name="valve.close", device_id="v1"),
        CommandAck(gateway_id="gw-a", command_id=new_message_id(), status="done"),
    ],
)
def test_every_kind_round_trips(message: object) -> None:
    payload = encode(message)  # type: ignore[arg-type]
    parsed, decoded = decode(topic("gw-a", Kind(message.kind)), payload)  # type: ignore[attr-defined]
    assert decoded == message
    assert parsed.gateway_id == "gw-a"
    assert json.loads(payload)["schema_version"] == 1


def test_device_time_is_normalised_to_utc() -> None:
    payload = encode(telemetry()).replace(b'Z"', b'+08:00"', 1)
    _, message = decode("sc/v1/gw/gw-a/telemetry", payload)
    assert message.device_time.utcoffset() is not None
    assert message.device_time.tzinfo == UTC


@pytest.mark.parametrize(
    ("payload", "reason", "fragment"),
    [
        (b"{not json", "bad_json", "Invalid JSON"),
        (b"[]", "bad_schema", "should be an object"),
        (b'{"gateway_id": "gw-a", "readings": []}', "bad_schema", "readings"),
        (
            b'{"gateway_id": "gw-a", "readings": [{"device_id": "m", "metric": "x", '
            b'"ts": "2026-01-01T00:00:00", "value": 1}]}',
            "bad_schema",
            "timezone",
        ),
        (
            b'{"gateway_id": "gw-a", "schema_version": 2, "readings": []}',
            "bad_schema",
            "schema_version",
        ),
        (b'{"gateway_id": "gw-a", "surprise": 1, "readings": []}', "bad_schema", "surprise"),
        (
            b'{"gateway_id": "gw-b", "readings": [{"device_id": "m", "metric": "x", '
            b'"ts": "2026-01-01T00:00:00Z", "value": 1}]}',
            "gateway_mismatch",
            "gw-b",
        ),
        (b"\xff\xfe\x00garbage", "bad_json", "Invalid JSON"),
    ],
)
def test_invalid_payloads_are_refused_with_reason(
    payload: bytes, reason: str, fragment: str
) -> None:
    with pytest.raises(ProtocolError) as info:
        decode("sc/v1/gw/gw-a/telemetry", payload)
    assert info.value.reason == reason
    assert fragment in info.value.detail


def test_non_finite_values_are_refused() -> None:
    payload = encode(telemetry()).replace(b'"value":0.0', b'"value":NaN', 1)
    with pytest.raises(ProtocolError) as info:
        decode("sc/v1/gw/gw-a/telemetry", payload)
    assert info.value.reason in {"bad_json", "bad_schema"}


def test_oversized_payload_is_refused_before_parsing() -> None:
    payload = b" " * (MAX_PAYLOAD_BYTES[Kind.EVENT] + 1)
    with pytest.raises(ProtocolError) as info:
        decode("sc/v1/gw/gw-a/event", payload)
    assert info.value.reason == "too_large"


def test_encode_refuses_a_message_over_its_limit() -> None:
    event = alarm().model_copy(update={"data": {"blob": "x" * 70_000}})
    with pytest.raises(ProtocolError) as info:
        encode(event)
    assert info.value.reason == "too_large"


def test_too_many_readings_are_refused() -> None:
    with pytest.raises(ValueError, match="at most 5000"):
        telemetry().model_validate({"gateway_id": "gw-a", "readings": readings(0, 5001)})


def test_asyncapi_document_is_current() -> None:
    committed = (ROOT / "docs" / "asyncapi.json").read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/asyncapi.json is stale: run `smartcommunity protocol asyncapi`"
    )


def test_asyncapi_document_covers_every_kind() -> None:
    doc = json.loads(render())
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {f"sc/v1/gw/{{gateway_id}}/{k.value}" for k in Kind}
    assert {"Telemetry", "Event", "Reading", "Command"} <= set(doc["components"]["schemas"])


def test_message_id_time_matches_creation() -> None:
    before = datetime.now(UTC).timestamp()
    created = message_id_time(new_message_id()).timestamp()
    assert before - 0.01 <= created <= datetime.now(UTC).timestamp() + 0.01


@pytest.mark.parametrize(
    ("content_b64", "fragment"),
    [("aGVsbG8=", "content hashes to"), ("not base64!!", "not base64")],
)
def test_evidence_must_match_its_hash(content_b64: str, fragment: str) -> None:
    from protocol.models import Evidence

    evidence = Evidence(
        gateway_id="gw-a", sha256="0" * 64, media_type="image/jpeg", content_b64=content_b64
    )
    with pytest.raises(ProtocolError) as info:
        decode("sc/v1/gw/gw-a/evidence", encode(evidence))
    assert info.value.reason == "bad_evidence"
    assert fragment in info.value.detail


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"desensitised": False}, "needs release_id"),
        ({"release_id": 3}, "only for raw evidence"),
        ({"desensitised": False, "release_id": 0}, "greater than or equal to 1"),
    ],
)
def test_raw_evidence_must_name_its_release(fields: dict[str, object], fragment: str) -> None:
    from pydantic import ValidationError

    from protocol.models import Evidence

    with pytest.raises(ValidationError, match=fragment):
        Evidence(
            gateway_id="gw-a",
            sha256="0" * 64,
            media_type="video/mp4",
            content_b64="aGVsbG8=",
            **fields,  # type: ignore[arg-type]
        )


def test_a_command_acknowledges_itself_within_the_detail_limit() -> None:
    from protocol.models import Command

    command = Command(gateway_id="gw-a", name="barrier.open")
    ack = command.ack("failed", "x" * 600)
    assert (ack.gateway_id, ack.command_id, ack.status) == ("gw-a", command.message_id, "failed")
    assert len(ack.detail) == 500
    assert decode("sc/v1/gw/gw-a/cmd-ack", encode(ack))[1] == ack
