"""Benchmark of the camera view check (视频质量诊断) on simulated façade cameras.

    python -m bench.view_check --json [--cameras 40] [--healthy-s 120]

Data are simulated (simulators/facade, simulators/camera_faults). Each
camera is one seed of VIEW_EVAL, used by nothing else (the check's constants
were chosen looking at VIEW_DESIGN): one building, one camera, and as
reference the view its calibration was drawn on, the bare façade by day
(even seeds) or at night under IR (odd seeds). The check runs with its
default settings (every 2 s, a fault held 30 s before it is raised) and the
façade camera's tolerance (half the tightest storey). Then:

* healthy footage, ``--healthy-s`` in each of the five conditions (day,
  night, rain, backlight, snow) with their clutter, camera shake and JPEG
  compression: every fault raised there is a false fault;
* faulted footage, one episode per fault and camera in a condition drawn by
  seed: 40 s healthy, the fault for 120 s, 40 s healthy again. The faults:
  the view shifted down by one (tightest) storey, rotated so that the
  frame's side edges move by one storey (1.7 to 7.9 degrees, median 3.5,
  on the 40 default cameras), turned to
  another building; the lens 70 % or fully covered; the stream
  frozen on one frame; the signal lost. A fault counts as detected when the
  check raised it during the fault; ``raise_s`` is from the fault's start
  (at least hold_s by design), and ``cleared`` counts those cleared again
  by the end of the episode. Faults of another kind raised in a faulted
  episode are ``wrong_faults``.

``healthy_checks_looking_faulty`` counts single checks of healthy footage
that saw a fault (none is raised unless one persists for hold_s), with the
closest calls beside it: the lowest phase-correlation response (a fault
under 0.1), the largest shift over the camera's tolerance (a fault over 1)
and the largest flat share (a fault from 0.5).

``check_ms_p50`` is the CPU time of one check on a 1920x1080 frame (one
core); ``check_ms_per_frame_25fps`` spreads it over the frames of a 25 fps
stream between two checks.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import cv2
import numpy as np

from edge.camera.viewcheck import (
    ViewChange,
    ViewCheck,
    ViewCheckConfig,
    ViewFault,
    ViewSample,
    sample_grey,
)
from edge.facade import view_check_for
from models.trajectory.seeds import VIEW_EVAL, VIEW_EVAL_ELSEWHERE
from simulators.camera_faults import covered, shifted
from simulators.facade.episode import CONDITIONS, FPS, Condition, Episode, make_episode

Image = np.ndarray
CONFIG = ViewCheckConfig()
STEP = round(CONFIG.every_s * FPS)
FAULT_START_S, FAULT_S, AFTER_S = 40.0, 120.0, 40.0
Fault = Callable[[float, Image], Image | None]


def reference_of(seed: int) -> tuple[Episode, Image]:
    """The camera of ``seed`` and the bare view its calibration was drawn on."""
    condition: Condition = "night" if seed % 2 else "day"
    episode = make_episode(seed, "distractor", condition=condition, duration_s=1.0, distractors=())
    return episode, next(episode.frames())[1]


def check_of(episode: Episode, reference: Image) -> ViewCheck:
    """The check a gateway runs on this camera (edge.facade.view_check_for), default settings."""
    return view_check_for(CONFIG, episode.calibration, sample_grey(reference))


def run(
    check: ViewCheck,
    frames: Iterator[tuple[float, Image | None]],
    samples: list[ViewSample] | None = None,
) -> list[ViewChange]:
    """Feed samples (None: no frame came) to the check; all changes it made.

    Each check's measurement is appended to ``samples`` when given.
    """
    changes = []
    for t, frame in frames:
        changes += check.idle(t) if frame is None else check.frame(t, frame)
        if samples is not None and check.last is not None and check.last.at == t:
            samples.append(check.last)
    return changes


def healthy(seed: int, seconds: float) -> tuple[dict[str, int], list[tuple[ViewSample, float]]]:
    """False faults raised in ``seconds`` of healthy footage per condition, and every
    check's measurement with the camera's tolerance."""
    episode, reference = reference_of(seed)
    raised: dict[str, int] = {}
    samples: list[ViewSample] = []
    for condition in CONDITIONS:
        check = check_of(episode, reference)
        footage = make_episode(seed, "distractor", condition=condition, duration_s=seconds)
        changes = run(check, footage.frames(STEP), samples)
        raised[condition] = sum(c.raised for c in changes)
    # view_check_for always sets the camera's tolerance.
    assert check.moved_px is not None
    return raised, [(sample, check.moved_px) for sample in samples]


def margins(samples: list[tuple[ViewSample, float]]) -> dict[str, Any]:
    """How close single healthy checks came to a fault, before any holding."""
    measured = [(s, tol) for s, tol in samples if s.match is not None and s.shift_px is not None]
    return {
        "healthy_checks": len(samples),
        "healthy_checks_looking_faulty": sum(bool(s.faults) for s, _ in samples),
        "healthy_match_min": min(s.match for s, _ in measured if s.match is not None),
        "healthy_shift_over_tolerance_max": round(
            max(float(np.hypot(*s.shift_px)) / tol for s, tol in measured if s.shift_px), 2
        ),
        "healthy_flat_share_max": max(s.flat_share or 0.0 for s, _ in samples),
    }


def faults_of(
    seed: int, episode: Episode, condition: Condition
) -> dict[str, tuple[ViewFault, Fault]]:
    """Each simulated fault: the fault the check should raise, and the frame it makes."""
    # The calibration is in full-frame pixels; the episode renders a smaller view.
    width, height = episode.camera.width, episode.camera.height
    storey = episode.calibration.tightest_storey_px() * width / episode.calibration.frame_wh[0]
    # Turned about the lens axis so the frame's left and right edges move a storey.
    angle = float(np.degrees(np.arctan2(storey, width / 2)))
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    elsewhere_seed = VIEW_EVAL_ELSEWHERE[VIEW_EVAL.index(seed)]
    other = make_episode(elsewhere_seed, "distractor", condition=condition, duration_s=FAULT_S + 1)
    elsewhere = dict(other.frames(STEP))
    rng = np.random.default_rng(seed)
    cover_grey = int(rng.integers(20, 200))
    frozen: dict[str, Image] = {}

    def freeze(t: float, frame: Image) -> Image:
        return frozen.setdefault("frame", frame)

    return {
        "moved_one_storey": (ViewFault.MOVED, lambda t, f: shifted(f, 0.0, storey)),
        "rotated_one_storey_at_edges": (
            ViewFault.MOVED,
            lambda t, f: np.asarray(
                cv2.warpAffine(f, rotation, (width, height), borderMode=cv2.BORDER_REPLICATE)
            ),
        ),
        "turned_elsewhere": (
            ViewFault.MOVED,
            lambda t, f: elsewhere[round((t - FAULT_START_S) * FPS) / FPS],
        ),
        "covered_70pct": (ViewFault.BLOCKED, lambda t, f: covered(f, 0.7, cover_grey, rng)),
        "covered_fully": (ViewFault.BLOCKED, lambda t, f: covered(f, 1.0, cover_grey, rng)),
        "frozen": (ViewFault.FROZEN, freeze),
        "no_signal": (ViewFault.NO_SIGNAL, lambda t, f: None),
    }


def faulted(seed: int) -> dict[str, dict[str, Any]]:
    """Per fault: raised (and after how long), cleared, and other faults raised."""
    episode, reference = reference_of(seed)
    condition = CONDITIONS[seed % len(CONDITIONS)]
    out = {}
    for name, (expected, fault) in faults_of(seed, episode, condition).items():
        check = check_of(episode, reference)
        footage = make_episode(
            seed, "distractor", condition=condition, duration_s=FAULT_START_S + FAULT_S + AFTER_S
        )

        def frames(footage: Episode = footage, fault: Fault = fault) -> Iterator[Any]:
            for t, frame in footage.frames(STEP):
                during = FAULT_START_S <= t < FAULT_START_S + FAULT_S
                yield t, fault(t, frame) if during else frame

        out[name] = score_fault(run(check, frames()), expected, condition)
    return out


def score_fault(changes: list[ViewChange], expected: ViewFault, condition: str) -> dict[str, Any]:
    """One faulted episode: raised during the fault (and how long after it began),
    cleared afterwards, and faults of other kinds raised."""
    raised = [c for c in changes if c.raised and c.fault == expected]
    in_time = [c for c in raised if FAULT_START_S <= c.sample.at < FAULT_START_S + FAULT_S]
    return {
        "detected": bool(in_time),
        "raise_s": in_time[0].sample.at - FAULT_START_S if in_time else None,
        "cleared": any(not c.raised and c.fault == expected for c in changes),
        "wrong": sum(c.raised and c.fault != expected for c in changes),
        "condition": condition,
    }


def summarise_faults(per_fault: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per fault over all cameras: detected and cleared counts, median time to raise."""
    out = {}
    for name, rows in per_fault.items():
        times = [r["raise_s"] for r in rows if r["raise_s"] is not None]
        out[name] = {
            "detected": f"{sum(r['detected'] for r in rows)}/{len(rows)}",
            "raise_s_p50": statistics.median(times) if times else None,
            "cleared": f"{sum(r['cleared'] for r in rows)}/{len(rows)}",
            "wrong_faults": sum(r["wrong"] for r in rows),
            "missed_conditions": sorted({r["condition"] for r in rows if not r["detected"]}),
        }
    return out


