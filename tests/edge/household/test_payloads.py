"""Malformed payloads give clear, counted errors; every emitted payload passes egress."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from edge.egress import EgressGate
from edge.household.config import HouseholdSafetyConfig
from edge.household.errors import PayloadError
from edge.household.payloads import MAX_RAW_BYTES, parse
from protocol.models import Reading
from tests.edge.household.factories import T0, make_safety, scalar

ACCEL = {"device_id": "wb-1", "metric": "accel.g", "ts": T0, "hz": 50}

BAD = [
    ("nan value", scalar("gd-1", "gas.lel_pct", T0, math.nan), "not_finite"),
    ("inf value", scalar("gd-1", "gas.lel_pct", T0, math.inf), "not_finite"),
    ("negative concentration", scalar("gd-1", "gas.lel_pct", T0, -3.0), "out_of_range"),
    ("negative meter total", scalar("wm-1", "water.total_m3", T0, -1.0), "out_of_range"),
    ("string value", scalar("gd-1", "gas.lel_pct", T0, "12"), "bad_type"),
    ("bool value", scalar("gd-1", "gas.lel_pct", T0, True), "bad_type"),
    ("missing value", {"device_id": "gd-1", "metric": "gas.lel_pct", "ts": T0}, "bad_type"),
    ("list payload", [1, 2, 3], "bad_type"),
    ("device id not a string", scalar(7, "gas.lel_pct", T0, 1.0), "bad_type"),  # type: ignore[arg-type]
    ("timestamp in ms", scalar("gd-1", "gas.lel_pct", T0 * 1000, 1.0), "out_of_range"),
    ("clock never set", scalar("gd-1", "gas.lel_pct", 5.0, 1.0), "out_of_range"),
    ("unknown metric", scalar("gd-1", "gas.ppm", T0, 1.0), "unknown_metric"),
    ("binary not 0/1", scalar("wb-1", "sos.pressed", T0, 2), "out_of_range"),
    ("spo2 over 100", scalar("wb-1", "spo2.pct", T0, 101), "out_of_range"),
    ("unknown device", scalar("xx-9", "gas.lel_pct", T0, 1.0), "unknown_device"),
    ("metric of another device", scalar("gd-1", "hr.bpm", T0, 70), "wrong_metric"),
    ("accel wrong shape", {**ACCEL, "samples": [[0, 0, 1, 0]]}, "bad_shape"),
    ("accel ragged", {**ACCEL, "samples": [[0, 0, 1], [0, 1]]}, "bad_type"),
    ("accel nan", {**ACCEL, "samples": [[0, 0, math.nan]]}, "not_finite"),
    ("accel too many", {**ACCEL, "samples": [[0, 0, 1]] * 1001}, "oversized"),
    ("accel beyond sensor range", {**ACCEL, "samples": [[0, 0, 40]]}, "out_of_range"),
    ("accel empty", {**ACCEL, "samples": []}, "bad_type"),
    ("accel bad rate", {**ACCEL, "hz": 0, "samples": [[0, 0, 1]]}, "out_of_range"),
    (
        "fix off the globe",
        {"device_id": "wb-1", "metric": "geo.fix", "ts": T0, "lat": 91, "lon": 0},
        "out_of_range",
    ),
]


@pytest.mark.parametrize(("label", "raw", "reason"), BAD, ids=[b[0] for b in BAD])
def test_malformed_payload_is_counted_not_crashing(label: str, raw: object, reason: str) -> None:
    safety, sink, _, _ = make_safety()
    assert safety.on_payload(raw) is False  # type: ignore[arg-type]
    assert safety.errors[reason] == 1
    assert safety.stats[f"household.refused.{reason}"] == 1.0
    assert sink.events == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "bad_json"),
        (b"\xff\xfe", "bad_json"),
        (b" " * (MAX_RAW_BYTES + 1), "oversized"),
        (
            json.dumps(scalar("gd-1", "gas.lel_pct", T0, 1.0)).encode().replace(b"1.0", b"NaN"),
            "not_finite",
        ),
    ],
)
def test_malformed_bytes(raw: bytes, reason: str) -> None:
    safety, _, _, _ = make_safety()
    assert safety.on_payload(raw) is False
    assert safety.errors[reason] == 1


def test_error_message_says_what_was_expected_and_what_came() -> None:
    with pytest.raises(PayloadError) as info:
        parse(scalar("gd-1", "spo2.pct", T0, 140))
    assert "expected spo2.pct in [0.0, 100.0], got 140" in str(info.value)
    assert info.value.device_id == "gd-1"


def test_protocol_reading_path_validates_too() -> None:
    safety, _, _, _ = make_safety()
    at = datetime.fromtimestamp(T0, tz=UTC)
    assert safety.on_reading(Reading(device_id="gd-1", metric="gas.lel_pct", ts=at, value=1.0))
    assert not safety.on_reading(Reading(device_id="gd-1", metric="gas.lel_pct", ts=at, value=-1.0))
    assert safety.errors["out_of_range"] == 1


def test_every_event_passes_the_egress_gate() -> None:
    safety, sink, clock, _ = make_safety()
    gate = EgressGate(names=["张伟"])
    for k, payload in enumerate(
        [
            scalar("gd-1", "gas.lel_pct", T0, 60.0),
            scalar("wb-1", "sos.pressed", T0, 1),
            scalar("sm-1", "smoke.alarm", T0, 1),
        ]
    ):
        clock.now_s = T0 + k
        assert safety.on_payload(payload)
    assert {"gas_alarm", "sos", "smoke_alarm"} <= set(sink.types())
    for event in sink.events:
        gate.screen(event.model_dump_json().encode(), what=event.type)
    assert gate.refused == 0


@pytest.mark.parametrize("resident_id", ["r-13812345678", "r-11010519491231002x", "Zhang Wei"])
def test_resident_ids_must_be_pseudonyms(resident_id: str) -> None:
    with pytest.raises(ValidationError):
        HouseholdSafetyConfig.model_validate(
            {"residents": [{"resident_id": resident_id, "household_id": "h-1"}]}
        )


def test_duplicate_device_ids_refused() -> None:
    with pytest.raises(ValidationError, match="unique device ids"):
        HouseholdSafetyConfig.model_validate(
            {
                "gas_detectors": [{"device_id": "d-1", "household_id": "h-1"}],
                "meters": [{"device_id": "d-1", "household_id": "h-1", "medium": "water"}],
            }
        )


def test_unknown_config_key_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        HouseholdSafetyConfig.model_validate({"gas_detector": []})


def test_event_carrying_a_phone_number_is_refused_and_counted() -> None:
    safety, sink, _, _ = make_safety()
    event = safety.emitter.emit(
        event_type="sos", device_id="wb-1", at_s=T0, data={"note": "call 13812345678"}
    )
    assert event is None
    assert sink.events == []
    assert safety.stats["household.privacy_refused"] == 1.0


def test_long_float_fractions_do_not_trip_the_gate() -> None:
    safety, _, _, _ = make_safety()
    event = safety.emitter.emit(
        event_type="gas_cleared", device_id="gd-1", at_s=T0, data={"lel_pct": 0.13812345678}
    )
    assert event is not None
    assert event.data["lel_pct"] == 0.138
