"""Encrypted raw clips, the bounded frame queue and the pre-event ring buffer."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from cryptography.fernet import Fernet

from edge.falling.evidence import FrameRing
from edge.falling.raw_store import EncryptedRawStore
from edge.falling.stats import DetectorStats, FrameQueue


def test_raw_clip_is_encrypted_and_purged_after_retention(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = EncryptedRawStore(
        directory=tmp_path, key=Fernet.generate_key(), retention_s=3600, clock=lambda: now[0]
    )
    path = store.put("event-1", b"raw clip bytes")
    assert b"raw clip bytes" not in path.read_bytes()
    assert store.get("event-1") == b"raw clip bytes"
    os.utime(path, (now[0] - 10, now[0] - 10))
    assert store.purge() == 0
    now[0] += 3600
    assert store.purge() == 1
    assert not path.exists()


def test_raw_store_refuses_path_names(tmp_path: Path) -> None:
    store = EncryptedRawStore(directory=tmp_path, key=Fernet.generate_key(), retention_s=10)
    with pytest.raises(ValueError, match="plain file name"):
        store.put("../escape", b"x")


def test_queue_drops_oldest_and_counts() -> None:
    queue = FrameQueue(maxsize=3)
    frame = np.zeros((2, 2, 3), np.uint8)
    for t in range(5):
        queue.put(float(t), frame)
    assert queue.dropped == 2
    assert [queue.get(0.01)[0] for _ in range(3)] == [2.0, 3.0, 4.0]  # type: ignore[index]
    queue.close()
    assert queue.get(0.01) is None


@pytest.mark.parametrize(
    ("seconds", "start", "end", "expected"),
    [
        (1.0, 0.0, 10.0, [3.0 + k / 10 for k in range(11)]),  # only the last 11 frames held
        (5.0, 3.5, 3.8, [3.5, 3.6, 3.7, 3.8]),  # both ends included
        (5.0, 5.0, 6.0, []),
    ],
)
def test_ring_buffer_window(
    seconds: float, start: float, end: float, expected: list[float]
) -> None:
    ring = FrameRing(seconds=seconds, fps=10)
    for k in range(41):
        ring.append(round(k / 10, 1), np.zeros((1, 1, 3), np.uint8))
    assert [t for t, _ in ring.between(start, end)] == pytest.approx(expected)


def test_stats_dict_for_health() -> None:
    stats = DetectorStats()
    for k in range(26):
        stats.record(k / 25, 2.0 + k % 2, moved=k % 5 == 0)
    stats.dropped = 3
    values = stats.as_dict()
    assert values["falling.fps"] == pytest.approx(25.0)
    assert values["falling.skipped"] == 3.0
    assert values["falling.ms_per_frame_p50"] in (2.0, 2.5, 3.0)
    assert values["falling.idle_frames"] == 20.0
