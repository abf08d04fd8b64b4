"""User accounts: argon2 hashes, sign-in refusals, token expiry, disabled users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from hub.auth.users import (
    AuthError,
    authenticate,
    create_user,
    issue_token,
    read_token,
    renew_token,
)
from hub.db import migrate

SECRET = "x" * 40


@pytest.fixture
def conn(database_url: str) -> psycopg.Connection[tuple[object, ...]]:
    migrate(database_url)
    with psycopg.connect(database_url) as connection:
        yield connection  # type: ignore[misc]


def test_passwords_are_stored_as_argon2id(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    create_user(conn, username="admin", password="correct horse", role="admin")
    row = conn.execute("SELECT password_hash FROM users").fetchone()
    assert row is not None and str(row[0]).startswith("$argon2id$")
    assert "correct horse" not in str(row[0])
    assert authenticate(conn, "admin", "correct horse").role == "admin"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"password": "short"}, "at least 8"),
        ({"role": "community_officer"}, "needs the site"),
        ({"username": "a"}, "2-64 letters"),
        ({"username": "x; DROP TABLE users"}, "2-64 letters"),
    ],
)
def test_bad_accounts_are_refused(
    conn: psycopg.Connection[tuple[object, ...]], kwargs: dict[str, str], fragment: str
) -> None:
    values = {"username": "u1", "password": "long enough", "role": "admin"} | kwargs
    with pytest.raises(ValueError, match=fragment):
        create_user(conn, **values)  # type: ignore[arg-type]


def test_disabled_users_cannot_sign_in(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    create_user(conn, username="gone", password="long enough", role="auditor")
    conn.execute("UPDATE users SET disabled = true")
    with pytest.raises(AuthError, match="wrong user name or password"):
        authenticate(conn, "gone", "long enough")


def test_tokens_expire_and_cannot_be_forged(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    create_user(conn, username="ab", password="long enough", role="admin")
    user = authenticate(conn, "ab", "long enough")
    assert read_token(issue_token(user, SECRET), SECRET) == "ab"
    old = issue_token(user, SECRET, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(AuthError, match="expired"):
        read_token(old, SECRET)
    with pytest.raises(AuthError, match="invalid"):
        read_token(issue_token(user, "y" * 40), SECRET)
    with pytest.raises(AuthError, match="invalid"):
        read_token("not.a.token", SECRET)


def test_renewal_keeps_the_sign_in_time_and_ends_with_the_shift(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    create_user(conn, username="night", password="long enough", role="admin")
    user = authenticate(conn, "night", "long enough")
    signed_in = datetime.now(UTC) - timedelta(hours=11, minutes=50)
    # A token issued 11 h 50 min after signing in, renewed every 20 minutes since.
    token = issue_token(
        user, SECRET, now=datetime.now(UTC) - timedelta(minutes=5), signed_in=signed_in
    )
    renewed = renew_token(token, user, SECRET)
    assert read_token(renewed, SECRET) == "night"
    later = datetime.now(UTC) + timedelta(minutes=15)
    with pytest.raises(AuthError, match="signed in over 12 hours ago"):
        renew_token(renewed, user, SECRET, now=later)
    with pytest.raises(AuthError, match="expired"):
        renew_token(
            issue_token(user, SECRET, now=datetime.now(UTC) - timedelta(hours=1)), user, SECRET
        )
    with pytest.raises(AuthError, match="invalid"):
        renew_token(issue_token(user, "y" * 40), user, SECRET)
