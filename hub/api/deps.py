"""Dependencies shared by the routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import Depends, Request
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool

from hub.runtime import HubRuntime

DictConn = psycopg.Connection[dict[str, object]]


def get_runtime(request: Request) -> HubRuntime:
    """The running hub (pool, ingestor, metrics) of this app."""
    runtime: HubRuntime = request.app.state.runtime
    return runtime


def get_db(runtime: Annotated[HubRuntime, Depends(get_runtime)]) -> Iterator[DictConn]:
    """A pooled connection returning rows as dicts."""
    pool: ConnectionPool = runtime.pool
    with pool.connection() as conn:
        conn.row_factory = dict_row  # type: ignore[assignment]
        try:
            yield conn  # type: ignore[misc]
        finally:
            conn.row_factory = tuple_row  # type: ignore[assignment]  # pooled: leave it as found


RuntimeDep = Annotated[HubRuntime, Depends(get_runtime)]
DbDep = Annotated[DictConn, Depends(get_db)]
