"""The view-check benchmark's scoring, on hand-made check results."""

from __future__ import annotations

from bench.view_check import FAULT_S, FAULT_START_S, margins, score_fault, summarise_faults
from edge.camera.viewcheck import ViewChange, ViewFault, ViewSample

MOVED, BLOCKED = ViewFault.MOVED, ViewFault.BLOCKED


def change(fault: ViewFault, raised: bool, at: float) -> ViewChange:
    return ViewChange(fault, raised, at - 30.0, ViewSample(at=at, faults=frozenset({fault})))


def test_a_fault_counts_only_when_raised_during_it() -> None:
    during = FAULT_START_S + 30.0
    after = FAULT_START_S + FAULT_S + 30.0
    caught = score_fault([change(MOVED, True, during), change(MOVED, False, after)], MOVED, "night")
    assert caught == {
        "detected": True,
        "raise_s": 30.0,
        "cleared": True,
        "wrong": 0,
        "condition": "night",
    }
    early = score_fault([change(MOVED, True, FAULT_START_S - 2.0)], MOVED, "day")
    late = score_fault([change(MOVED, True, after)], MOVED, "day")
    assert not early["detected"] and not late["detected"] and late["raise_s"] is None
    wrong = score_fault([change(BLOCKED, True, during)], MOVED, "snow")
    assert (wrong["detected"], wrong["wrong"]) == (False, 1)


def test_the_summary_counts_cameras_and_names_where_it_missed() -> None:
    rows = [
        {"detected": True, "raise_s": 30.0, "cleared": True, "wrong": 0, "condition": "day"},
        {"detected": True, "raise_s": 34.0, "cleared": False, "wrong": 1, "condition": "rain"},
        {"detected": False, "raise_s": None, "cleared": False, "wrong": 0, "condition": "snow"},
    ]
    summary = summarise_faults({"moved": rows, "frozen": rows[2:]})
    assert summary["moved"] == {
        "detected": "2/3",
        "raise_s_p50": 32.0,
        "cleared": "1/3",
        "wrong_faults": 1,
        "missed_conditions": ["snow"],
    }
    assert summary["frozen"]["raise_s_p50"] is None, "valid JSON, not NaN"


def test_margins_report_the_closest_healthy_checks() -> None:
    calm = ViewSample(at=0.0, faults=frozenset(), shift_px=(3.0, 4.0), match=0.8, flat_share=0.1)
    close = ViewSample(at=2.0, faults=frozenset({MOVED}), shift_px=(0.0, 9.0), match=0.2)
    blind = ViewSample(at=4.0, faults=frozenset(), unknown=frozenset({MOVED, BLOCKED}))
    report = margins([(calm, 10.0), (close, 10.0), (blind, 10.0)])
    assert report == {
        "healthy_checks": 3,
        "healthy_checks_looking_faulty": 1,
        "healthy_match_min": 0.2,
        "healthy_shift_over_tolerance_max": 0.9,
        "healthy_flat_share_max": 0.1,
    }
