"""Household gas-detector concentration traces (%LEL) with ground truth, vectorised.

A leak rises towards a plateau with a first-order time constant (a room
filling); a cooking-fume transient is a short excursion above the alarm
level that the confirmation delay must ride out. Background is sensor noise
around a small offset. Rows are detectors, columns are report times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class GasTraces:
    """Concentrations ``lel_pct`` (detectors, times) and per-detector ground truth."""

    ts_s: Floats
    lel_pct: Floats
    leak: Bools
    leak_start_s: Floats
    transient: Bools


def gas_traces(
    seed: int,
    *,
    detectors: int,
    duration_s: float,
    start_s: float,
    interval_s: float = 5.0,
    leak_share: float = 0.1,
    transient_share: float = 0.3,
) -> GasTraces:
    """Traces for ``detectors`` detectors: some leak, some see cooking transients, most nothing.

    Leaks plateau at 15-80 %LEL with a 30-300 s time constant; transients peak
    at 11-22 %LEL for 3-12 s, above the default alarm level and below the
    default high level, so they test the confirmation delay alone.
    """
    rng = np.random.default_rng(seed)
    ts = start_s + interval_s * np.arange(int(duration_s / interval_s), dtype=np.float64)
    rel = ts - start_s
    lel = np.clip(rng.normal(0.5, 0.4, (detectors, ts.size)), 0.0, None)
    kind = rng.random(detectors)
    leak = kind < leak_share
    transient = (kind >= leak_share) & (kind < leak_share + transient_share)
    leak_start = np.where(leak, rng.uniform(0.1, 0.5, detectors) * duration_s, np.inf)
    plateau = rng.uniform(15, 80, (detectors, 1))
    tau = rng.uniform(30, 300, (detectors, 1))
    since = np.clip(rel[None, :] - leak_start[:, None], 0.0, None)
    lel += np.where(leak[:, None], plateau * (1 - np.exp(-since / tau)), 0.0)
    t0 = rng.uniform(0.1, 0.8, (detectors, 1)) * duration_s
    width = rng.uniform(3, 12, (detectors, 1))
    peak = rng.uniform(11, 22, (detectors, 1))
    inside = (rel[None, :] >= t0) & (rel[None, :] < t0 + width)
    lel = np.where(transient[:, None] & inside, np.maximum(lel, peak), lel)
    return GasTraces(ts, lel, leak, start_s + leak_start, transient)
