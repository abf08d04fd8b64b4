"""Meter analytics on scripted series: consumption, leak, night flow, burst, offline, faults."""

from __future__ import annotations

import pytest

from edge.household.config import MeterConfig
from edge.household.findings import Finding
from edge.household.meters import Meter
from tests.edge.household.factories import T0

INTERVAL = 900.0


def feed(
    meter: Meter,
    litres_per_interval: list[float],
    *,
    start_m3: float = 100.0,
    interval_s: float = INTERVAL,
) -> list[Finding]:
    """Feed a series given as litres used per interval; return every finding."""
    found: list[Finding] = []
    total = start_m3
    found += meter.on_total(total, T0).findings
    for k, litres in enumerate(litres_per_interval, start=1):
        total += litres / 1000.0
        found += meter.on_total(round(total, 3), T0 + k * interval_s).findings
    return found


def types(found: list[Finding]) -> list[str]:
    return [f.event_type for f in found]


def water(**overrides: object) -> Meter:
    return Meter(
        MeterConfig.model_validate(
            {"device_id": "wm-1", "household_id": "h-1", "medium": "water", **overrides}
        )
    )


def test_consumption_and_interval() -> None:
    meter = water()
    meter.on_total(100.0, T0)
    update = meter.on_total(100.012, T0 + INTERVAL)
    assert update.used_l == pytest.approx(12.0)
    assert update.interval_s == INTERVAL
    assert update.findings == []


@pytest.mark.parametrize(
    ("lph", "hours", "leak"),
    [(4.0, 8, True), (4.0, 7, False), (0.5, 12, False), (2.0, 8, True)],
)
def test_continuous_flow_is_a_leak(lph: float, hours: int, leak: bool) -> None:
    found = feed(water(), [lph * INTERVAL / 3600] * (hours * 4))
    assert ("water_leak" in types(found)) is leak


def test_leak_interrupted_by_a_dry_hour_restarts() -> None:
    series = [1.0] * 20 + [0.0] * 8 + [1.0] * 20
    assert "water_leak" not in types(feed(water(), series))


def test_minimum_night_flow_reported_once_per_night() -> None:
    # T0 is 08:00 local; 02:00-04:00 local begins 18 h later. 8 L/h all day.
    found = feed(water(leak_hours=72), [2.0] * 4 * 30)
    nights = [f for f in found if f.event_type == "water_night_flow"]
    assert len(nights) == 1
    assert nights[0].data["min_night_lph"] == pytest.approx(8.0)


def test_quiet_night_not_reported() -> None:
    assert "water_night_flow" not in types(feed(water(), [0.0] * 4 * 30))


@pytest.mark.parametrize(("litres", "burst"), [(300.0, True), (240.0, False), (900.0, True)])
def test_burst_threshold(litres: float, burst: bool) -> None:
    found = feed(water(), [0.0, litres, 0.0])
    assert ("water_burst" in types(found)) is burst


def test_offline_after_missing_intervals_then_online() -> None:
    meter = water()
    meter.on_total(100.0, T0)
    assert meter.poll(T0 + 4 * INTERVAL) == []
    (offline,) = meter.poll(T0 + 4 * INTERVAL + 1)
    assert offline.event_type == "meter_offline"
    assert meter.poll(T0 + 10 * INTERVAL) == []
    update = meter.on_total(100.01, T0 + 11 * INTERVAL)
    assert types(update.findings) == ["meter_online"]


@pytest.mark.parametrize(
    ("next_m3", "event", "used"),
    [
        (99.9, "meter_reversed", 0.0),
        (99.9995, None, 0.0),
        (110.0, "meter_implausible", 0.0),
        (100.005, None, 5.0),
    ],
)
def test_reversed_and_implausible(next_m3: float, event: str | None, used: float) -> None:
    meter = water()
    meter.on_total(100.0, T0)
    update = meter.on_total(next_m3, T0 + INTERVAL)
    assert update.used_l == pytest.approx(used)
    assert types(update.findings) == ([event] if event else [])


def test_rebaselined_after_reversal() -> None:
    meter = water()
    meter.on_total(100.0, T0)
    meter.on_total(50.0, T0 + INTERVAL)
    update = meter.on_total(50.004, T0 + 2 * INTERVAL)
    assert update.used_l == pytest.approx(4.0)


def test_out_of_order_reading_ignored() -> None:
    meter = water()
    meter.on_total(100.0, T0)
    meter.on_total(100.01, T0 + INTERVAL)
    update = meter.on_total(100.02, T0 + 10)
    assert update.used_l == 0.0
    assert meter.out_of_order == 1


def test_gas_meter_names_its_medium() -> None:
    meter = Meter(MeterConfig(device_id="gm-1", household_id="h-1", medium="gas"))
    found = feed(meter, [2.0] * 4 * 10)
    assert "gas_leak" in types(found)


def test_meter_config_refuses_inverted_flows() -> None:
    with pytest.raises(ValueError, match="leak_min_lph < burst_lph"):
        MeterConfig(device_id="wm-1", household_id="h-1", medium="water", burst_lph=0.5)


def test_a_leak_and_a_burst_are_reported_once_until_they_clear() -> None:
    # 4 L/h for 20 hours is one leak, however long it runs; two dry hours end
    # it, and 10 more hours of flow are a second leak.
    found = feed(water(), [1.0] * 4 * 20 + [0.0] * 8 + [1.0] * 4 * 10)
    assert types(found).count("water_leak") == 2
    # A burst held for three intervals is one burst; once the flow falls
    # below half the burst rate, the next one is reported again.
    found = feed(water(), [0.0, 300.0, 300.0, 300.0, 0.0, 300.0])
    assert types(found).count("water_burst") == 2
