"""GB/T 28181 alarm notification: the MANSCDP body, the SIP MESSAGE, and a real SIP peer (sipp)."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from hub.push.config import Gb28181Target, PushConfig
from hub.push.dispatcher import PushDispatcher
from hub.push.errors import DeliveryFailed
from hub.push.gb28181 import Gb28181Sender, alarm_notify_xml, build_message, parse_response
from hub.push.outbox import alert_payload, enqueue_alert
from tests.hub.push.conftest import Clock, make_alert

SCENARIO = Path(__file__).with_name("sipp_message_uas.xml")
CAMERA_GB_ID = "13010200001320000001"


def _target(port: int, **overrides: Any) -> Gb28181Target:
    values: dict[str, Any] = {
        "name": "city-vms",
        "kind": "gb28181",
        "levels": ["community", "street"],
        "host": "127.0.0.1",
        "port": port,
        "platform_id": "13010000002000000001",
        "domain": "1301000000",
        "local_id": "13010200002000000001",
        "devices": {"gw-a/cam-1": CAMERA_GB_ID},
        "t1_s": 0.05,
        "timeout_s": 1.0,
    }
    values.update(overrides)
    return Gb28181Target.model_validate(values)


def _config(target: Gb28181Target) -> PushConfig:
    return PushConfig(hub_base_url="https://hub.example.test", targets=[target])


ALERT = {
    "id": 7,
    "type": "falling_object",
    "severity": "major",
    "gateway_id": "gw-a",
    "device_id": "cam-1",
    "channel": "2",
    "site_path": "st-test/c-one/b-1",
    "last_seen": "2026-11-23T08:00:00+00:00",
}


@pytest.mark.parametrize(
    ("encoding", "alert", "expected"),
    [
        ("GB2312", ALERT, ["<AlarmPriority>2</AlarmPriority>", "<AlarmMethod>5</AlarmMethod>",
                           "<AlarmType>2</AlarmType>", "高空抛物 / falling_object / alert 7"]),
        ("UTF-8", ALERT, ["<AlarmTime>2026-11-23T16:00:00</AlarmTime>", "channel 2"]),
        ("GB2312", ALERT | {"type": "gas_alarm", "severity": "critical"},
         ["<AlarmPriority>1</AlarmPriority>", "<AlarmMethod>7</AlarmMethod>", "燃气泄漏"]),
        ("GB2312", ALERT | {"type": "fall", "site_path": "A&B<园>"},
         ["老人跌倒", "site A&amp;B&lt;园&gt;"]),
    ],
)  # fmt: skip
def test_alarm_body_declares_and_uses_its_charset(
    encoding: str, alert: dict[str, Any], expected: list[str]
) -> None:
    body = alarm_notify_xml(_target(5060, encoding=encoding), alert, sn=42)
    assert body.startswith(f'<?xml version="1.0" encoding="{encoding}"?>\n<Notify>'.encode())
    text = body.decode(encoding)
    assert "<CmdType>Alarm</CmdType>" in text
    assert "<SN>42</SN>" in text
    assert f"<DeviceID>{CAMERA_GB_ID}</DeviceID>" in text
    assert ("<Info>" in text) is (alert["type"] == "falling_object")
    for fragment in expected:
        assert fragment in text


def test_characters_outside_gb2312_become_character_references() -> None:
    body = alarm_notify_xml(_target(5060), ALERT | {"site_path": "喆园"}, sn=1)
    assert "&#21894;园".encode("gb2312") in body  # 喆 is not in GB2312; 园 is


def test_message_headers_follow_rfc_3261() -> None:
    request = build_message(_target(5062), b"<Notify/>", ("127.0.0.1", 40000), cseq=3)
    head, body = request.data.split(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "MESSAGE sip:13010000002000000001@127.0.0.1:5062 SIP/2.0"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert re.fullmatch(r"SIP/2\.0/UDP 127\.0\.0\.1:40000;rport;branch=z9hG4bK[0-9a-f]+",
                        headers["Via"])  # fmt: skip
    assert re.fullmatch(r"<sip:13010200002000000001@1301000000>;tag=\w+", headers["From"])
    assert headers["To"] == "<sip:13010000002000000001@1301000000>"
    assert headers["Call-ID"] == request.call_id
    assert headers["CSeq"] == "3 MESSAGE"
    assert headers["Max-Forwards"] == "70"
    assert headers["Content-Type"] == "Application/MANSCDP+xml"
    assert headers["Content-Length"] == str(len(body)) == "9"
    second = build_message(_target(5062), b"", ("127.0.0.1", 40000))
    assert second.call_id != request.call_id


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"SIP/2.0 200 OK\r\ni: abc\r\nCSeq: 1 MESSAGE\r\n\r\n",
         (200, {"call-id": "abc", "cseq": "1 MESSAGE"})),
        (b"SIP/2.0 486 Busy Here\r\nCall-ID: x\r\n\r\n", (486, {"call-id": "x"})),
        (b"MESSAGE sip:a@b SIP/2.0\r\n\r\n", None),
        (b"\xff\xfe garbage", None),
    ],
)  # fmt: skip
def test_parse_response(data: bytes, expected: tuple[int, dict[str, str]] | None) -> None:
    assert parse_response(data) == expected


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_silent_platform_gets_retransmissions_then_the_delivery_stays_pending(
    push_db: str, pool: ConnectionPool
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        target = _target(silent.getsockname()[1], t1_s=0.05, timeout_s=0.6)
        with psycopg.connect(push_db) as conn:
            assert enqueue_alert(conn, make_alert(push_db), "community", _config(target)) == 1
        dispatcher = PushDispatcher(pool, _config(target), clock=Clock())
        assert dispatcher.run_once() == 0
        silent.settimeout(0.2)
        datagrams = []
        while True:
            try:
                datagrams.append(silent.recv(65535))
            except TimeoutError:
                break
    # Sent at 0, 0.05, 0.15, 0.35 s (T1 doubling), then no answer by 0.6 s.
    assert len(datagrams) == 4
    assert len(set(datagrams)) == 1  # a retransmission is the same request
    with psycopg.connect(push_db) as conn:
        row = conn.execute("SELECT status, last_error FROM push_deliveries").fetchone()
    assert row == ("pending", "TimeoutError: no final response within 0.6 s")


def test_closed_port_fails_fast_as_refused() -> None:
    sender = Gb28181Sender(_target(_free_udp_port(), timeout_s=5.0))
    started = time.monotonic()
    with pytest.raises(DeliveryFailed, match="ConnectionRefusedError"):
        sender.send(1, alert_payload(ALERT, "community", _config(sender.target), "raised"),
                    datetime.now(UTC))  # fmt: skip
    assert time.monotonic() - started < 2.0


def test_unmapped_camera_is_not_queued_for_the_platform(push_db: str) -> None:
    target = _target(5060, devices={"gw-a/other-cam": CAMERA_GB_ID})
    with psycopg.connect(push_db) as conn:
        assert enqueue_alert(conn, make_alert(push_db), "street", _config(target)) == 0


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp not installed (apt: sip-tester)")
def test_sipp_uas_accepts_the_alarm_message(
    push_db: str, pool: ConnectionPool, tmp_path: Path
) -> None:
    port = _free_udp_port()
    trace = tmp_path / "messages.log"
    sipp = subprocess.Popen(
        ["sipp", "-sf", str(SCENARIO), "-i", "127.0.0.1", "-p", str(port), "-m", "1",
         "-nostdin", "-trace_msg", "-message_file", str(trace),
         "-timeout", "20s", "-timeout_error"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        target = _target(port, t1_s=0.2, timeout_s=8.0)
        with psycopg.connect(push_db) as conn:
            enqueue_alert(conn, make_alert(push_db), "community", _config(target))
        clock = Clock()
        dispatcher = PushDispatcher(pool, _config(target), clock=clock)
        # sipp needs a moment to bind; until then the port refuses and the row backs off,
        # so the clock jumps past the backoff before the next pass.
        delivered, deadline = 0, time.monotonic() + 10
        while not delivered and time.monotonic() < deadline:
            delivered = dispatcher.run_once()
            clock.advance(hours=1)
            time.sleep(0.1)
        _, stderr = sipp.communicate(timeout=20)
    finally:
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait()
    assert delivered == 1
    assert sipp.returncode == 0, stderr.decode(errors="replace")
    received = trace.read_bytes().split(b"UDP message sent")[0].decode("gb2312", errors="replace")
    assert "MESSAGE sip:13010000002000000001@127.0.0.1" in received
    assert "<CmdType>Alarm</CmdType>" in received
    assert f"<DeviceID>{CAMERA_GB_ID}</DeviceID>" in received
    assert "高空抛物" in received
    with psycopg.connect(push_db) as conn:
        assert conn.execute("SELECT status FROM push_deliveries").fetchone() == ("delivered",)
