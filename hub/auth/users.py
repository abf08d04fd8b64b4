"""Users with argon2 password hashes, and short-lived signed tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

Role = Literal[
    "street_officer", "community_officer", "property_security", "caregiver", "auditor", "admin"
]
ROLES: tuple[Role, ...] = (
    "street_officer",
    "community_officer",
    "property_security",
    "caregiver",
    "auditor",
    "admin",
)
TOKEN_TTL = timedelta(minutes=30)
# A console open all night renews its token; a shift still ends with the password.
SHIFT_MAX = timedelta(hours=12)
_hasher = PasswordHasher()
# Verifying an unknown user costs the same as a known one, so timing does not reveal names.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AuthError(Exception):
    """Credentials or token refused; the message is safe to show."""


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in user and what they may see."""

    id: int
    username: str
    display_name: str
    role: Role
    site_id: str | None
    site_path: str | None  # None: the whole installation (admin, auditor)
    residents: frozenset[str]  # caregivers: assigned resident pseudonyms


def create_user(
    conn: psycopg.Connection[Any],
    *,
    username: str,
    password: str,
    role: Role,
    site_id: str | None = None,
    display_name: str = "",
    residents: tuple[str, ...] = (),
) -> int:
    """Add a user (password hashed with argon2id); return its id."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{2,64}", username):
        raise ValueError(
            f"user name {username[:70]!r} must be 2-64 letters, digits, '_', '.' or '-'"
        )
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    if role in ("street_officer", "community_officer", "property_security") and not site_id:
        raise ValueError(f"a {role} needs the site (street or community) they work for")
    row = conn.execute(
        "INSERT INTO users (username, display_name, password_hash, role, site_id)"
        " VALUES (%s, %s, %s, %s, %s) RETURNING id",
        (username, display_name, _hasher.hash(password), role, site_id),
    ).fetchone()
    assert row is not None
    user_id = int(row[0])
    for resident in residents:
        conn.execute(
            "INSERT INTO caregiver_residents (user_id, resident_id) VALUES (%s, %s)",
            (user_id, resident),
        )
    return user_id


def load_user(conn: psycopg.Connection[Any], username: str) -> tuple[User, str] | None:
    """The user and their password hash, or None when unknown or disabled."""
    row = conn.execute(
        "SELECT u.id, u.username, u.display_name, u.role, u.site_id, s.path, u.password_hash,"
        " coalesce(array_agg(c.resident_id) FILTER (WHERE c.resident_id IS NOT NULL), '{}')"
        " FROM users u LEFT JOIN sites s ON s.id = u.site_id"
        " LEFT JOIN caregiver_residents c ON c.user_id = u.id"
        " WHERE u.username = %s AND NOT u.disabled GROUP BY u.id, s.path",
        (username,),
    ).fetchone()
    if row is None:
        return None
    user = User(int(row[0]), row[1], row[2], row[3], row[4], row[5], frozenset(row[7]))
    return user, str(row[6])


def authenticate(conn: psycopg.Connection[Any], username: str, password: str) -> User:
    """Check a password; raise AuthError with one message for every failure."""
    found = load_user(conn, username)
    try:
        _hasher.verify(found[1] if found else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise AuthError("wrong user name or password") from None
    if found is None:
        raise AuthError("wrong user name or password")
    return found[0]


def issue_token(
    user: User, secret: str, *, now: datetime | None = None, signed_in: datetime | None = None
) -> str:
    """A signed token naming the user, valid for TOKEN_TTL.

    ``signed_in`` is when the password was last checked (default: now); a
    renewed token carries it on, so renewal cannot outlast SHIFT_MAX.
    """
    issued = now or datetime.now(UTC)
    claims = {
        "sub": user.username,
        "role": user.role,
        "iat": issued,
        "exp": issued + TOKEN_TTL,
        "auth_time": int((signed_in or issued).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def renew_token(token: str, user: User, secret: str, *, now: datetime | None = None) -> str:
    """A fresh token for a still-valid one, within SHIFT_MAX of signing in with the password."""
    now = now or datetime.now(UTC)
    claims = _claims(token, secret)
    signed_in = datetime.fromtimestamp(int(claims.get("auth_time", claims["iat"])), UTC)
    if now - signed_in > SHIFT_MAX:
        hours = int(SHIFT_MAX.total_seconds() // 3600)
        raise AuthError(f"signed in over {hours} hours ago; sign in again with your password")
    return issue_token(user, secret, now=now, signed_in=signed_in)


def _claims(token: str, secret: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub", "iat"]}
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("token expired; sign in again") from None
    except jwt.InvalidTokenError:
        raise AuthError("invalid token") from None
    return claims


def read_token(token: str, secret: str) -> str:
    """The user name in a valid token; AuthError when expired, forged or malformed."""
    return str(_claims(token, secret)["sub"])
