"""The lane-watch benchmark's scoring, on hand-made read sequences."""

from __future__ import annotations

from bench.lane_watch import score_fault, watch_over
from edge.gate.readwatch import ReadWatchConfig

SMALL = ReadWatchConfig(window_passes=6, raise_unread=4, clear_read=2)


def test_a_fault_counts_from_its_first_pass_and_clears_after_the_repair() -> None:
    # Six faulted passes (one still read), then healthy ones.
    reads = [False, True, False, False, False, False] + [True] * 4
    scored = score_fault(watch_over(reads, SMALL), 6)
    assert scored == {
        "raised_at_pass": 5,
        "cleared_after_passes": 2,
        "cleared_while_faulted": False,
    }


def test_a_fault_the_reader_reads_through_raises_nothing() -> None:
    reads = [True, True, False, True, True, True] + [True] * 4
    assert score_fault(watch_over(reads, SMALL), 6) == {
        "raised_at_pass": None,
        "cleared_after_passes": None,
        "cleared_while_faulted": False,
    }


def test_a_partial_fault_that_flaps_is_reported() -> None:
    reads = [False] * 4 + [True, True] + [False] * 4 + [True] * 3
    changes = watch_over(reads, SMALL)
    assert [(i, c.raised) for i, c in changes] == [(3, True), (5, False), (9, True), (11, False)]
    scored = score_fault(changes, 10)
    assert scored["raised_at_pass"] == 4 and scored["cleared_while_faulted"] is True
    assert scored["cleared_after_passes"] == 2
