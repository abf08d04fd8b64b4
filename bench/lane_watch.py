"""Lane plate-reading watch on simulated gate passes (``--json`` prints one line).

Does a lane camera that stops reading plates raise ``plates_unread``, and
does a healthy one stay quiet? Data are simulated (simulators.gate,
simulators.camera_faults), with a seed no tuning used; the watch's
defaults (12 unread of the last 20 passes raise, 5 read in a row clear)
were set by the binomial reasoning in ``edge.gate.readwatch``, not on
these passes.

Healthy: passes read as the lane reads them, the watch's defaults over the
sequence; the figure is how many faults it raised (none expected), the
unread share, and the chance of a false raise per window at that share.
Faulted: every frame of a run of passes goes through one fault (the
camera turned so the lane moved a third of the frame sideways, 70 % of
the lens covered, the lens out of focus by 4 or 10 px, the night
illuminator failed so a tenth or 3 % of the light is left);
then healthy passes again. A fault the reader reads through (a mild
defocus) should raise nothing: the lane still works. The figures are the
share read while faulted,
the pass at which the fault was raised and the passes after the repair
until it cleared.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import numpy.typing as npt
from scipy.stats import beta, binom

from edge.gate.readwatch import ReadChange, ReadWatch, ReadWatchConfig
from edge.plates.reader import PlateReader, ReaderConfig
from simulators.camera_faults import covered, shifted
from simulators.gate.scene import FRAME_WH, LANE_ROI_XYXY, VehiclePass, make_pass

SEED = 20261125
Image = npt.NDArray[np.uint8]
Fault = Callable[[Image, np.random.Generator], Image]


def _turned(frame: Image, _rng: np.random.Generator) -> Image:
    return shifted(frame, FRAME_WH[0] / 3, 0.0)


def _covered(frame: Image, _rng: np.random.Generator) -> Image:
    # The same side every frame: a bag over the lens stays where it is.
    return covered(frame, 0.7, 60, np.random.default_rng(SEED))


def _defocused(sigma_px: float) -> Fault:
    def fault(frame: Image, _rng: np.random.Generator) -> Image:
        return np.asarray(cv2.GaussianBlur(frame, (0, 0), sigma_px), dtype=np.uint8)

    return fault


def _dark(gain: float) -> Fault:
    # The night illuminator failed: the picture keeps a share of its light, plus sensor noise.
    def fault(frame: Image, rng: np.random.Generator) -> Image:
        dark = frame.astype(np.float32) * gain + rng.normal(0.0, 3.0, frame.shape)
        return np.asarray(np.clip(dark, 0, 255), dtype=np.uint8)

    return fault


FAULTS: dict[str, Fault] = {
    "turned": _turned,
    "covered": _covered,
    "defocused_4px": _defocused(4.0),
    "defocused_10px": _defocused(10.0),
    "dark_0.1": _dark(0.1),
    "dark_0.03": _dark(0.03),
}


def _reads(reader: PlateReader, passes: list[VehiclePass], fault: Fault | None) -> list[bool]:
    rng = np.random.default_rng(SEED)
    out = []
    for vehicle in passes:
        frames = vehicle.frames if fault is None else [fault(f, rng) for f in vehicle.frames]
        out.append(reader.read_pass(frames).result is not None)
    return out


def watch_over(reads: list[bool], config: ReadWatchConfig) -> list[tuple[int, ReadChange]]:
    """The watch's changes over a sequence of read (True) / unread passes, with pass indices."""
    watch = ReadWatch(config)
    t0 = datetime(2026, 11, 25, tzinfo=UTC)
    changes = []
    for index, read in enumerate(reads):
        change = watch.record(read=read, at=t0 + timedelta(minutes=index))
        if change is not None:
            changes.append((index, change))
    return changes


def score_fault(
    changes: list[tuple[int, ReadChange]], faulted: int
) -> dict[str, int | bool | None]:
    """Pass (1-based) within the faulted run at which the fault rose, and passes to clear after."""
    raised = [i for i, c in changes if c.raised and i < faulted]
    cleared = [i for i, c in changes if not c.raised and i >= faulted]
    early = [i for i, c in changes if not c.raised and i < faulted]
    return {
        "raised_at_pass": raised[0] + 1 if raised else None,
        "cleared_after_passes": cleared[0] - faulted + 1 if cleared and raised else None,
        "cleared_while_faulted": bool(early),
    }


def run(healthy: int, faulted: int, after: int) -> dict[str, object]:
    """``healthy`` passes, then per fault ``faulted`` passes through it and ``after`` healthy."""
    config = ReadWatchConfig()
    reader = PlateReader(config=ReaderConfig(roi_xyxy=LANE_ROI_XYXY))
    rng = np.random.default_rng(SEED)
    clean = [make_pass(rng) for _ in range(healthy)]
    reads = _reads(reader, clean, None)
    unread = reads.count(False)
    upper = float(beta.ppf(0.975, unread + 1, healthy - unread))
    figures: dict[str, object] = {
        "data": "simulated",
        "seed": SEED,
        "watch": config.model_dump(),
        "healthy_passes": healthy,
        "healthy_unread_share": round(unread / healthy, 4),
        "healthy_false_raises": sum(c.raised for _, c in watch_over(reads, config)),
        "healthy_most_unread_in_a_window": max(
            reads[max(0, i - config.window_passes + 1) : i + 1].count(False)
            for i in range(len(reads))
        ),
        # The unread share's upper 95 % bound (Clopper-Pearson), and the chance
        # that one window of passes at that share holds raise_unread unread ones.
        "healthy_unread_share_upper95": round(upper, 4),
        "healthy_false_raise_p_per_window": float(
            binom.sf(config.raise_unread - 1, config.window_passes, upper)
        ),
    }
    for index, (name, fault) in enumerate(FAULTS.items()):
        rng = np.random.default_rng([SEED, index])
        bad = [make_pass(rng) for _ in range(faulted)]
        good = [make_pass(rng) for _ in range(after)]
        seq = _reads(reader, bad, fault) + _reads(reader, good, None)
        figures[name] = {
            "read_share_faulted": round(seq[:faulted].count(True) / faulted, 4),
            **score_fault(watch_over(seq, config), faulted),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print one JSON line.")
    parser.add_argument("--healthy", type=int, default=300, help="Healthy passes.")
    parser.add_argument("--faulted", type=int, default=30, help="Passes through each fault.")
    parser.add_argument("--after", type=int, default=10, help="Healthy passes after each fault.")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    figures = run(args.healthy, args.faulted, args.after)
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
