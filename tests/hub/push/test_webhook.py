"""Signed webhooks from the durable outbox: signatures, delivery, retries, no loss, no doubles."""

from __future__ import annotations

import socket
import threading
import time

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from hub.db import make_pool
from hub.push.dispatcher import PushDispatcher
from hub.push.outbox import claim_due, enqueue_alert, mark_delivered
from hub.push.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    encode_body,
    sign,
    verify_signature,
)
from tests.hub.push.conftest import (
    EVIDENCE_SHA,
    SECRET,
    Clock,
    Receiver,
    make_alert,
    start_receiver,
    webhook_config,
)

BODY = encode_body({"alert": {"id": 1, "type": "falling_object"}})
NOW = 1_795_000_000


def _rows(database_url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT status, attempts, last_error IS NOT NULL FROM push_deliveries ORDER BY id"
        ).fetchall()


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "now", "valid"),
    [
        (SECRET, str(NOW), BODY, NOW, True),
        (SECRET, str(NOW), BODY, NOW + 299, True),
        (SECRET, str(NOW), BODY.replace(b"falling_object", b"gas_alarm"), NOW, False),
        (SECRET, str(NOW), BODY + b" ", NOW, False),
        (SECRET, str(NOW + 1), BODY, NOW, False),  # timestamp is signed too
        ("another-secret-0123456789", str(NOW), BODY, NOW, False),
        (SECRET, str(NOW), BODY, NOW + 301, False),  # replayed too late
        (SECRET, "not-a-number", BODY, NOW, False),
    ],
)
def test_signature_verifies_only_the_signed_request(
    secret: str, timestamp: str, body: bytes, now: int, valid: bool
) -> None:
    signature = sign(SECRET.encode(), NOW, BODY)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify_signature(secret.encode(), timestamp, signature, body, now=now) is valid


def test_alert_is_delivered_signed_with_camera_and_evidence_link(
    push_db: str, pool: ConnectionPool, receiver: Receiver
) -> None:
    config = webhook_config(receiver.url)
    alert = make_alert(push_db)
    with psycopg.connect(push_db) as conn:
        assert enqueue_alert(conn, alert, "community", config) == 1
    clock = Clock()
    dispatcher = PushDispatcher(pool, config, clock=clock)
    assert dispatcher.run_once() == 1
    assert dispatcher.run_once() == 0
    dispatcher.stop()

    [request] = receiver.received
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers[TIMESTAMP_HEADER] == str(int(clock.now.timestamp()))
    assert verify_signature(
        SECRET.encode(),
        request.headers[TIMESTAMP_HEADER],
        request.headers[SIGNATURE_HEADER],
        request.body,
        now=clock.now.timestamp(),
    )
    body = request.json()
    assert body["schema"] == "sc.alert.push/v1"
    assert body["action"] == "raised"
    sent = body["alert"]
    assert (sent["id"], sent["type"], sent["severity"], sent["status"], sent["level"]) == (
        alert["id"], "falling_object", "critical", "new", "community",
    )  # fmt: skip
    assert (sent["gateway_id"], sent["camera_id"], sent["channel"], sent["count"]) == (
        "gw-a", "cam-1", "2", 1,
    )  # fmt: skip
    assert sent["first_seen"] == alert["first_seen"].isoformat()
    assert sent["evidence"] == [
        {
            "sha256": EVIDENCE_SHA,
            "media_type": "image/jpeg",
            "role": "snapshot",
            "url": f"https://hub.example.test/api/v1/evidence/{EVIDENCE_SHA}",
        }
    ]
    assert request.headers[DELIVERY_HEADER].isdigit()
    assert _rows(push_db) == [("delivered", 1, False)]


