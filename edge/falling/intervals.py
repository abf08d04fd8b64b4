"""Exact 95 % intervals for the figures that judge a detector: a share and an hourly rate.

Small counts are the rule here (a few false alarms in hours of footage, a
few hundred falls), where normal approximations mislead; scipy's beta and
chi-square quantiles give the exact intervals.
"""

from __future__ import annotations

from scipy import stats


def share_interval(hits: int, trials: int) -> list[float] | None:
    """Clopper-Pearson 95 % interval of ``hits`` in ``trials`` (None without trials)."""
    if not 0 <= hits <= trials:
        raise ValueError(f"expected 0 <= hits <= trials, got {hits} of {trials}")
    if trials == 0:
        return None
    low = float(stats.beta.ppf(0.025, hits, trials - hits + 1)) if hits else 0.0
    high = float(stats.beta.ppf(0.975, hits + 1, trials - hits)) if hits < trials else 1.0
    return [round(low, 4), round(high, 4)]


def rate_interval(count: int, hours: float) -> list[float] | None:
    """Poisson 95 % interval of an hourly rate from ``count`` events in ``hours`` (None without)."""
    if count < 0:
        raise ValueError(f"expected a count of at least 0, got {count}")
    if hours <= 0:
        return None
    low = float(stats.chi2.ppf(0.025, 2 * count)) / 2 if count else 0.0
    high = float(stats.chi2.ppf(0.975, 2 * count + 2)) / 2
    return [round(low / hours, 3), round(high / hours, 3)]
