"""Raw evidence leaves a gateway only on a request a second person approved, and is audited."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from edge.errors import PrivacyViolation
from edge.gateway import Gateway
from hub.api.app import create_app
from protocol.models import Event
from tests.conftest import TestBroker
from tests.edge.falling.falling_factories import make_calibration
from tests.factories import add_users, gateway_config, hub_settings, sign_in
from tests.integration.helpers import SCENARIO, scalar, wait_until

CLIP = b"\x00\x00\x00\x18ftypmp42" + os.urandom(4096)  # stands for the raw MP4


def tiny_video(path: Path) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 25, (1920, 1080))
    for _ in range(3):
        writer.write(np.zeros((1080, 1920, 3), np.uint8))
    writer.release()


@pytest.fixture
def api(broker: TestBroker, database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(hub_settings(database_url, broker.port, scenario=SCENARIO))) as c:
        add_users(database_url)
        wait_until(lambda: c.get("/readyz").status_code == 200, what="the hub to be ready")
        yield c


@pytest.fixture
def gateway(broker: TestBroker, tmp_path: Path) -> Iterator[Gateway]:
    video = tmp_path / "facade.mp4"
    tiny_video(video)
    camera = {
        "source": {"type": "file", "id": "cam-1", "path": str(video)},
        "falling": {
            "gateway_id": "gw-a",
            "calibration": make_calibration().model_dump(mode="json"),
            "evidence": {"raw_dir": str(tmp_path / "raw"), "raw_key": Fernet.generate_key()},
        },
    }
    gw = Gateway(gateway_config("gw-a", broker.port, tmp_path, facade_cameras=[camera]))
    gw.start()
    wait_until(lambda: gw.agent.link.connected, what="the gateway to connect")
    yield gw
    gw.stop()


def thrown_object(gateway: Gateway, api: TestClient, database_url: str) -> str:
    """An event at the hub, with its raw clip kept encrypted on the gateway."""
    event = Event(
        gateway_id="gw-a",
        type="falling_object",
        severity="major",
        alarm=True,
        device_id="cam-1",
        observed_at=datetime.now(UTC),
        data={"floor": 7},
    )
    gateway.agent.emit_event(event)
    store = gateway.cameras[0].raw_store
    assert store is not None
    store.put(event.message_id, CLIP)
    wait_until(
        lambda: scalar(
            database_url, "SELECT count(*) FROM events WHERE message_id = %s", event.message_id
        ),
        what="the event at the hub",
    )
    return event.message_id


def post(api: TestClient, who: str, url: str, body: dict[str, Any]) -> Any:
    return api.post(url, headers=sign_in(api, who), json=body)


def test_two_people_release_a_raw_clip_to_the_asker_only(
    api: TestClient, gateway: Gateway, database_url: str
) -> None:
    event_id = thrown_object(gateway, api, database_url)
    ask = {"event_id": event_id, "reason": "公安调查需要原始视频 case 2026-117"}
    assert post(api, "two-duty", "/api/v1/raw-releases", ask).status_code == 404  # not theirs
    assert (
        post(api, "one-duty", "/api/v1/raw-releases", ask | {"reason": "short"}).status_code == 422
    )
    created = post(api, "one-duty", "/api/v1/raw-releases", ask)
    assert created.status_code == 201, created.text
    release = created.json()
    assert release["status"] == "pending" and release["requested_by"] == "one-duty"
    url = f"/api/v1/raw-releases/{release['id']}/decision"

    # Community officers ask; they cannot approve (theirs or anyone's).
    assert post(api, "one-duty", url, {"approve": True}).status_code == 403
    # Nor can the generic command endpoint send the release.
    forged = post(
        api,
        "admin",
        "/api/v1/gateways/gw-a/commands",
        {"name": "evidence.release_raw", "args": {"object": event_id, "release_id": 1}},
    )
    assert forged.status_code == 403 and "approved request" in forged.text

    approved = post(api, "street", url, {"approve": True, "note": "同意调取"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["command_id"]
    assert post(api, "admin", url, {"approve": False}).status_code == 409  # decided already

    def delivered() -> Any:
        got = api.get(f"/api/v1/raw-releases/{release['id']}", headers=sign_in(api, "one-duty"))
        # The clip and the command's acknowledgement are two messages; the hub
        # may store them in different batches, so wait for both.
        body = got.json()
        return body if body["sha256"] and body["command_status"] == "done" else None

    done = wait_until(delivered, what="the raw clip and the command's ack at the hub")
    assert done["delivered_at"]
    evidence_url = f"/api/v1/evidence/{done['sha256']}"
    for who in ("one-duty", "street"):
        got = api.get(evidence_url, headers=sign_in(api, who))
        assert got.status_code == 200 and got.content == CLIP
        assert got.headers["cache-control"] == "no-store"
    for who in ("one-security", "two-duty", "admin"):
        assert api.get(evidence_url, headers=sign_in(api, who)).status_code == 404, who

    actions = scalar(
        database_url,
        "SELECT count(DISTINCT action) FROM audit_log WHERE action IN"
        " ('raw_release.requested', 'raw_release.approved', 'raw_release.viewed')",
    )
    assert actions == 3
    views = scalar(
        database_url, "SELECT count(*) FROM audit_log WHERE action = 'raw_release.viewed'"
    )
    assert views == 2
    verify = api.get("/api/v1/audit/verify", headers=sign_in(api, "admin")).json()
    assert verify["ok"] is True


def test_the_asker_cannot_approve_and_a_rejection_sends_nothing(
    api: TestClient, gateway: Gateway, database_url: str
) -> None:
    event_id = thrown_object(gateway, api, database_url)
    ask = {"event_id": event_id, "reason": "street office review of this event"}
    release = post(api, "street", "/api/v1/raw-releases", ask).json()
    url = f"/api/v1/raw-releases/{release['id']}/decision"
    refused = post(api, "street", url, {"approve": True})
    assert refused.status_code == 403 and "second person" in refused.text
    rejected = post(api, "admin", url, {"approve": False, "note": "理由不足"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["command_id"] is None
    listed = api.get("/api/v1/raw-releases?status=rejected", headers=sign_in(api, "street"))
    assert [r["id"] for r in listed.json()] == [release["id"]]
    assert (
        scalar(database_url, "SELECT count(*) FROM commands WHERE name = 'evidence.release_raw'")
        == 0
    )


def test_raw_without_an_approved_release_never_leaves_or_is_kept(
    api: TestClient, gateway: Gateway, database_url: str
) -> None:
    # The egress gate refuses raw evidence nobody authorised...
    with pytest.raises(PrivacyViolation, match="no approved release"):
        gateway.agent.release_raw("video/mp4", CLIP, 41)
    # ...and the hub keeps none that names a release it did not approve.
    gateway.agent.gate.authorise_release(42)
    sha = gateway.agent.release_raw("video/mp4", CLIP, 42)
    wait_until(
        lambda: scalar(
            database_url, "SELECT count(*) FROM dead_letters WHERE reason = 'unapproved_raw'"
        ),
        what="the unapproved raw object to be refused",
    )
    assert scalar(database_url, "SELECT count(*) FROM evidence WHERE sha256 = %s", sha) == 0
    assert scalar(database_url, "SELECT max(payload_size) FROM dead_letters") == 0