def check_cost_ms(repeats: int = 60) -> float:
    """Median CPU ms of one check on a 1920x1080 frame."""
    episode = make_episode(VIEW_EVAL[0], "distractor", size_wh=(1920, 1080), duration_s=4.0)
    frames = [frame for _, frame in episode.frames(STEP)]
    check = ViewCheck(config=CONFIG, frame_wh=(1920, 1080), moved_px=20.0)
    times = []
    for i in range(repeats):
        frame = frames[i % len(frames)]
        started = time.thread_time()
        check.frame(i * CONFIG.every_s, frame)
        times.append((time.thread_time() - started) * 1000)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="Print one JSON line.")
    parser.add_argument("--cameras", type=int, default=40, help="Simulated cameras (seeds).")
    parser.add_argument("--healthy-s", type=float, default=120.0, help="Seconds per condition.")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    started = time.perf_counter()
    seeds = list(VIEW_EVAL[: args.cameras])
    false_faults: dict[str, int] = dict.fromkeys(CONDITIONS, 0)
    per_fault: dict[str, list[dict[str, Any]]] = {}
    samples: list[tuple[ViewSample, float]] = []
    for seed in seeds:
        raised, measured = healthy(seed, args.healthy_s)
        samples += measured
        for condition, count in raised.items():
            false_faults[condition] += count
        for name, result in faulted(seed).items():
            per_fault.setdefault(name, []).append(result)
    hours = len(seeds) * len(CONDITIONS) * args.healthy_s / 3600
    ms = check_cost_ms()
    report = {
        "cameras": len(seeds),
        "healthy_hours": round(hours, 2),
        "false_faults": sum(false_faults.values()),
        "false_faults_by_condition": false_faults,
        **margins(samples),
        "faults": summarise_faults(per_fault),
        "check_ms_p50": round(ms, 2),
        "check_ms_per_frame_25fps": round(ms / (CONFIG.every_s * 25), 3),
        "hold_s": CONFIG.hold_s,
        "wall_s": round(time.perf_counter() - started, 1),
        "data": "simulated",
    }
    print(json.dumps(report, ensure_ascii=False) if args.json else json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
