"""A community-scale device population and its real-time payload stream.

Each household has a gas detector (report every 10 s), a gas valve, water
and gas meters (every 15 min) and a smoke detector (heartbeat every 60 s);
a share of households are elderly people living alone, who also have a
wearable (accelerometer batches every second at 50 Hz, vitals every minute,
battery every 10 minutes, a position fix every minute) and bed and room
presence sensors (every minute). Payloads are JSON bytes, as devices send them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from simulators.household.activities import adl_segment
from simulators.household.motion import ADL_KINDS, ADL_WEIGHTS

CENTRE = (38.30, 116.84)


@dataclass(frozen=True, slots=True)
class Device:
    """One simulated device: what it reports and how often."""

    device_id: str
    household_id: str
    kind: str
    interval_s: float
    phase_s: float


@dataclass(frozen=True, slots=True)
class Resident:
    """An elderly resident living alone, by pseudonym."""

    resident_id: str
    household_id: str
    wearable_id: str


class Community:
    """``households`` households, ``elderly_share`` of them with an elderly resident."""

    def __init__(
        self,
        seed: int,
        *,
        households: int,
        elderly_share: float = 0.2,
        hz: float = 50.0,
        pool: int = 64,
    ) -> None:
        self.rng = np.random.default_rng(seed)
        self.hz = hz
        self.devices: list[Device] = []
        self.residents: list[Resident] = []
        for h in range(households):
            hid = f"h-{h:05d}"
            self._add(hid, f"gd-{h:05d}", "gas_detector", 10.0)
            self._add(hid, f"wm-{h:05d}", "water_meter", 900.0)
            self._add(hid, f"gm-{h:05d}", "gas_meter", 900.0)
            self._add(hid, f"sm-{h:05d}", "smoke", 60.0)
            if self.rng.random() < elderly_share:
                self.residents.append(Resident(f"r-s{seed}h{h:06d}", hid, f"wb-{h:05d}"))
                self._add(hid, f"wb-{h:05d}", "wearable", 1.0)
                self._add(hid, f"bd-{h:05d}", "bed", 60.0)
                self._add(hid, f"rm-{h:05d}", "room", 60.0)
        kinds = self.rng.choice(len(ADL_KINDS), size=pool, p=np.asarray(ADL_WEIGHTS))
        self._pool = np.stack([adl_segment(self.rng, ADL_KINDS[int(k)], hz).samples for k in kinds])
        wearables = sum(d.kind == "wearable" for d in self.devices)
        self._clip = self.rng.integers(0, pool, wearables)
        self._totals = self.rng.uniform(10, 500, len(self.devices))

    def _add(self, household_id: str, device_id: str, kind: str, interval_s: float) -> None:
        phase = float(self.rng.uniform(0, interval_s))
        self.devices.append(Device(device_id, household_id, kind, interval_s, phase))

    def second(self, start_s: float, k: int) -> list[bytes]:
        """Every payload devices send during second ``k`` after ``start_s``."""
        ts = start_s + k
        out: list[bytes] = []
        per = int(self.hz)
        n = self._pool.shape[1]
        w = 0
        for i, d in enumerate(self.devices):
            if d.kind == "wearable":
                off = (k * per) % (n - per)
                samples = self._pool[self._clip[w], off : off + per]
                w += 1
                out.append(
                    _dump(
                        {
                            "device_id": d.device_id,
                            "metric": "accel.g",
                            "ts": ts,
                            "hz": self.hz,
                            "samples": np.round(samples, 3).tolist(),
                        }
                    )
                )
                if k % 60 == int(d.phase_s) % 60:
                    out.extend(self._wearable_slow(d.device_id, ts, k))
                continue
            if (k - d.phase_s) % d.interval_s >= 1.0 and k > 0:
                continue
            out.append(self._scalar(i, d, ts))
        return out

    def _scalar(self, i: int, d: Device, ts: float) -> bytes:
        if d.kind == "gas_detector":
            metric, value = "gas.lel_pct", float(abs(self.rng.normal(0.5, 0.4)))
        elif d.kind in ("water_meter", "gas_meter"):
            self._totals[i] += self.rng.gamma(1.0, 0.002)
            metric = "water.total_m3" if d.kind == "water_meter" else "gas.total_m3"
            value = float(np.floor(self._totals[i] * 1000) / 1000)
        elif d.kind == "smoke":
            metric, value = "smoke.alarm", 0.0
        else:
            metric = "presence.bed" if d.kind == "bed" else "presence.room"
            value = float(self.rng.random() < 0.5)
        return _dump({"device_id": d.device_id, "metric": metric, "ts": ts, "value": value})

    def _wearable_slow(self, device_id: str, ts: float, k: int) -> list[bytes]:
        lat = CENTRE[0] + float(self.rng.normal(0, 0.0005))
        lon = CENTRE[1] + float(self.rng.normal(0, 0.0005))
        out = [
            _dump(
                {
                    "device_id": device_id,
                    "metric": "hr.bpm",
                    "ts": ts,
                    "value": float(self.rng.normal(72, 6)),
                }
            ),
            _dump(
                {
                    "device_id": device_id,
                    "metric": "spo2.pct",
                    "ts": ts,
                    "value": float(min(100.0, self.rng.normal(97, 1))),
                }
            ),
            _dump({"device_id": device_id, "metric": "geo.fix", "ts": ts, "lat": lat, "lon": lon}),
        ]
        if k % 600 < 60:
            out.append(
                _dump({"device_id": device_id, "metric": "battery.pct", "ts": ts, "value": 80.0})
            )
        return out


def _dump(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
