"""The change feed: audit rows joined with their alerts, within a user's scope.

Audit ids commit in order (writers hold an advisory lock), so a client that
remembers the last id it saw and asks for everything after it misses nothing.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from hub.auth.scope import alert_condition
from hub.auth.users import User

ALERT_COLUMNS = (
    "a.id, a.type, a.severity, a.status, a.level, a.source, a.gateway_id, a.device_id,"
    " a.site_id, a.site_path, a.community_id, a.resident_id, a.channel, a.count,"
    " a.first_seen, a.last_seen, a.ack_due, a.resolve_due, a.assignee, a.disposition,"
    " a.instructions, a.satisfaction, a.outcome, a.data, a.evidence,"
    " a.last_event::text AS last_event"
)


def changes_after(
    conn: psycopg.Connection[Any], user: User, after: int, limit: int = 200
) -> list[dict[str, Any]]:
    """Changes with id > ``after`` to alerts the user may see, oldest first."""
    scope, params = alert_condition(user, "a")
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT l.id AS change_id, l.action, l.actor, l.at, {ALERT_COLUMNS}"
            " FROM audit_log l JOIN alerts a ON a.id = l.alert_id"
            f" WHERE l.id > %(after)s AND {scope} ORDER BY l.id LIMIT %(limit)s",
            params | {"after": after, "limit": limit},
        ).fetchall()


def last_change_id(conn: psycopg.Connection[Any]) -> int:
    """The newest change id (where a new client without history starts)."""
    row = conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()
    return int(row[0]) if row else 0
