"""Dependencies shared by the routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from psycopg.rows import dict_row

from hub.runtime import HubRuntime

DictCursor = psycopg.Cursor[dict[str, Any]]


def get_runtime(request: Request) -> HubRuntime:
    """The running hub (pool, ingestor, metrics) of this app."""
    runtime: HubRuntime = request.app.state.runtime
    return runtime


def get_db(runtime: Annotated[HubRuntime, Depends(get_runtime)]) -> Iterator[DictCursor]:
    """A cursor on a pooled connection, returning rows as dicts; commits when the request ends."""
    with runtime.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
        yield cursor


RuntimeDep = Annotated[HubRuntime, Depends(get_runtime)]
DbDep = Annotated[DictCursor, Depends(get_db)]
