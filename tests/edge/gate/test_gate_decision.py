"""Access decisions: every branch, and the visitor window's edges."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from gate_factories import SECRET, T0

from edge.gate.decision import Action, Reason, decide
from edge.gate.lists import AccessStore

RESIDENT, VISITOR, BANNED, STOLEN = "冀A12345", "京BD12345", "粤Z1234港", "冀A54321"


@pytest.fixture
def store(tmp_path: Path) -> AccessStore:
    lists = AccessStore(path=tmp_path / "lists.sqlite", secret=SECRET.encode())
    lists.sync(
        {
            "resident": [RESIDENT, STOLEN],
            "visitor": [
                {
                    "plate": VISITOR,
                    "from": (T0).isoformat(),
                    "until": (T0 + timedelta(hours=2)).isoformat(),
                }
            ],
            "blacklist": [BANNED, STOLEN],
        }
    )
    return lists


@pytest.mark.parametrize(
    ("plate", "offset_s", "action", "reason"),
    [
        (RESIDENT, 0, Action.OPEN, Reason.RESIDENT),
        (BANNED, 0, Action.REFUSE, Reason.BLACKLISTED),
        (STOLEN, 0, Action.REFUSE, Reason.BLACKLISTED),  # blacklist beats resident
        ("沪C99999", 0, Action.HOLD, Reason.UNKNOWN),
        (VISITOR, -1, Action.HOLD, Reason.VISITOR_OUTSIDE_WINDOW),
        (VISITOR, 0, Action.OPEN, Reason.VISITOR),  # window start is inclusive
        (VISITOR, 3600, Action.OPEN, Reason.VISITOR),
        (VISITOR, 7200, Action.OPEN, Reason.VISITOR),  # window end is inclusive
        (VISITOR, 7201, Action.HOLD, Reason.VISITOR_OUTSIDE_WINDOW),
    ],
)
def test_decision(
    store: AccessStore, plate: str, offset_s: int, action: Action, reason: Reason
) -> None:
    decision = decide(store, plate, T0 + timedelta(seconds=offset_s))
    assert (decision.action, decision.reason) == (action, reason)


def test_lists_hold_keyed_hashes_not_plates(store: AccessStore, tmp_path: Path) -> None:
    raw = (tmp_path / "lists.sqlite").read_bytes()
    for plate in (RESIDENT, VISITOR, BANNED, STOLEN):
        assert plate.encode() not in raw
        assert plate[2:].encode() not in raw
    keys = list(store.stored_keys())
    assert store.key(RESIDENT) in keys
    assert all(len(k) == 64 for k in keys)


def test_other_secret_cannot_match(store: AccessStore, tmp_path: Path) -> None:
    other = AccessStore(path=tmp_path / "lists.sqlite", secret=b"another-secret-0123456789")
    assert decide(other, RESIDENT, T0).reason is Reason.UNKNOWN
