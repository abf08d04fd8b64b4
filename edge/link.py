"""The gateway's MQTT link: drains the outbox, answers commands, announces state.

One thread owns the paho client and runs its network loop itself, so PUBACK
callbacks, publishing and outbox deletes never race. A fresh client is made
for every connection: the outbox, not paho's in-memory queue, is the record
of what still has to go out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from tenacity import Retrying, retry_if_exception_type, wait_random_exponential

from edge.config import BrokerConfig
from edge.errors import EdgeError
from edge.outbox import Outbox
from protocol.topics import Kind, topic

logger = logging.getLogger(__name__)

SESSION_EXPIRY_S = 24 * 3600  # commands queue at the broker for a day while the gateway is away


class LinkDown(EdgeError):
    """The connection attempt failed or the broker refused it."""


@dataclass(frozen=True, slots=True)
class Announcements:
    """Retained birth and will (death) payloads, made fresh per connection."""

    birth: Callable[[], bytes]
    death: Callable[[], bytes]


@dataclass(slots=True)
class LinkStats:
    """Counters published in health messages."""

    connects: int = 0
    published: int = 0
    replayed: int = 0
    commands: int = 0
    connected_since: float | None = None
    extra: dict[str, float] = field(default_factory=dict)


class MqttLink:
    """Keeps one gateway connected and its outbox draining.

    ``on_command`` gets (topic, payload) of each message on the gateway's own
    command topic, in the link thread.
    """

    def __init__(
        self,
        *,
        gateway_id: str,
        broker: BrokerConfig,
        outbox: Outbox,
        announcements: Announcements,
        on_command: Callable[[bytes], None],
        max_inflight: int = 200,
        idle_hook: Callable[[], None] | None = None,
    ) -> None:
        self._gateway_id = gateway_id
        self._broker = broker
        self._outbox = outbox
        self._announce = announcements
        self._on_command = on_command
        self._max_inflight = max_inflight
        self._idle_hook = idle_hook
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: mqtt.Client | None = None
        self._connack: int | None = None
        self._connected_at = 0.0
        self._sent_up_to = 0
        self._inflight: dict[int, int] = {}  # paho mid -> outbox id
        self._acked: list[int] = []
        self.stats = LinkStats()

    @property
    def connected(self) -> bool:
        """True while a session with the broker is up."""
        return self.stats.connected_since is not None

    def start(self) -> None:
        """Run the link in a named background thread."""
        self._thread = threading.Thread(
            target=self._run, name=f"mqtt-{self._gateway_id}", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """Tell the link that the outbox has new messages."""
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Disconnect cleanly (the broker then does not send the will) and join."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def publish_now(self, kind: Kind, payload: bytes, *, qos: int = 0) -> bool:
        """Publish a non-durable message (health) if connected; False otherwise."""
        client = self._client
        if client is None or not self.connected:
            return False
        info = client.publish(topic(self._gateway_id, kind), payload, qos=qos)
        return info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS

    # -- the link thread -------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._connect()
            except (LinkDown, OSError):
                continue  # retrying gives up only once stop was requested
            self._serve()

    def _goodbye(self, client: mqtt.Client) -> None:
        # A clean disconnect suppresses the will, so announce the death ourselves.
        info = client.publish(topic(self._gateway_id, Kind.STATE), self._announce.death(), 1, True)
        deadline = time.monotonic() + 2
        while not info.is_published() and time.monotonic() < deadline:
            client.loop(0.05)
        client.disconnect()
        client.loop(0.1)

    def _connect(self) -> None:
        retrying = Retrying(
            retry=retry_if_exception_type((OSError, LinkDown)),
            wait=wait_random_exponential(
                multiplier=self._broker.reconnect_min_s, max=self._broker.reconnect_max_s
            ),
            stop=lambda _state: self._stop.is_set(),
            sleep=self._sleep,
            before_sleep=lambda state: logger.warning(
                "gateway %s: broker %s:%s unreachable (%s); retry %d",
                self._gateway_id,
                self._broker.host,
                self._broker.port,
                state.outcome.exception() if state.outcome else "?",
                state.attempt_number,
            ),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                self._connect_once()

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)  # a stop request ends the back-off at once

    def _connect_once(self) -> None:
        if self._stop.is_set():
            raise LinkDown("stopping")
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self._gateway_id,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        if self._broker.username:
            password = self._broker.password.get_secret_value() if self._broker.password else None
            client.username_pw_set(self._broker.username, password)
        if self._broker.tls:
            client.tls_set()
        client.max_inflight_messages_set(self._max_inflight)
        client.max_queued_messages_set(0)
        client.will_set(topic(self._gateway_id, Kind.STATE), self._announce.death(), 1, True)
        client.on_connect = self._on_connect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self._connack = None
        self._client = client
        client.connect(
            self._broker.host,
            self._broker.port,
            self._broker.keepalive_s,
            clean_start=False,
            properties=props,
        )
        deadline = time.monotonic() + 10
        while self._connack is None:
            if client.loop(0.1) != MQTTErrorCode.MQTT_ERR_SUCCESS or time.monotonic() > deadline:
                raise LinkDown("no CONNACK from the broker")
        if self._connack != 0:
            client.disconnect()
            raise LinkDown(f"broker refused the connection (reason code {self._connack})")
        self._after_connect(client)

    def _after_connect(self, client: mqtt.Client) -> None:
        client.subscribe(topic(self._gateway_id, Kind.CMD), qos=1)
        client.publish(topic(self._gateway_id, Kind.STATE), self._announce.birth(), 1, True)
        self._connected_at = time.time()
        self._sent_up_to = 0
        self._inflight.clear()
        self.stats.connects += 1
        self.stats.connected_since = time.monotonic()
        logger.info("gateway %s connected; outbox holds %d", self._gateway_id, self._outbox.depth())

    def _serve(self) -> None:
        client = self._client
        assert client is not None
        while not self._stop.is_set():
            if client.loop(0.02) != MQTTErrorCode.MQTT_ERR_SUCCESS:
                logger.warning("gateway %s lost the broker connection", self._gateway_id)
                break
            self._flush_acks()
            self._pump(client)
            if self._idle_hook is not None:
                try:
                    self._idle_hook()
                except Exception:
                    logger.exception("gateway %s: periodic task failed", self._gateway_id)
        else:
            self._flush_acks()
            self._goodbye(client)
        self.stats.connected_since = None
        self._flush_acks()

    def _pump(self, client: mqtt.Client) -> None:
        room = self._max_inflight - len(self._inflight)
        if room <= 0:
            return
        for item in self._outbox.after(self._sent_up_to, room):
            payload = item.payload
            if item.created < self._connected_at - 1.0:
                payload = _mark_historical(payload)
                self.stats.replayed += 1
            info = client.publish(item.topic, payload, qos=1, retain=item.retain)
            if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                return
            self._inflight[info.mid] = item.id
            self._sent_up_to = item.id

    def _flush_acks(self) -> None:
        if self._acked:
            acked, self._acked = self._acked, []
            self._outbox.delete(acked)
            self.stats.published += len(acked)

    # -- paho callbacks (called inside client.loop, in this thread) -----
    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._connack = int(reason.value) if hasattr(reason, "value") else int(reason)

    def _on_publish(self, _c: Any, _u: Any, mid: int, _reason: Any, _p: Any) -> None:
        outbox_id = self._inflight.pop(mid, None)
        if outbox_id is not None:
            self._acked.append(outbox_id)

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        self.stats.commands += 1
        try:
            self._on_command(bytes(message.payload))
        except Exception:
            logger.exception("gateway %s: command handler failed", self._gateway_id)


def _mark_historical(payload: bytes) -> bytes:
    # Our encoder always writes this exact field; replacing it keeps the
    # message id and every other byte, so the hub still de-duplicates.
    return payload.replace(b'"historical":false', b'"historical":true', 1)
