"""GB/T 28181 alarm notification: a MANSCDP ``Notify/Alarm`` body in a SIP MESSAGE over UDP.

We act as a lower-level platform reporting an alarm of one of its devices to
an upper platform (GB/T 28181-2016, 9.4): send MESSAGE, wait for 200 OK. The
SIP part is written here on ``socket`` because no well-kept pure-Python SIP
user-agent library exists for this one non-INVITE transaction; it is one
request, its retransmissions (RFC 3261 timer E) and matching the final response.
"""

from __future__ import annotations

import logging
import re
import secrets
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.push.config import Gb28181Target
from hub.push.errors import DeliveryFailed

logger = logging.getLogger(__name__)

CONTENT_TYPE = "Application/MANSCDP+xml"
SIP_T2_S = 4.0  # RFC 3261: retransmission interval of non-INVITE requests stops doubling here
MAX_DATAGRAM = 65535
# GB/T 28181 times carry no zone; platforms read them as Beijing time.
PLATFORM_ZONE = ZoneInfo("Asia/Shanghai")
# AlarmPriority: 1 is the most urgent (一级警情) ... 4 the least.
SEVERITY_PRIORITY = {"critical": 1, "major": 2, "minor": 3, "info": 4}
# Chinese first in AlarmDescription: it is read by duty staff on the platform.
TYPE_LABELS = {
    "falling_object": "高空抛物",
    "perimeter_intrusion": "周界入侵",
    "gas_alarm": "燃气泄漏",
    "smoke_alarm": "烟雾报警",
    "sos": "一键求助",
    "fall": "老人跌倒",
    "inactivity": "长时间无活动",
    "camera_fault": "摄像机故障",
}
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def gb_device_id(target: Gb28181Target, alert: Mapping[str, Any]) -> str | None:
    """The platform's 20-digit id of the alert's camera/device, if the target maps it."""
    return target.devices.get(f"{alert.get('gateway_id')}/{alert.get('device_id')}")


