"""Plate-reading benchmark on simulated gate passes (``--json`` prints one line).

The evaluation seed below was fixed before any tuning and never used for
it; tuning used seeds 1001, 5 and 7. Data are simulated (simulators.gate),
so figures say how the pipeline does on rendered plates, not on real gates.

Ours: lane region, text detection (later frames first near the last plate),
plate rectification, position-constrained decoding and voting on
per-character probabilities across the frames of a pass (stopping early
when two frames agree). Baseline, in the same run: full-frame
detection and plain greedy OCR of the pass's last (closest) frame, no region,
no constraints, no voting; the first text that parses as a plate counts.
Both run on one core: one onnxruntime intra-op thread, cv2.setNumThreads(1),
and the process pinned to one CPU.

At the gate's default ``min_open_confidence``, ``right_but_held`` is the share
of correctly read plates whose voted confidence is below it (a resident who
would wait for the guard) and ``wrong_but_confident`` the share of passes read
wrong at or above it (which open only if the wrong string is itself listed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from edge.gate.config import GateConfig
from edge.plates.errors import InvalidPlate
from edge.plates.grammar import parse
from edge.plates.ocr import TextDetector, TextRecogniser, crop_quad
from edge.plates.reader import PlateReader, ReaderConfig
from simulators.gate.scene import LANE_ROI_XYXY, VehiclePass, make_pass

EVAL_SEED = 20261123
BASELINE_DET_MAX_SIDE = 960


@dataclass
class Tally:
    """Exact matches and per-pass milliseconds of one method."""

    right: int = 0
    right_hard: int = 0
    ms: list[float] = field(default_factory=list)

    def add(self, correct: bool, hard: bool, elapsed_ms: float) -> None:
        self.right += correct
        self.right_hard += correct and hard
        self.ms.append(elapsed_ms)

    def summary(self, passes: int, hard: int) -> dict[str, float]:
        ordered = sorted(self.ms)
        return {
            "exact_match": round(self.right / passes, 4),
            "exact_match_hard": round(self.right_hard / max(hard, 1), 4),
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        }


def _passes(seed: int, count: int) -> Iterator[VehiclePass]:
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield make_pass(rng)


def _greedy(probs: np.ndarray, alphabet: list[str]) -> str:
    best = probs.argmax(axis=1)
    keep = np.concatenate([[True], best[1:] != best[:-1]]) & (best != 0)
    return "".join(alphabet[int(i)] for i in best[keep])


def baseline_read(frame: np.ndarray, detector: TextDetector, recogniser: TextRecogniser) -> str:
    """Full-frame OCR: every detected line read greedily; the first plate wins."""
    for box in detector.detect(frame):
        text = _greedy(recogniser.probabilities(crop_quad(frame, box.quad)), recogniser.alphabet)
        try:
            return parse(text).text
        except InvalidPlate:
            continue
    return ""


def run(passes: int, seed: int, recognisers: str) -> dict[str, object]:
    """Evaluate both methods on ``passes`` simulated passes from ``seed``."""
    recogniser = TextRecogniser()
    config = ReaderConfig.model_validate({"roi_xyxy": LANE_ROI_XYXY, "recognisers": recognisers})
    reader = PlateReader(config=config, recogniser=recogniser)
    full_frame = TextDetector(max_side=BASELINE_DET_MAX_SIDE)
    ours, base = Tally(), Tally()
    hard = colour_right = held_right = confident_wrong = 0
    threshold = GateConfig.model_fields["min_open_confidence"].default
    for vehicle in _passes(seed, passes):
        hard += vehicle.hard
        result = reader.read_pass(vehicle.frames)
        got = result.result.plate.text if result.result else ""
        right = got == vehicle.plate.text
        ours.add(right, vehicle.hard, result.elapsed_ms)
        colour_right += bool(result.result and result.result.colour == vehicle.plate.colour)
        # What the gate does with the voted confidence: a listed plate read right
        # but below the threshold waits for the guard; one read wrong above it
        # would open only if the wrong string were itself on a list.
        confident = result.result is not None and result.result.confidence >= threshold
        held_right += right and not confident
        confident_wrong += bool(got) and not right and confident
        start = time.perf_counter()
        base_text = baseline_read(vehicle.frames[-1], full_frame, recogniser)
        base.add(
            base_text == vehicle.plate.text, vehicle.hard, (time.perf_counter() - start) * 1000
        )
    return {
        "data": "simulated",
        "seed": seed,
        "passes": passes,
        "recognisers": recognisers,
        "hard_passes": hard,
        **ours.summary(passes, hard),
        "colour_match": round(colour_right / passes, 4),
        "min_open_confidence": threshold,
        "right_but_held": round(held_right / max(ours.right, 1), 4),
        "wrong_but_confident": round(confident_wrong / passes, 4),
        "baseline": base.summary(passes, hard),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print one JSON line.")
    parser.add_argument("--passes", type=int, default=500, help="Vehicle passes to evaluate.")
    parser.add_argument("--seed", type=int, default=EVAL_SEED, help="Simulator seed.")
    parser.add_argument(
        "--recognisers",
        choices=("both", "plate", "ppocr"),
        default=ReaderConfig.model_fields["recognisers"].default,
        help="Which recognisers the reader votes (the gate's default unless given).",
    )
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    figures = run(args.passes, args.seed, args.recognisers)
    print(json.dumps(figures, ensure_ascii=False) if args.json else json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