def test_only_targets_of_the_level_get_the_alert(push_db: str) -> None:
    config = webhook_config("http://127.0.0.1:9/x")
    street_only = webhook_config(
        "http://127.0.0.1:9/x",
        targets=[
            {
                "name": "street-vms",
                "kind": "webhook",
                "levels": ["street"],
                "url": "http://127.0.0.1:9/x",
                "secret": SECRET,
            }
        ],
    )
    alert = make_alert(push_db)
    with psycopg.connect(push_db) as conn:
        assert enqueue_alert(conn, alert, "community", street_only) == 0
        assert enqueue_alert(conn, alert, "street", street_only, action="escalated") == 1
        assert enqueue_alert(conn, alert, "street", config) == 1
        rows = conn.execute(
            "SELECT target, level, payload->>'action' FROM push_deliveries ORDER BY id"
        ).fetchall()
    assert rows == [("street-vms", "street", "escalated"), ("vms", "street", "raised")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("outage", ["connection refused", "HTTP 500"])
def test_target_down_keeps_row_pending_until_it_recovers(
    push_db: str, pool: ConnectionPool, outage: str
) -> None:
    port = _free_port()
    servers: list[Receiver] = []
    if outage == "HTTP 500":
        servers.append(start_receiver(port))
        servers[0].status = 500
    config = webhook_config(f"http://127.0.0.1:{port}/alerts")
    with psycopg.connect(push_db) as conn:
        enqueue_alert(conn, make_alert(push_db), "community", config)
    clock = Clock()
    dispatcher = PushDispatcher(pool, config, clock=clock)
    try:
        assert dispatcher.run_once() == 0
        assert _rows(push_db) == [("pending", 1, True)]
        assert dispatcher.run_once() == 0  # not due yet: backoff, no hammering
        assert _rows(push_db) == [("pending", 1, True)]
        clock.advance(seconds=config.backoff_cap_s)
        assert dispatcher.run_once() == 0  # still down: second try, longer backoff
        assert _rows(push_db) == [("pending", 2, True)]

        if not servers:
            servers.append(start_receiver(port))
        servers[0].status = 200
        clock.advance(seconds=config.backoff_cap_s)
        assert dispatcher.run_once() == 1
        clock.advance(days=1)
        assert dispatcher.run_once() == 0
        assert _rows(push_db) == [("delivered", 3, False)]
        # Refused connections never reached the server; HTTP 500s did, and were retried.
        assert len(servers[0].received) == (3 if outage == "HTTP 500" else 1)
        assert servers[0].received[-1].json()["alert"]["camera_id"] == "cam-1"
    finally:
        dispatcher.stop()
        for server in servers:
            server.server.shutdown()
            server.server.server_close()


def test_delivery_goes_dead_after_give_up_time_and_stays_visible(
    push_db: str, pool: ConnectionPool
) -> None:
    config = webhook_config(f"http://127.0.0.1:{_free_port()}/alerts")
    with psycopg.connect(push_db) as conn:
        enqueue_alert(conn, make_alert(push_db), "community", config)
    clock = Clock()
    dispatcher = PushDispatcher(pool, config, clock=clock)
    assert dispatcher.run_once() == 0
    clock.advance(days=config.give_up_after_days, seconds=1)
    assert dispatcher.run_once() == 0
    clock.advance(days=30)
    assert dispatcher.run_once() == 0  # dead rows are not retried
    dispatcher.stop()
    with psycopg.connect(push_db) as conn:
        row = conn.execute("SELECT status, attempts, last_error FROM push_deliveries").fetchone()
    assert row is not None
    assert row[:2] == ("dead", 2)
    assert "ConnectError" in str(row[2])


def test_expired_lease_lets_another_dispatcher_deliver_and_refuses_the_stale_one(
    push_db: str, pool: ConnectionPool, receiver: Receiver
) -> None:
    config = webhook_config(receiver.url)
    with psycopg.connect(push_db) as conn:
        enqueue_alert(conn, make_alert(push_db), "community", config)
    clock = Clock()
    with psycopg.connect(push_db) as conn:
        [stale] = claim_due(conn, clock.now, limit=10, lease_s=config.lease_s)  # then "dies"
    dispatcher = PushDispatcher(pool, config, clock=clock)
    assert dispatcher.run_once() == 0  # leased to the dead dispatcher
    clock.advance(seconds=config.lease_s)
    assert dispatcher.run_once() == 1
    dispatcher.stop()
    with psycopg.connect(push_db) as conn:
        assert mark_delivered(conn, stale, clock.now) is False
    assert len(receiver.received) == 1
    assert _rows(push_db) == [("delivered", 2, False)]


def test_two_racing_dispatchers_deliver_each_alert_exactly_once(
    push_db: str, receiver: Receiver
) -> None:
    alerts = 24
    receiver.delay_s = 0.01  # widen the window in which both dispatchers are busy
    config = webhook_config(receiver.url, batch_size=4)
    with psycopg.connect(push_db) as conn:
        for n in range(alerts):
            enqueue_alert(conn, make_alert(push_db, device=f"cam-{n}"), "community", config)
    pools = [make_pool(push_db, max_size=2) for _ in range(2)]
    delivered = [0, 0]

    def work(index: int) -> None:
        dispatcher = PushDispatcher(pools[index], config, clock=Clock())
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline and _rows(push_db).count(("delivered", 1, False)) < alerts
        ):
            delivered[index] += dispatcher.run_once()
        dispatcher.stop()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for opened in pools:
        opened.close()

    ids = [r.headers[DELIVERY_HEADER] for r in receiver.received]
    assert len(ids) == alerts
    assert len(set(ids)) == alerts
    assert sum(delivered) == alerts
    assert _rows(push_db) == [("delivered", 1, False)] * alerts


def test_row_of_a_removed_target_fails_with_the_reason_and_goes_dead(
    push_db: str, pool: ConnectionPool
) -> None:
    config = webhook_config("http://127.0.0.1:9/alerts")
    with psycopg.connect(push_db) as conn:
        enqueue_alert(conn, make_alert(push_db), "community", config)
    clock = Clock()
    dispatcher = PushDispatcher(
        pool, webhook_config("http://127.0.0.1:9/", targets=[]), clock=clock
    )
    assert dispatcher.run_once() == 0
    clock.advance(days=config.give_up_after_days)
    assert dispatcher.run_once() == 0
    dispatcher.stop()
    with psycopg.connect(push_db) as conn:
        row = conn.execute("SELECT status, last_error FROM push_deliveries").fetchone()
    assert row is not None
    assert row[0] == "dead"
    assert "target 'vms', which is not in the push configuration" in str(row[1])
