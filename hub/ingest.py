"""MQTT ingest: receive, validate, store in batches, acknowledge after commit.

paho's network thread only queues messages. The writer thread decodes a
batch, writes it in one transaction and, once committed, sends the PUBACKs
(``manual_ack``). A hub killed at any point leaves its unacknowledged
messages with the broker, which redelivers them to the same persistent
session (or, with a shared subscription, to another replica); the ``ingested``
table discards the ones already stored.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from psycopg_pool import ConnectionPool
from tenacity import Retrying, retry_if_exception_type, wait_random_exponential

from hub.metrics import HubMetrics
from hub.push import PushConfig
from hub.settings import HubSettings
from hub.store import BatchResult, DeadLetter, write_batch
from protocol.codec import decode
from protocol.errors import ProtocolError
from protocol.models import Envelope
from protocol.topics import hub_subscriptions

logger = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Incoming:
    """A received message and what is needed to acknowledge it."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    client: mqtt.Client


class Ingestor:
    """Subscribes to every gateway's topics and stores what arrives."""

    def __init__(
        self,
        settings: HubSettings,
        pool: ConnectionPool,
        metrics: HubMetrics,
        push: PushConfig | None = None,
    ) -> None:
        self._settings = settings
        self._push = push
        self._pool = pool
        self._metrics = metrics
        self._queue: queue.Queue[Incoming] = queue.Queue()
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        self._client: mqtt.Client | None = None
        self.connected = threading.Event()

    def start(self) -> None:
        """Connect to the broker and start the writer thread."""
        self._writer = threading.Thread(target=self._write_loop, name="ingest-writer", daemon=True)
        self._writer.start()
        self._client = self._make_client()
        self._client.connect_async(
            self._settings.mqtt_host,
            self._settings.mqtt_port,
            30,
            clean_start=False,
            properties=self._connect_properties(),
        )
        self._client.loop_start()

    def stop(self) -> None:
        """Finish the batch in hand, then disconnect."""
        self._stop.set()
        if self._writer is not None:
            self._writer.join(10)
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish a command (QoS 1); paho queues it while the broker is away."""
        if self._client is None:
            raise RuntimeError("ingest is not running; cannot publish")
        self._client.publish(topic, payload, qos=1)

    def _connect_properties(self) -> Properties:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = self._settings.receive_maximum
        return props

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"hub-{self._settings.instance}",
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        if self._settings.mqtt_username:
            password = self._settings.mqtt_password
            client.username_pw_set(
                self._settings.mqtt_username, password.get_secret_value() if password else None
            )
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            logger.error("broker refused the hub: %s", reason)
            return
        share = self._settings.share_group or None
        client.subscribe([(f, 1) for f in hub_subscriptions(share)])
        self.connected.set()
        self._metrics.mqtt_connected.set(1)
        logger.info("hub %s connected to the broker", self._settings.instance)

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.connected.clear()
        self._metrics.mqtt_connected.set(0)
        if not self._stop.is_set():
            logger.warning("hub lost the broker (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        self._queue.put(
            Incoming(message.topic, bytes(message.payload), message.mid, message.qos, client)
        )

    # -- writer ------------------------------------------------------------
    def _write_loop(self) -> None:
        while not self._stop.is_set():
            batch = self._take_batch()
            failures = 0
            while batch:
                try:
                    self._commit_with_retry(batch)
                    break
                except Exception:
                    # A bug must not stop ingest for good: log loudly, back off, try again.
                    # Nothing of this batch was acknowledged, so nothing is lost meanwhile.
                    failures += 1
                    self._metrics.db_errors.inc()
                    logger.exception("ingest batch failed (%d times); retrying", failures)
                    if self._stop.wait(min(2.0**failures, 30.0)):
                        return
        # Drain what is already here so a clean stop acknowledges it.
        rest = self._take_batch(wait=False)
        if rest:
            self._commit_with_retry(rest)

    def _take_batch(self, *, wait: bool = True) -> list[Incoming]:
        batch: list[Incoming] = []
        deadline = time.monotonic() + self._settings.batch_max_wait_ms / 1000
        while len(batch) < self._settings.batch_max_messages:
            timeout = deadline - time.monotonic() if wait else 0
            try:
                item = (
                    self._queue.get(timeout=max(timeout, 0.0))
                    if timeout > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            batch.append(item)
        return batch

    def _commit_with_retry(self, batch: list[Incoming]) -> None:
        messages: list[Envelope] = []
        dead: list[DeadLetter] = []
        for item in batch:
            try:
                _topic, message = decode(item.topic, item.payload)
                messages.append(message)
            except ProtocolError as exc:
                dead.append(DeadLetter(item.topic, exc.reason, exc.detail, item.payload))
                self._metrics.dead_letters.labels(exc.reason).inc()
                logger.warning("dead letter on %s: %s", item.topic[:120], exc)
        started = time.perf_counter()
        try:
            result = self._write(messages, dead)
        except psycopg.OperationalError:
            return  # stopping while the database is down: nothing acknowledged, all redelivered
        except psycopg.Error as exc:
            # A row the database refuses must not block every message behind it.
            logger.error("batch refused by the database (%s); writing one by one", exc)
            result = self._write_one_by_one(messages, dead)
        self._metrics.batch_seconds.observe(time.perf_counter() - started)
        for kind, n in result.kinds.items():
            self._metrics.messages.labels(kind).inc(n)
        self._metrics.duplicates.inc(result.duplicates)
        self._metrics.telemetry_rows.inc(result.telemetry_rows)
        # Committed: now the broker may forget them.
        for item in batch:
            item.client.ack(item.mid, item.qos)

    def _write(self, messages: list[Envelope], dead: list[DeadLetter]) -> BatchResult:
        retrying = Retrying(
            retry=retry_if_exception_type(psycopg.OperationalError),
            wait=wait_random_exponential(multiplier=0.2, max=10),
            before_sleep=lambda _s: self._metrics.db_errors.inc(),
            stop=lambda _s: self._stop.is_set(),
            reraise=True,
        )
        for attempt in retrying:
            with attempt, self._pool.connection() as conn:  # commits on leaving the block
                return write_batch(conn, messages, dead, push=self._push)
        raise AssertionError("unreachable: Retrying either returns or raises")

    def _write_one_by_one(self, messages: list[Envelope], dead: list[DeadLetter]) -> BatchResult:
        total = BatchResult()
        for message in messages:
            try:
                part = self._write([message], [])
            except psycopg.OperationalError:
                raise
            except psycopg.Error as exc:
                raw = message.model_dump_json().encode()
                dead.append(
                    DeadLetter(f"(message {message.message_id})", "db_rejected", str(exc), raw)
                )
                self._metrics.dead_letters.labels("db_rejected").inc()
                continue
            total.new_messages += part.new_messages
            total.duplicates += part.duplicates
            total.telemetry_rows += part.telemetry_rows
            for kind, n in part.kinds.items():
                total.kinds[kind] = total.kinds.get(kind, 0) + n
        total.dead_letters = self._write([], dead).dead_letters
        return total
