"""Guarantee 5: bad input gets a dead letter with a reason and the hub keeps going."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from protocol import encode
from tests.conftest import TestBroker
from tests.factories import add_users, hub_settings, sign_in, telemetry
from tests.integration.helpers import SCENARIO, mqtt_client, scalar, wait_until


@pytest.fixture
def api(broker: TestBroker, database_url: str) -> TestClient:
    with TestClient(
        create_app(hub_settings(database_url, broker.port, scenario=SCENARIO))
    ) as client:
        add_users(database_url)
        client.headers.update(sign_in(client, "admin"))
        wait_until(lambda: client.get("/readyz").status_code == 200, what="the hub to be ready")
        yield client  # type: ignore[misc]


HOSTILE = [
    ("sc/v1/gw/gw-a/telemetry", b"{not json", "bad_json"),
    ("sc/v1/gw/gw-a/telemetry", b'{"gateway_id": "gw-a", "readings": "lots"}', "bad_schema"),
    ("sc/v1/gw/gw-a/event", b'{"gateway_id": "gw-a"}', "bad_schema"),
    ("sc/v1/gw/gw-a/telemetry", b"[" + b"1," * 300_000 + b"1]", "too_large"),
    ("sc/v1/gw/GW_A/event", encode(telemetry()), "bad_topic"),
    ("sc/v1/gw/gw-a/telemetry", encode(telemetry("gw-b")), "gateway_mismatch"),
    ("sc/v1/gw/gw-a/state", b"\x00\xff\xfe binary", "bad_json"),
    (
        "sc/v1/gw/gw-a/health",
        json.dumps(
            {
                "gateway_id": "gw-a",
                "uptime_s": -1,
                "outbox_depth": 0,
                "outbox_oldest_s": 0,
                "published": 0,
            }
        ).encode(),
        "bad_schema",
    ),
]


def test_hostile_messages_become_dead_letters_and_ingest_goes_on(
    api: TestClient, broker: TestBroker, database_url: str
) -> None:
    with mqtt_client(broker.port, "_tester", "tester-pw") as tester:
        for name, payload, _reason in HOSTILE:
            tester.publish(name, payload, qos=1).wait_for_publish(5)
        good = telemetry("gw-a", n=5)
        tester.publish("sc/v1/gw/gw-a/telemetry", encode(good), qos=1).wait_for_publish(5)
    wait_until(
        lambda: scalar(database_url, "SELECT count(*) FROM telemetry") == 5,
        what="the valid message after the hostile ones",
    )
    wait_until(
        lambda: len(api.get("/api/v1/dead-letters").json()) == len(HOSTILE),
        what="a dead letter per hostile message",
    )
    letters = api.get("/api/v1/dead-letters").json()
    assert sorted(d["reason"] for d in letters) == sorted(r for _, _, r in HOSTILE)
    assert all(d["detail"] for d in letters), "every dead letter says why"
    oversized = next(d for d in letters if d["reason"] == "too_large")
    assert oversized["payload_size"] > 512 * 1024
    assert scalar(database_url, "SELECT max(length(payload_head)) FROM dead_letters") <= 8192
    assert api.get("/readyz").status_code == 200
    metrics = api.get("/metrics").text
    assert 'sc_ingest_dead_letters_total{reason="too_large"} 1.0' in metrics


def test_gateway_credentials_are_confined_to_their_own_topics(
    api: TestClient, broker: TestBroker, database_url: str
) -> None:
    received: list[str] = []
    with (
        mqtt_client(broker.port, "gw-a", "pw-a") as gw_a,
        mqtt_client(broker.port, "gw-b", "pw-b", client_id="gw-b") as gw_b,
    ):
        # A publishes into B's subtree: the broker refuses, the hub never sees it.
        gw_a.publish(
            "sc/v1/gw/gw-b/telemetry", encode(telemetry("gw-b", n=7)), qos=1
        ).wait_for_publish(5)
        # A subscribes to B's commands and to everything: it must receive none of B's.
        gw_a.on_message = lambda _c, _u, m: received.append(m.topic)
        gw_a.subscribe("sc/v1/gw/gw-b/cmd", qos=1)
        gw_a.subscribe("sc/v1/#", qos=1)
        b_got: list[str] = []
        gw_b.on_message = lambda _c, _u, m: b_got.append(m.topic)
        gw_b.subscribe("sc/v1/gw/gw-b/cmd", qos=1)
        time.sleep(0.5)  # let both subscriptions settle before the command goes out
        with mqtt_client(broker.port, "_hub", "hub-pw") as hub:
            hub.publish("sc/v1/gw/gw-b/cmd", b'{"x": 1}', qos=1).wait_for_publish(5)
        wait_until(lambda: b_got, what="gateway B to get its own command")
        # Then B publishes legitimately; its reading arrives, A's forgery never did.
        gw_b.publish(
            "sc/v1/gw/gw-b/telemetry", encode(telemetry("gw-b", n=2)), qos=1
        ).wait_for_publish(5)
        wait_until(
            lambda: scalar(database_url, "SELECT count(*) FROM telemetry") == 2,
            what="B's own readings",
        )
        time.sleep(0.3)
    assert received == [], f"gateway A read another gateway's traffic: {received}"
    assert scalar(database_url, "SELECT count(*) FROM telemetry WHERE gateway_id = 'gw-b'") == 2
    assert scalar(database_url, "SELECT count(*) FROM dead_letters") == 0


def test_wrong_password_is_refused(broker: TestBroker) -> None:
    with (
        pytest.raises(AssertionError, match="timed out"),
        mqtt_client(broker.port, "gw-a", "wrong") as client,
    ):
        raise RuntimeError(f"connected with a wrong password: {client}")
