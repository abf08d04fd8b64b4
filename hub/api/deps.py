"""Dependencies shared by the routes: database, runtime, the signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import psycopg
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg.rows import dict_row

from hub.auth.users import AuthError, User, load_user, read_token
from hub.runtime import HubRuntime

DictCursor = psycopg.Cursor[dict[str, Any]]
_bearer = HTTPBearer(auto_error=False)


def get_runtime(request: Request) -> HubRuntime:
    """The running hub (pool, ingestor, metrics) of this app."""
    runtime: HubRuntime = request.app.state.runtime
    return runtime


def get_db(runtime: Annotated[HubRuntime, Depends(get_runtime)]) -> Iterator[DictCursor]:
    """A cursor on a pooled connection, returning rows as dicts; commits when the request ends."""
    with runtime.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
        yield cursor


def user_from_token(runtime: HubRuntime, token: str) -> User:
    """The active user a token names; AuthError otherwise."""
    username = read_token(token, runtime.settings.secret_key.get_secret_value())
    with runtime.pool.connection() as conn:
        found = load_user(conn, username)
    if found is None:
        raise AuthError("user disabled or removed")
    return found[0]


def get_user(
    runtime: Annotated[HubRuntime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The signed-in user (Authorization: Bearer <token> from POST /api/v1/auth/login)."""
    if credentials is None:
        raise HTTPException(
            401, "sign in first: POST /api/v1/auth/login", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        return user_from_token(runtime, credentials.credentials)
    except AuthError as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


def require(*roles: str) -> Any:
    """A dependency that admits only ``roles``."""

    def check(user: Annotated[User, Depends(get_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(403, f"a {user.role} may not use this; needs {', '.join(roles)}")
        return user

    return Depends(check)


RuntimeDep = Annotated[HubRuntime, Depends(get_runtime)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
DbDep = Annotated[DictCursor, Depends(get_db)]
UserDep = Annotated[User, Depends(get_user)]
AdminDep = Annotated[User, require("admin")]
OverseerDep = Annotated[User, require("admin", "auditor")]
