"""A device's findings: standing alarms are reported once until they clear."""

from __future__ import annotations

from edge.household.findings import Findings


def test_a_standing_alarm_is_reported_once_until_it_clears() -> None:
    findings = Findings("wb-1", {"household_id": "h-1"})
    findings.once("battery_low", 10.0, "minor", battery_pct=9)
    findings.once("battery_low", 20.0, "minor", battery_pct=8)
    (first,) = findings.take()
    assert (first.event_type, first.at_s, first.severity, first.alarm) == (
        "battery_low",
        10.0,
        "minor",
        True,
    )
    assert first.device_id == "wb-1"
    assert first.data == {"household_id": "h-1", "battery_pct": 9}
    assert findings.take() == []  # taken once
    assert findings.clear("battery_low") is True
    assert findings.clear("battery_low") is False  # nothing stands any more
    findings.once("battery_low", 30.0, "minor", battery_pct=7)
    findings.add("battery_ok", 31.0, "info", alarm=False)
    assert [(f.event_type, f.alarm) for f in findings.take()] == [
        ("battery_low", True),
        ("battery_ok", False),
    ]
