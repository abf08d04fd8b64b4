"""Seed ranges of the simulator, disjoint by construction.

Training and threshold tuning draw only from their own ranges; the
benchmark evaluates only on EVAL_* seeds, which nothing else ever renders.
"""

from __future__ import annotations

TRAIN_FALL = range(100_000, 100_400)
TRAIN_DISTRACTOR = range(200_000, 200_100)
# Eight hundred more training falls (the recipe's ``train_more`` store): boosted
# trees caught more development falls at every false-track budget with them.
TRAIN_FALL_MORE = range(120_000, 120_800)
TUNE_FALL = range(300_000, 300_100)
TUNE_DISTRACTOR = range(400_000, 400_060)
# Two more hours of distractor footage, rendered once to check the shipped
# threshold's false-alarm rate on more than the hour it was picked on.
CHECK_DISTRACTOR = range(400_060, 400_180)
# Four more hours for setting the threshold at the goal's rate: with the
# first hour, five hours of tuning footage (the check hours stay out of it).
TUNE_DISTRACTOR_MORE = range(400_180, 400_420)
TUNE_FOOTAGE = (TUNE_DISTRACTOR, TUNE_DISTRACTOR_MORE)
# Diagnosing front-end changes, e.g. 240 falls forced to night (make_episode(condition=...)).
DEV = range(310_000, 310_400)
# Tests use 500_000-500_199 (tests/edge/falling), listed here so no range takes them.
TEST = range(500_000, 500_200)
# The camera view check (edge/camera/viewcheck.py): its constants were chosen
# looking at VIEW_DESIGN cameras (and, as views of other buildings, at
# VIEW_DESIGN_ELSEWHERE); bench/view_check.py scores VIEW_EVAL cameras, each
# turned to the building of the same position in VIEW_EVAL_ELSEWHERE.
VIEW_DESIGN = range(600_000, 600_200)
VIEW_EVAL = range(610_000, 610_200)
VIEW_DESIGN_ELSEWHERE = range(650_000, 650_200)
VIEW_EVAL_ELSEWHERE = range(710_000, 710_200)
EVAL_FALL = range(900_000, 900_300)
# Two and a half hours: at the goal's 0.5 false alarms an hour, 30 minutes
# would expect a quarter of an alarm and could not tell 0 from 1.5 an hour.
EVAL_DISTRACTOR = range(950_000, 950_150)

ALL = (
    TRAIN_FALL,
    TRAIN_DISTRACTOR,
    TRAIN_FALL_MORE,
    TUNE_FALL,
    TUNE_DISTRACTOR,
    CHECK_DISTRACTOR,
    TUNE_DISTRACTOR_MORE,
    DEV,
    TEST,
    VIEW_DESIGN,
    VIEW_EVAL,
    VIEW_DESIGN_ELSEWHERE,
    VIEW_EVAL_ELSEWHERE,
    EVAL_FALL,
    EVAL_DISTRACTOR,
)


def assert_disjoint() -> None:
    """Raise if any two seed ranges share a seed."""
    seen: set[int] = set()
    for seeds in ALL:
        overlap = seen.intersection(seeds)
        if overlap:
            raise ValueError(f"seed ranges overlap at {min(overlap)}")
        seen.update(seeds)
