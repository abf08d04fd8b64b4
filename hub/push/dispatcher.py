"""The push dispatcher: claims due outbox rows, sends each to its target, records the outcome.

Run one per hub process (``start``/``stop``), or call ``run_once`` from a test
or a CLI. Several dispatchers on one database share the work without sending
a row twice at the same time: see ``hub.push.outbox``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import psycopg
from psycopg_pool import ConnectionPool

from hub.push import outbox
from hub.push.config import Gb28181Target, PushConfig, WebhookTarget
from hub.push.errors import DeliveryFailed, UnknownTarget
from hub.push.gb28181 import Gb28181Sender
from hub.push.webhook import WebhookSender

logger = logging.getLogger(__name__)


class Sender(Protocol):
    """Hands one delivery to one target, or raises ``DeliveryFailed``."""

    def send(self, delivery_id: int, payload: Mapping[str, Any], now: datetime) -> None:
        """Deliver ``payload``; return only once the target accepted it."""


def make_sender(target: WebhookTarget | Gb28181Target) -> Sender:
    """The sender for a configured target."""
    if isinstance(target, WebhookTarget):
        return WebhookSender(target)
    return Gb28181Sender(target)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PushDispatcher:
    """Delivers the push outbox of one database to the configured targets.

    ``clock`` gives the time used for due dates, leases and backoff (tests pass a
    controllable one); ``senders`` replaces the per-target senders made from
    ``config`` (by target name).
    """

    def __init__(
        self,
        pool: ConnectionPool,
        config: PushConfig,
        *,
        clock: Callable[[], datetime] = _utcnow,
        senders: Mapping[str, Sender] | None = None,
    ) -> None:
        self._pool = pool
        self._config = config
        self._clock = clock
        self._senders = (
            dict(senders)
            if senders is not None
            else {t.name: make_sender(t) for t in config.targets}
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="push-dispatcher", daemon=True)

    def run_once(self) -> int:
        """One pass over the due deliveries; return how many were delivered."""
        return self._pass()[1]

    def _pass(self) -> tuple[int, int]:
        started = self._clock()
        with self._pool.connection() as conn:
            claimed = outbox.claim_due(
                conn, started, limit=self._config.batch_size, lease_s=self._config.lease_s
            )
        # Stop well inside the lease: past it another dispatcher may claim and send
        # the same rows, and the unsent rest goes back to the queue at once.
        budget = timedelta(seconds=self._config.lease_s / 2)
        delivered = 0
        for index, delivery in enumerate(claimed):
            if self._clock() - started > budget:
                with self._pool.connection() as conn:
                    outbox.release(conn, claimed[index:], self._clock())
                break
            delivered += self._deliver(delivery)
        return len(claimed), delivered

    def _deliver(self, delivery: outbox.Delivery) -> int:
        sender = self._senders.get(delivery.target)
        try:
            if sender is None:
                raise UnknownTarget(delivery.target)
            sender.send(delivery.id, delivery.payload, self._clock())
        except Exception as exc:
            # Anything a sender did not foresee (a malformed payload, a bug) is still only
            # this row's failure: it backs off and goes dead, and the dispatcher lives on.
            if not isinstance(exc, DeliveryFailed | UnknownTarget):
                logger.exception(
                    "delivery %d to %s: unexpected error", delivery.id, delivery.target
                )
            error = (
                exc.reason if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"
            )
            with self._pool.connection() as conn:
                status = outbox.mark_failed(conn, delivery, self._clock(), error, self._config)
            log = logger.error if status == "dead" else logger.warning
            log(
                "delivery %d to %s, attempt %d, failed (%s): %s",
                delivery.id,
                delivery.target,
                delivery.attempts,
                status,
                error,
            )
            return 0
        with self._pool.connection() as conn:
            if not outbox.mark_delivered(conn, delivery, self._clock()):
                logger.warning("delivery %d was sent after its lease had passed", delivery.id)
        return 1

    def start(self) -> None:
        """Deliver in a background thread until ``stop``."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread and close the senders' connections."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self._config.lease_s)
        for sender in self._senders.values():
            if isinstance(sender, WebhookSender):
                sender.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                claimed, _ = self._pass()
            except psycopg.Error:
                logger.exception("push pass failed; retrying after %s s", self._config.poll_every_s)
                claimed = 0
            # A full batch suggests more is due: go again without waiting.
            if claimed < self._config.batch_size:
                self._stop.wait(self._config.poll_every_s)
