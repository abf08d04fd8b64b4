"""Per-minute wearable streams of elderly residents with ground-truth episodes.

Vectorised over residents: heart rate and SpO2 every minute with diurnal
variation and sensor noise (including single bad samples that must not
alarm), SOS presses, sustained abnormal-vital episodes and wandering walks
that leave a circular home fence. Positions are metres east/north of the
fence centre converted to WGS-84 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
METRES_PER_DEG_LAT = 111_195.0
EPISODES = ("none", "sos", "tachycardia", "hypoxia", "wandering")


@dataclass(frozen=True, slots=True)
class CareStream:
    """Minute-by-minute signals (residents, minutes) and each resident's episode."""

    minutes: int
    hr_bpm: Floats
    spo2_pct: Floats
    sos: npt.NDArray[np.bool_]
    lat: Floats
    lon: Floats
    episode: list[str]
    episode_minute: Ints


def care_stream(
    seed: int,
    *,
    residents: int,
    minutes: int,
    centre: tuple[float, float],
    fence_m: float = 300.0,
    episode_share: float = 0.5,
) -> CareStream:
    """Streams where ``episode_share`` of residents have one episode from EPISODES[1:]."""
    rng = np.random.default_rng(seed)
    t = np.arange(minutes)[None, :]
    hr = 70 + 8 * np.sin(2 * np.pi * t / 1440) + rng.normal(0, 3, (residents, minutes))
    spo2 = np.clip(rng.normal(97, 0.8, (residents, minutes)), 80, 100)
    # Lone artefacts: one sample out of range, never two in a row.
    glitch = rng.random((residents, minutes)) < 0.01
    glitch[:, 1:] &= ~glitch[:, :-1]
    hr = np.where(glitch, 150.0, hr)
    kinds = np.where(
        rng.random(residents) < episode_share, rng.integers(1, len(EPISODES), residents), 0
    )
    start = rng.integers(minutes // 4, minutes // 2, residents)
    after = t >= start[:, None]
    episode = [EPISODES[int(k)] for k in kinds]
    is_kind = np.array([[e == name for name in EPISODES] for e in episode])
    hr = np.where(is_kind[:, 2:3] & after, rng.uniform(130, 160, (residents, 1)), hr)
    spo2 = np.where(is_kind[:, 3:4] & after, rng.uniform(82, 88, (residents, 1)), spo2)
    sos = is_kind[:, 1:2] & (t == start[:, None])
    east = rng.normal(0, 15, (residents, minutes))
    north = rng.normal(0, 15, (residents, minutes))
    walk = np.clip(t - start[:, None], 0, None) * rng.uniform(40, 70, (residents, 1))
    heading = rng.uniform(0, 2 * np.pi, (residents, 1))
    wander = is_kind[:, 4:5]
    east = east + np.where(wander, walk * np.cos(heading), 0.0)
    north = north + np.where(wander, walk * np.sin(heading), 0.0)
    lat = centre[0] + north / METRES_PER_DEG_LAT
    lon = centre[1] + east / (METRES_PER_DEG_LAT * np.cos(np.radians(centre[0])))
    return CareStream(
        minutes,
        np.asarray(hr),
        np.asarray(spo2),
        np.asarray(sos),
        np.asarray(lat),
        np.asarray(lon),
        episode,
        start.astype(np.int64),
    )
