"""Falls of several kinds and daily activities as labelled accelerometer segments."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from simulators.household.motion import (
    ADL_KINDS,
    ADL_WEIGHTS,
    FALL_KINDS,
    Builder,
    Segment,
    lying,
    posture,
)

DURATION_S = 24.0
Rng = np.random.Generator


def _pre_activity(b: Builder, until_s: float) -> None:
    if b.rng.random() < 0.6:
        b.gait(0.0, until_s, b.rng.uniform(0.15, 0.35))
    else:
        b.fidget(0.0, until_s, b.rng.uniform(0.01, 0.03))


def _after_fall(b: Builder, from_s: float) -> None:
    b.fidget(from_s, DURATION_S, b.rng.uniform(0.003, 0.015))
    if b.rng.random() < 0.25:
        start = from_s + b.rng.uniform(2.0, 12.0)
        b.fidget(start, start + b.rng.uniform(0.5, 1.5), b.rng.uniform(0.05, 0.2))


def _fall_over(b: Builder, at_s: float, azimuth: float) -> None:
    _pre_activity(b, at_s - 0.6)
    end = lying(b.rng)
    end = np.array([end[0], end[1], end[2]])
    end_az = posture(float(np.degrees(np.arccos(end[2]))), azimuth + b.rng.uniform(-25, 25))
    dur = b.rng.uniform(0.5, 1.0)
    b.turn(at_s - dur, dur, end_az)
    b.dip(at_s, b.rng.uniform(0.2, 0.5), b.rng.uniform(0.3, 0.8))
    b.impact(at_s, float(b.rng.lognormal(np.log(3.2), 0.3)), end_az)
    _after_fall(b, at_s + 0.3)


def _from_bed(b: Builder, at_s: float) -> None:
    start = lying(b.rng)
    b.hold(0.0, start)
    b.fidget(0.0, at_s - 1.0, b.rng.uniform(0.005, 0.02))
    end = lying(b.rng, 70, 110)
    b.turn(at_s - 0.6, b.rng.uniform(0.4, 0.6), end)
    b.dip(at_s, b.rng.uniform(0.15, 0.3), b.rng.uniform(0.3, 0.6))
    b.impact(at_s, float(b.rng.uniform(1.8, 4.0)), end)
    _after_fall(b, at_s + 0.3)


def _slow_slump(b: Builder, at_s: float) -> None:
    b.fidget(0.0, at_s, b.rng.uniform(0.01, 0.03))
    dur = b.rng.uniform(1.2, 3.0)
    end = posture(b.rng.uniform(50, 100), b.rng.uniform(0, 360))
    b.turn(at_s - dur, dur, end)
    b.impact(at_s, 0.3 + float(b.rng.gamma(2.0, 0.2)), end)
    _after_fall(b, at_s + 0.3)


def fall_segment(rng: Rng, kind: str, hz: float) -> Segment:
    """One fall of ``kind`` (see FALL_KINDS) at 8-12 s into a 24 s segment."""
    b = Builder(rng, hz=hz, duration_s=DURATION_S)
    at_s = float(rng.uniform(8.0, 12.0))
    azimuth = {"forward": 90.0, "backward": 270.0, "sideways": 0.0}
    if kind in azimuth:
        _fall_over(
            b, at_s, azimuth[kind] + (180.0 if rng.random() < 0.5 and kind == "sideways" else 0.0)
        )
    elif kind == "from_bed":
        _from_bed(b, at_s)
    elif kind == "slow_slump":
        _slow_slump(b, at_s)
    else:
        raise ValueError(f"expected a fall kind in {FALL_KINDS}, got {kind!r}")
    return Segment(kind, True, at_s, b.build(), hz)


def _walking(b: Builder, at_s: float) -> None:
    b.gait(0.0, DURATION_S, b.rng.uniform(0.15, 0.4))


def _still(b: Builder, at_s: float) -> None:
    b.hold(0.0, posture(b.rng.uniform(0, 35), b.rng.uniform(0, 360)))
    b.fidget(0.0, DURATION_S, b.rng.uniform(0.005, 0.03))


def _sit_down_hard(b: Builder, at_s: float) -> None:
    b.gait(0.0, at_s - 1.0, b.rng.uniform(0.15, 0.3))
    b.turn(at_s - 0.6, 0.6, posture(b.rng.uniform(10, 45), b.rng.uniform(0, 360)))
    b.dip(at_s, 0.25, b.rng.uniform(0.1, 0.4))
    b.impact(at_s, float(b.rng.uniform(1.0, 2.6)), posture(0, 0))
    b.fidget(at_s + 0.5, DURATION_S, b.rng.uniform(0.005, 0.03))


def _lie_down(b: Builder, at_s: float) -> None:
    b.fidget(0.0, at_s, b.rng.uniform(0.01, 0.03))
    dur = b.rng.uniform(1.5, 4.5)
    end = lying(b.rng)
    b.turn(at_s - dur, dur, end)
    b.impact(at_s, float(b.rng.gamma(2.0, 0.12)), end)
    b.fidget(at_s, DURATION_S, b.rng.uniform(0.003, 0.015))


def _stumble(b: Builder, at_s: float) -> None:
    b.gait(0.0, DURATION_S, b.rng.uniform(0.15, 0.3))
    tilt = posture(b.rng.uniform(20, 50), b.rng.uniform(0, 360))
    b.turn(at_s - 0.3, 0.3, tilt)
    b.impact(at_s, float(b.rng.uniform(1.2, 2.4)), posture(0, 0))
    b.turn(at_s + 0.2, b.rng.uniform(0.5, 1.2), posture(b.rng.uniform(0, 10), 0))


def _stairs(b: Builder, at_s: float) -> None:
    b.gait(0.0, DURATION_S, b.rng.uniform(0.3, 0.5))
    for step in np.arange(2.0, DURATION_S - 1.0, b.rng.uniform(0.5, 0.8)):
        b.impact(float(step), float(b.rng.uniform(0.5, 1.8)), posture(0, 0))


def _bend(b: Builder, at_s: float) -> None:
    b.fidget(0.0, DURATION_S, b.rng.uniform(0.01, 0.03))
    b.turn(at_s - 1.0, 1.0, posture(b.rng.uniform(60, 95), b.rng.uniform(0, 360)))
    b.turn(at_s + b.rng.uniform(0.5, 2.0), 1.0, posture(b.rng.uniform(0, 10), 0))


def _turn_in_bed(b: Builder, at_s: float) -> None:
    b.hold(0.0, lying(b.rng))
    b.fidget(0.0, DURATION_S, b.rng.uniform(0.003, 0.015))
    b.turn(at_s - 1.0, b.rng.uniform(0.8, 2.0), lying(b.rng))
    b.impact(at_s, float(b.rng.uniform(0.05, 0.4)), posture(90, 0))


def _device_drop(b: Builder, at_s: float) -> None:
    _pre_activity(b, at_s - 0.5)
    end = posture(b.rng.uniform(0, 180), b.rng.uniform(0, 360))
    b.turn(at_s - 0.4, 0.4, end)
    b.dip(at_s, b.rng.uniform(0.3, 0.45), b.rng.uniform(0.9, 1.0))
    b.impact(at_s, float(b.rng.uniform(3.0, 8.0)), end)
    b.extra[b.idx(at_s + 0.5) :] = 0.0


_ADL: dict[str, Callable[[Builder, float], None]] = {
    "walking": _walking,
    "still": _still,
    "sit_down_hard": _sit_down_hard,
    "lie_down": _lie_down,
    "stumble": _stumble,
    "stairs": _stairs,
    "bend": _bend,
    "turn_in_bed": _turn_in_bed,
    "device_drop": _device_drop,
}


def adl_segment(rng: Rng, kind: str, hz: float) -> Segment:
    """One daily activity of ``kind`` (see ADL_KINDS) in a 24 s segment."""
    if kind not in _ADL:
        raise ValueError(f"expected an activity in {ADL_KINDS}, got {kind!r}")
    b = Builder(rng, hz=hz, duration_s=DURATION_S)
    at_s = float(rng.uniform(8.0, 12.0))
    _ADL[kind](b, at_s)
    off_body = at_s + 0.5 if kind == "device_drop" else None
    return Segment(kind, False, at_s, b.build(), hz, off_body)


def evaluation_set(seed: int, *, n_falls: int, n_adls: int, hz: float = 50.0) -> list[Segment]:
    """Falls spread evenly over FALL_KINDS and ADLs drawn by ADL_WEIGHTS; deterministic."""
    rng = np.random.default_rng(seed)
    falls = [fall_segment(rng, FALL_KINDS[i % len(FALL_KINDS)], hz) for i in range(n_falls)]
    kinds = rng.choice(len(ADL_KINDS), size=n_adls, p=np.asarray(ADL_WEIGHTS))
    adls = [adl_segment(rng, ADL_KINDS[int(k)], hz) for k in kinds]
    return falls + adls
