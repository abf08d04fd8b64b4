"""The gateway agent: drivers and capabilities in, privacy gate, outbox, MQTT out."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from base64 import b64encode
from collections.abc import Callable
from typing import Literal, cast

from edge import __name__ as _pkg
from edge.config import GatewayConfig
from edge.egress import EgressGate
from edge.link import Announcements, MqttLink
from edge.outbox import Outbox
from protocol.codec import encode
from protocol.errors import ProtocolError
from protocol.models import (
    Command,
    CommandAck,
    Envelope,
    Event,
    Evidence,
    EvidenceRef,
    Health,
    Reading,
    State,
    Telemetry,
)
from protocol.topics import Kind, topic

logger = logging.getLogger(__name__)

AGENT_VERSION = "0.1.0"
MAX_READINGS_PER_MESSAGE = 2000

CommandHandler = Callable[[Command], CommandAck]
MediaType = Literal["image/jpeg", "image/png", "video/mp4", "application/json"]
Role = Literal["snapshot", "clip", "composite", "track"]


class EdgeAgent:
    """One gateway. Implements ``edge.sink.Sink`` for capabilities and drivers.

    Every outgoing message is encoded, screened by the egress gate and stored
    in the outbox before the call returns; the MQTT link publishes it later.
    """

    def __init__(self, config: GatewayConfig, *, gate: EgressGate | None = None) -> None:
        self.config = config
        self.gateway_id = config.gateway_id
        self.gate = gate or EgressGate()
        self.outbox = Outbox(
            config.outbox.path, fsync=config.outbox.fsync, max_messages=config.outbox.max_messages
        )
        self._handlers: dict[str, CommandHandler] = {"ping": self._ping}
        self._capabilities: list[str] = []
        self._started = time.monotonic()
        self._last_health = 0.0
        self._stats_sources: list[Callable[[], dict[str, float]]] = []
        self._stop = threading.Event()
        self.link = MqttLink(
            gateway_id=self.gateway_id,
            broker=config.broker,
            outbox=self.outbox,
            announcements=Announcements(birth=self._birth, death=self._death),
            on_command=self._on_command,
            max_inflight=config.outbox.max_inflight,
            idle_hook=self._maybe_health,
        )

    # -- Sink -------------------------------------------------------------
    def emit_event(self, event: Event) -> None:
        """Screen and store an event."""
        self._store(Kind.EVENT, event)

    def emit_evidence(self, media_type: str, content: bytes, role: str) -> EvidenceRef:
        """Screen and store a desensitised evidence object; return its reference."""
        evidence = self._store_evidence(media_type, content)
        return EvidenceRef(
            sha256=evidence.sha256, media_type=evidence.media_type, role=cast(Role, role)
        )

    def release_raw(self, media_type: str, content: bytes, release_id: int) -> str:
        """Publish a raw object for an approved release (see EgressGate.authorise_release)."""
        return self._store_evidence(media_type, content, release_id=release_id).sha256

    def _store_evidence(
        self, media_type: str, content: bytes, *, release_id: int | None = None
    ) -> Evidence:
        evidence = Evidence(
            gateway_id=self.gateway_id,
            sha256=hashlib.sha256(content).hexdigest(),
            media_type=cast(MediaType, media_type),
            content_b64=b64encode(content).decode(),
            desensitised=release_id is None,
            release_id=release_id,
        )
        self._store(Kind.EVIDENCE, evidence)
        return evidence

    def accept_readings(self, readings: list[Reading]) -> None:
        """Store readings as telemetry messages (split to the size limit)."""
        messages = [
            Telemetry(
                gateway_id=self.gateway_id, readings=readings[i : i + MAX_READINGS_PER_MESSAGE]
            )
            for i in range(0, len(readings), MAX_READINGS_PER_MESSAGE)
        ]
        self._store_many(Kind.TELEMETRY, messages)

    # -- commands ---------------------------------------------------------
    def register_command(self, name: str, handler: CommandHandler) -> None:
        """Route commands called ``name`` to ``handler``."""
        self._handlers[name] = handler

    def add_capability(
        self, name: str, stats: Callable[[], dict[str, float]] | None = None
    ) -> None:
        """Announce a capability in the birth message and include its stats in health."""
        self._capabilities.append(name)
        if stats is not None:
            self._stats_sources.append(stats)

    def _on_command(self, payload: bytes) -> None:
        try:
            command = Command.model_validate_json(payload)
        except ValueError as exc:
            logger.warning("gateway %s: ignored malformed command: %s", self.gateway_id, exc)
            return
        if command.gateway_id != self.gateway_id:
            logger.warning(
                "gateway %s: command for %s ignored", self.gateway_id, command.gateway_id
            )
            return
        if not self.outbox.first_sight_of_command(command.message_id):
            logger.info(
                "gateway %s: command %s already handled", self.gateway_id, command.message_id
            )
            return
        self._store(Kind.CMD_ACK, self.handle_command(command))

    def handle_command(self, command: Command) -> CommandAck:
        """Run a command's handler and return its acknowledgement."""
        now = time.time()
        if command.expires_at is not None and command.expires_at.timestamp() < now:
            return command.ack("rejected", "command expired before it arrived")
        handler = self._handlers.get(command.name)
        if handler is None:
            known = ", ".join(sorted(self._handlers))
            return command.ack("rejected", f"unknown command {command.name!r}; known: {known}")
        try:
            return handler(command)
        except Exception as exc:
            logger.exception("gateway %s: command %s failed", self.gateway_id, command.name)
            return command.ack("failed", f"{type(exc).__name__}: {exc}")

    def _ping(self, command: Command) -> CommandAck:
        return command.ack("done", "pong")

    # -- plumbing ---------------------------------------------------------
    def _store(self, kind: Kind, message: Envelope) -> None:
        self._store_many(kind, [message])

    def _store_many(self, kind: Kind, messages: list[Telemetry] | list[Envelope]) -> None:
        name = topic(self.gateway_id, kind)
        items = []
        for message in messages:
            self.gate.screen_message(message, what=f"{kind.value} {message.message_id}")
            items.append((name, encode(message), False))
        self.outbox.put_many(items)
        self.link.wake()

    def _birth(self) -> bytes:
        return self._state(
            State(
                gateway_id=self.gateway_id,
                status="online",
                agent_version=AGENT_VERSION,
                capabilities=self._capabilities,
            )
        )

    def _death(self) -> bytes:
        return self._state(
            State(gateway_id=self.gateway_id, status="offline", agent_version=AGENT_VERSION)
        )

    def _state(self, state: State) -> bytes:
        return encode(self.gate.screen_message(state, what="state"))

    def health(self) -> Health:
        """Current health statistics."""
        stats: dict[str, float] = {
            "link.connects": float(self.link.stats.connects),
            "link.replayed": float(self.link.stats.replayed),
            "egress.refused": float(self.gate.refused),
        }
        for source in self._stats_sources:
            stats.update(source())
        return Health(
            gateway_id=self.gateway_id,
            uptime_s=time.monotonic() - self._started,
            outbox_depth=self.outbox.depth(),
            outbox_oldest_s=self.outbox.oldest_age_s(),
            published=self.link.stats.published,
            stats=stats,
        )

    def _maybe_health(self) -> None:
        now = time.monotonic()
        if now - self._last_health < self.config.health_interval_s:
            return
        self._last_health = now
        try:
            health = self.gate.screen_message(self.health(), what="health")
            self.link.publish_now(Kind.HEALTH, encode(health), qos=0)
        except ProtocolError:
            logger.exception("gateway %s: health message invalid", self.gateway_id)

    def start(self) -> None:
        """Connect and start publishing in the background."""
        logger.info("gateway %s (%s) starting", self.gateway_id, _pkg)
        self.link.start()

    def stop(self) -> None:
        """Disconnect cleanly."""
        self._stop.set()
        self.link.stop()
