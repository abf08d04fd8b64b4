"""Exact intervals of shares and hourly rates."""

from __future__ import annotations

import pytest

from edge.falling.intervals import rate_interval, share_interval


def test_share_interval_is_exact_and_closed_at_the_ends() -> None:
    # Clopper-Pearson: all caught still leaves the lower end below 1, none the upper above 0.
    assert share_interval(10, 10) == [pytest.approx(0.6915, abs=1e-4), 1.0]
    assert share_interval(0, 10) == [0.0, pytest.approx(0.3085, abs=1e-4)]
    low, high = share_interval(268, 300) or [0.0, 0.0]
    assert low < 268 / 300 < high
    assert share_interval(0, 0) is None


def test_false_alarm_interval_says_how_little_half_an_hour_shows() -> None:
    # No alarm in 30 minutes is consistent with up to 7.4 an hour (3.69 expected events).
    assert rate_interval(0, 0.5) == [0.0, pytest.approx(7.378, abs=1e-3)]
    low, high = rate_interval(3, 2.0) or [0.0, 0.0]
    assert low < 1.5 < high
    assert rate_interval(0, 0.0) is None


@pytest.mark.parametrize(("hits", "trials"), [(-1, 3), (4, 3)])
def test_impossible_shares_are_refused(hits: int, trials: int) -> None:
    with pytest.raises(ValueError, match="hits <= trials"):
        share_interval(hits, trials)


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 0"):
        rate_interval(-1, 1.0)
