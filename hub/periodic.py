"""A named background thread that runs one database task every so often."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

logger = logging.getLogger(__name__)


class Periodic:
    """Runs ``task(conn)`` on a pooled connection every ``every_s`` seconds.

    A database error is logged and the task runs again next period: one bad
    pass must not stop supervision or upkeep for good.
    """

    def __init__(
        self,
        name: str,
        pool: ConnectionPool,
        task: Callable[[psycopg.Connection[Any]], object],
        *,
        every_s: float,
        run_at_start: bool = False,
    ) -> None:
        self._pool = pool
        self._task = task
        self._every_s = every_s
        self._run_at_start = run_at_start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and join."""
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        if not self._run_at_start and self._stop.wait(self._every_s):
            return
        while True:
            try:
                with self._pool.connection() as conn:
                    self._task(conn)
            except psycopg.Error:
                logger.exception("%s failed; trying again next period", self._thread.name)
            if self._stop.wait(self._every_s):
                return
