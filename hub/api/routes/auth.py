"""Sign-in: user name and password for a short-lived token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hub.api.deps import BearerDep, RuntimeDep, UserDep
from hub.auth.users import TOKEN_TTL, AuthError, authenticate, issue_token, renew_token

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Login(BaseModel):
    """Credentials."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


@router.post("/login")
def login(body: Login, runtime: RuntimeDep) -> dict[str, Any]:
    """Check the password; return a bearer token and who you are."""
    try:
        with runtime.pool.connection() as conn:
            user = authenticate(conn, body.username, body.password)
    except AuthError as exc:
        raise HTTPException(401, str(exc)) from exc
    token = issue_token(user, runtime.settings.secret_key.get_secret_value())
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": int(TOKEN_TTL.total_seconds()),
        "user": whoami(user),
    }


@router.post("/refresh")
def refresh(runtime: RuntimeDep, user: UserDep, bearer: BearerDep) -> dict[str, Any]:
    """A fresh token for a valid one (the user still active), up to 12 h after signing in."""
    assert bearer is not None  # UserDep already refused a request without one
    try:
        token = renew_token(
            bearer.credentials, user, runtime.settings.secret_key.get_secret_value()
        )
    except AuthError as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": int(TOKEN_TTL.total_seconds()),
        "user": whoami(user),
    }


@router.get("/me")
def whoami(user: UserDep) -> dict[str, Any]:
    """The signed-in user and their scope."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "site_id": user.site_id,
        "site_path": user.site_path,
        "residents": sorted(user.residents),
    }
