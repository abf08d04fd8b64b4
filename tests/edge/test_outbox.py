"""The durable outbox keeps every message until it is deleted after a PUBACK."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from edge.outbox import Outbox, OutboxFull


def test_messages_survive_reopening(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite")
    box.put_many([("t/1", b"a", False), ("t/2", b"b", True)])
    box.close()
    again = Outbox(tmp_path / "o.sqlite")
    items = again.after(0, 10)
    assert [(i.topic, i.payload, i.retain) for i in items] == [
        ("t/1", b"a", False),
        ("t/2", b"b", True),
    ]
    assert again.depth() == 2


def test_delete_forgets_only_acknowledged(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite")
    box.put_many([("t", bytes([i]), False) for i in range(5)])
    ids = [i.id for i in box.after(0, 10)]
    box.delete(ids[:3])
    assert [i.payload for i in box.after(0, 10)] == [bytes([3]), bytes([4])]
    assert box.depth() == 2
    assert [i.payload for i in box.after(ids[3], 10)] == [bytes([4])]


def test_full_outbox_refuses_and_keeps_what_it_has(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite", max_messages=100)
    box.put_many([("t", b"x", False)] * 100)
    with pytest.raises(OutboxFull) as info:
        box.put("t", b"y")
    assert (info.value.depth, info.value.limit) == (100, 100)
    assert box.depth() == 100


def test_concurrent_producers_lose_nothing(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite", fsync="normal")

    def produce(n: int) -> None:
        for i in range(200):
            box.put("t", f"{n}-{i}".encode())

    threads = [threading.Thread(target=produce, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    payloads = {i.payload for i in box.after(0, 10_000)}
    assert len(payloads) == 800
    assert box.depth() == 800


def test_command_ids_are_remembered(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite")
    assert box.first_sight_of_command("c1") is True
    assert box.first_sight_of_command("c1") is False
    assert Outbox(tmp_path / "o.sqlite").first_sight_of_command("c1") is False
