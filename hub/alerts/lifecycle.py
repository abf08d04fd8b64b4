"""Alert transitions: new -> acknowledged -> dispatched -> resolved -> closed.

Each action is one conditional UPDATE (so two people acting at once cannot
both win) plus an audit row, in one transaction. Refusals say what the alert
is now and what is possible from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg.rows import dict_row

from hub.alerts import audit
from hub.auth.scope import alert_condition
from hub.auth.users import User
from hub.push import PushConfig, enqueue_alert

Action = Literal["acknowledge", "dispatch", "resolve", "close", "escalate", "hand_back"]
# What the alert turned out to be, said when resolving it.
Outcome = Literal["genuine", "false_alarm"]
OPEN = ("new", "acknowledged", "dispatched")


class TransitionRefused(Exception):
    """The action is not possible now; ``status`` is 404 or 409 for the API."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Rule:
    """Where an action may start, what it sets, and who may take it."""

    from_status: tuple[str, ...]
    sql_set: str
    roles: tuple[str, ...]
    from_level: str | None = None


_HANDLERS = ("street_officer", "community_officer", "property_security", "admin")
RULES: dict[Action, Rule] = {
    "acknowledge": Rule(
        ("new",), "status = 'acknowledged', acknowledged_at = %(now)s", (*_HANDLERS, "caregiver")
    ),
    "dispatch": Rule(
        ("acknowledged", "dispatched"),
        "status = 'dispatched', dispatched_at = %(now)s, assignee = %(assignee)s",
        _HANDLERS,
    ),
    "resolve": Rule(
        ("acknowledged", "dispatched"),
        "status = 'resolved', resolved_at = %(now)s, disposition = %(note)s, outcome = %(outcome)s",
        _HANDLERS,
    ),
    "close": Rule(
        ("resolved",),
        "status = 'closed', closed_at = %(now)s, feedback = %(note)s,"
        " satisfaction = %(satisfaction)s",
        _HANDLERS,
    ),
    "escalate": Rule(
        OPEN,
        "level = 'street', escalated_at = %(now)s, instructions = %(note)s",
        ("community_officer", "property_security", "admin"),
        from_level="community",
    ),
    "hand_back": Rule(
        OPEN,
        "level = 'community', instructions = %(note)s,"
        " ack_due = %(now)s + (SELECT ack_within FROM alert_sla s"
        "                      WHERE s.severity = alerts.severity),"
        " resolve_due = %(now)s + (SELECT resolve_within FROM alert_sla s"
        "                          WHERE s.severity = alerts.severity)",
        ("street_officer", "admin"),
        from_level="street",
    ),
}


@dataclass(frozen=True, slots=True)
class Request:
    """What the person asked for."""

    action: Action
    note: str = ""
    assignee: str | None = None
    satisfaction: int | None = None
    outcome: Outcome | None = None


def _check_request(req: Request) -> None:
    if req.action == "dispatch" and not req.assignee:
        raise TransitionRefused(422, "dispatch needs an assignee (a grid worker or team)")
    if req.action == "resolve" and not req.note.strip():
        raise TransitionRefused(422, "resolve needs a disposition note: what was done")
    if req.action == "close" and req.satisfaction is None:
        raise TransitionRefused(422, "close needs the resident's satisfaction rating (1-5)")
    if req.outcome is not None and req.action != "resolve":
        raise TransitionRefused(422, "an outcome (genuine or false_alarm) is said when resolving")
    if req.action in ("escalate", "hand_back") and not req.note.strip():
        raise TransitionRefused(422, f"{req.action} needs a note: why, or the instructions")


def apply(
    conn: psycopg.Connection[Any],
    user: User,
    alert_id: int,
    req: Request,
    now: datetime,
    push: PushConfig | None = None,
) -> dict[str, Any]:
    """Perform ``req`` on an alert the user may see; return the updated alert."""
    rule = RULES[req.action]
    if user.role not in rule.roles:
        raise TransitionRefused(403, f"a {user.role} may not {req.action} alerts")
    _check_request(req)
    scope, params = alert_condition(user, "alerts")
    params |= {
        "id": alert_id,
        "from": list(rule.from_status),
        "now": now,
        "note": req.note,
        "assignee": req.assignee,
        "satisfaction": req.satisfaction,
        "outcome": req.outcome,
        "level": rule.from_level,
    }
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            f"UPDATE alerts SET {rule.sql_set} WHERE id = %(id)s AND {scope}"
            " AND status = ANY(%(from)s) AND (%(level)s::text IS NULL OR level = %(level)s)"
            " RETURNING *",
            params,
        ).fetchone()
        if row is None:
            raise _why_not(cur, user, alert_id, req.action, rule)
        if push is not None and req.action == "escalate":
            enqueue_alert(conn, row, "street", push, action="escalated")
        audit.append(
            conn,
            actor=user.username,
            action=req.action,
            alert_id=alert_id,
            at=now,
            detail={
                "status": row["status"],
                "level": row["level"],
                "note": req.note,
                "assignee": req.assignee,
                "satisfaction": req.satisfaction,
                "outcome": req.outcome,
            },
        )
    return row


def _why_not(
    cur: psycopg.Cursor[dict[str, Any]], user: User, alert_id: int, action: str, rule: Rule
) -> TransitionRefused:
    scope, params = alert_condition(user, "alerts")
    found = cur.execute(
        f"SELECT status, level FROM alerts WHERE id = %(id)s AND {scope}", params | {"id": alert_id}
    ).fetchone()
    if found is None:
        return TransitionRefused(404, f"no alert {alert_id} that you may see")
    if rule.from_level and found["level"] != rule.from_level:
        return TransitionRefused(409, f"cannot {action}: the alert is at {found['level']} level")
    allowed = ", ".join(rule.from_status)
    return TransitionRefused(
        409, f"cannot {action} an alert that is {found['status']}; possible from: {allowed}"
    )
