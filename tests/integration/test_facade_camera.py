"""A façade camera on a running gateway: video in, a falling_object event in the outbox."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import cv2
from cryptography.fernet import Fernet

from edge.gateway import Gateway
from simulators.facade import FPS, make_episode
from tests.factories import gateway_config
from tests.integration.helpers import wait_until

RAW_KEY = Fernet.generate_key()
FALL_SEED = 500_003  # a test seed of the façade simulator, not an evaluation one


def write_video(path: Path) -> int:
    """Render the episode into an MP4 file; return the true floor of release."""
    episode = make_episode(FALL_SEED, "fall", condition="day", distractors=())
    assert episode.truth is not None
    writer = None
    for _t, frame in episode.frames():
        if writer is None:
            h, w = frame.shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (w, h))
        writer.write(frame)
    assert writer is not None
    writer.release()
    return episode.truth.floor


def events(outbox: Path) -> list[dict[str, object]]:
    with sqlite3.connect(outbox) as conn:
        rows = conn.execute("SELECT payload FROM outbox WHERE topic LIKE '%/event'").fetchall()
    return [json.loads(bytes(r[0])) for r in rows]


def test_gateway_detects_a_thrown_object_from_a_video_source(tmp_path: Path) -> None:
    video = tmp_path / "facade.mp4"
    floor = write_video(video)
    episode = make_episode(FALL_SEED, "fall", condition="day", distractors=())
    camera = {
        "source": {
            "type": "file",
            "id": "cam-facade-1",
            "path": str(video),
            "realtime": True,
            "queue_size": 50,
        },
        "falling": {
            "gateway_id": "gw-a",
            "calibration": episode.calibration.model_dump(mode="json"),
            "evidence": {"raw_dir": str(tmp_path / "raw"), "raw_key": RAW_KEY.decode()},
        },
    }
    # Port 1: no broker. Detection and evidence do not need the hub.
    gateway = Gateway(gateway_config("gw-a", 1, tmp_path, facade_cameras=[camera]))
    gateway.start()
    try:
        outbox = tmp_path / "gw-a.sqlite"
        found = wait_until(
            lambda: [e for e in events(outbox) if e["type"] == "falling_object"],
            timeout_s=60,
            what="a falling_object event",
        )
    finally:
        gateway.stop()
    event = found[0]
    assert event["alarm"] is True and event["severity"] == "major"
    assert event["device_id"] == episode.calibration.camera_id
    assert abs(int(event["data"]["floor"]) - floor) <= 1  # type: ignore[index, call-overload]
    assert event["evidence"], "a desensitised clip or composite is attached"
    assert gateway.agent.health().stats["camera.cam_facade_1.alarms"] >= 1
    # The raw clip stays on the gateway, encrypted, named by the event.
    stored = (tmp_path / "raw" / f"{event['message_id']}.enc").read_bytes()
    assert b"ftyp" not in stored
    assert Fernet(RAW_KEY).decrypt(stored)[4:8] == b"ftyp", "an MP4 inside"