def _xml_text(value: object) -> str:
    text = _XML_UNSAFE.sub("", str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _alarm_time(alert: Mapping[str, Any]) -> str:
    seen = alert.get("last_seen") or alert.get("first_seen")
    moment = datetime.fromisoformat(seen) if isinstance(seen, str) else datetime.now(PLATFORM_ZONE)
    return moment.astimezone(PLATFORM_ZONE).strftime("%Y-%m-%dT%H:%M:%S")


def _description(alert: Mapping[str, Any]) -> str:
    kind = str(alert.get("type"))
    parts = [TYPE_LABELS.get(kind, kind), kind, f"alert {alert.get('id')}"]
    if alert.get("channel"):
        parts.append(f"channel {alert['channel']}")
    if alert.get("site_path"):
        parts.append(f"site {alert['site_path']}")
    return " / ".join(parts)


def alarm_notify_xml(target: Gb28181Target, alert: Mapping[str, Any], sn: int) -> bytes:
    """The MANSCDP body, encoded in the target's charset with the charset in the prolog."""
    device_id = gb_device_id(target, alert)
    if device_id is None:
        raise DeliveryFailed(
            target.name,
            f"device {alert.get('gateway_id')}/{alert.get('device_id')} has no GB/T 28181 id"
            " in this target's devices mapping",
        )
    kind = target.alarm_kinds.get(str(alert.get("type")), target.default_alarm)
    fields: list[tuple[str, object]] = [
        ("CmdType", "Alarm"),
        ("SN", sn),
        ("DeviceID", device_id),
        ("AlarmPriority", SEVERITY_PRIORITY.get(str(alert.get("severity")), 4)),
        ("AlarmMethod", kind.method),
        ("AlarmTime", _alarm_time(alert)),
        ("AlarmDescription", _description(alert)),
    ]
    lines = [f'<?xml version="1.0" encoding="{target.encoding}"?>', "<Notify>"]
    lines += [f"<{name}>{_xml_text(value)}</{name}>" for name, value in fields]
    if kind.alarm_type is not None:
        lines.append(f"<Info>\n<AlarmType>{kind.alarm_type}</AlarmType>\n</Info>")
    lines.append("</Notify>\n")
    # Characters outside GB2312 (rare given names, emoji) become XML character
    # references, which every conforming parser turns back into the character.
    return "\n".join(lines).encode(target.encoding, errors="xmlcharrefreplace")


@dataclass(frozen=True, slots=True)
class SipRequest:
    """A serialised MESSAGE and what identifies its responses."""

    data: bytes
    call_id: str
    cseq: int


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def build_message(
    target: Gb28181Target, body: bytes, local: tuple[str, int], *, cseq: int = 1
) -> SipRequest:
    """A RFC 3428 MESSAGE from our id to the platform, with a fresh branch, tag and Call-ID."""
    local_host = _host(local[0])
    call_id = f"{secrets.token_hex(12)}@{local_host}"
    head = [
        f"MESSAGE sip:{target.platform_id}@{_host(target.host)}:{target.port} SIP/2.0",
        f"Via: SIP/2.0/UDP {local_host}:{local[1]};rport;branch=z9hG4bK{secrets.token_hex(10)}",
        "Max-Forwards: 70",
        f"From: <sip:{target.local_id}@{target.domain}>;tag={secrets.token_hex(6)}",
        f"To: <sip:{target.platform_id}@{target.domain}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} MESSAGE",
        f"Content-Type: {CONTENT_TYPE}",
        "User-Agent: smartcommunity-hub",
        f"Content-Length: {len(body)}",
    ]
    data = ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body
    return SipRequest(data=data, call_id=call_id, cseq=cseq)


def parse_response(data: bytes) -> tuple[int, dict[str, str]] | None:
    """Status code and (lower-cased, compact forms expanded) headers, or None if not a response."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", errors="replace")
    lines = head.split("\r\n")
    match = re.fullmatch(r"SIP/2\.0 ([1-6][0-9]{2})(?: .*)?", lines[0])
    if match is None:
        return None
    compact = {"i": "call-id", "v": "via", "f": "from", "t": "to", "l": "content-length"}
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            key = name.strip().lower()
            headers.setdefault(compact.get(key, key), value.strip())
    return int(match.group(1)), headers


def _matches(headers: Mapping[str, str], request: SipRequest) -> bool:
    cseq = headers.get("cseq", "").split()
    return headers.get("call-id") == request.call_id and cseq == [str(request.cseq), "MESSAGE"]


def _await_final(sock: socket.socket, request: SipRequest, *, t1_s: float, timeout_s: float) -> int:
    """Send and retransmit (T1 doubling up to T2) until a matching final response."""
    deadline = time.monotonic() + timeout_s
    interval, next_send = t1_s, 0.0
    while (now := time.monotonic()) < deadline:
        if now >= next_send:
            sock.send(request.data)
            next_send, interval = now + interval, min(interval * 2, SIP_T2_S)
        sock.settimeout(max(0.001, min(next_send, deadline) - now))
        try:
            parsed = parse_response(sock.recv(MAX_DATAGRAM))
        except TimeoutError:
            continue
        # Provisional responses only prove the server is alive; keep waiting.
        if parsed is not None and _matches(parsed[1], request) and parsed[0] >= 200:
            return parsed[0]
    raise TimeoutError(f"no final response within {timeout_s} s")


class Gb28181Sender:
    """Sends one alarm notification per call to one GB/T 28181 platform."""

    def __init__(self, target: Gb28181Target) -> None:
        self.target = target

    def send(self, delivery_id: int, payload: Mapping[str, Any], now: datetime) -> None:
        """Deliver or raise ``DeliveryFailed``; ``now`` is unused (SIP carries the alarm time)."""
        del now
        target = self.target
        body = alarm_notify_xml(target, payload["alert"], sn=delivery_id)
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                target.host, target.port, type=socket.SOCK_DGRAM
            )[0]
            with socket.socket(family, kind, proto) as sock:
                # A connected UDP socket reports ICMP port-unreachable as ConnectionRefusedError.
                sock.connect(address)
                local = sock.getsockname()
                request = build_message(target, body, (str(local[0]), int(local[1])))
                status = _await_final(sock, request, t1_s=target.t1_s, timeout_s=target.timeout_s)
        except (OSError, TimeoutError) as exc:
            raise DeliveryFailed(target.name, f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryFailed(target.name, f"SIP {status} to MESSAGE")
        logger.info("alarm of delivery %d accepted by %s (%s)", delivery_id, target.name, status)
