"""A façade camera on a running gateway: video in, falling_object and camera_fault events out."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import cv2
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from edge.gateway import Gateway
from hub.api.app import create_app
from simulators.camera_faults import shifted
from simulators.facade import FPS, make_episode
from tests.conftest import TestBroker
from tests.factories import add_users, gateway_config, hub_settings, sign_in
from tests.integration.helpers import SCENARIO, wait_until

RAW_KEY = Fernet.generate_key()
FALL_SEED = 500_003  # a test seed of the façade simulator, not an evaluation one
FAULT = "camera_fault"


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


def test_a_camera_knocked_askew_raises_a_camera_fault_alert_at_the_hub(
    broker: TestBroker, database_url: str, tmp_path: Path
) -> None:
    video = tmp_path / "facade.mp4"
    write_video(video)
    episode = make_episode(FALL_SEED, "fall", condition="day", distractors=())
    # The installer calibrated on a view a storey and a half higher than the camera's now.
    storey = episode.calibration.tightest_storey_px()
    bare = make_episode(FALL_SEED, "fall", condition="day", distractors=(), duration_s=0.1)
    reference = tmp_path / "calibrated-view.png"
    cv2.imwrite(str(reference), shifted(bare.background, 0.0, -1.5 * storey / 2))
    camera = {
        "source": {"type": "file", "id": "cam-facade-1", "path": str(video), "loop": True},
        "falling": {
            "gateway_id": "gw-a",
            "calibration": episode.calibration.model_dump(mode="json"),
        },
        "view_check": {"reference": str(reference), "every_s": 0.5, "hold_s": 1.0},
    }
    settings = hub_settings(database_url, broker.port, scenario=SCENARIO)
    with TestClient(create_app(settings)) as api:
        add_users(database_url)
        api.headers.update(sign_in(api, "admin"))
        gateway = Gateway(gateway_config("gw-a", broker.port, tmp_path, facade_cameras=[camera]))
        gateway.start()
        try:
            alerts = wait_until(
                lambda: [a for a in api.get("/api/v1/alerts").json() if a["type"] == FAULT],
                timeout_s=60,
                what="a camera_fault alert",
            )
            stats = gateway.agent.health().stats
            # The privacy masks were drawn on the calibrated view: evidence is pixelated whole.
            assert gateway.cameras[0].detector.masks_misaligned
            sha = alerts[0]["evidence"][0]["sha256"]
            content = wait_until(
                lambda: (r := api.get(f"/api/v1/evidence/{sha}")).status_code == 200 and r.content,
                timeout_s=30,
                what="the composite at the hub",
            )
        finally:
            gateway.stop()
    alert = alerts[0]
    assert alert["severity"] == "major"
    assert alert["device_id"] == episode.calibration.camera_id, "as its falling_object alarms"
    assert alert["data"]["fault"] == "moved"
    # Frames are half the calibrated width: the shift is reported in calibrated pixels.
    assert alert["data"]["shift_px"][1] == pytest.approx(1.5 * storey, abs=4.0)
    assert [r["role"] for r in alert["evidence"]] == ["composite"], "calibrated view and now"
    assert stats["camera.cam_facade_1.view_faults"] == 1.0
    assert content.startswith(b"\xff\xd8"), "a JPEG, stored at the hub"
