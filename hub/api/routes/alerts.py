"""Alerts: the queue, details with their timeline, actions, supervision, live feed."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Query, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field

from hub.alerts.audit import verify_chain
from hub.alerts.feed import ALERT_COLUMNS, changes_after, last_change_id
from hub.alerts.lifecycle import Action, Outcome, Request, TransitionRefused, apply
from hub.api.deps import DbDep, OverseerDep, RuntimeDep, UserDep, user_from_token
from hub.auth.scope import alert_condition, path_condition
from hub.auth.users import AuthError

router = APIRouter(prefix="/api/v1", tags=["alerts"])
FEED_POLL_S = 0.1


class ActionBody(BaseModel):
    """What goes with an action."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000, description="Disposition, reason, feedback.")
    assignee: str | None = Field(default=None, max_length=100, description="For dispatch.")
    satisfaction: int | None = Field(default=None, ge=1, le=5, description="For close.")
    outcome: Outcome | None = Field(
        default=None, description="For resolve: genuine (属实) or false_alarm (误报)."
    )


@router.get("/alerts")
def list_alerts(
    db: DbDep,
    user: UserDep,
    status: Literal["open", "new", "acknowledged", "dispatched", "resolved", "closed"]
    | None = None,
    level: Literal["community", "street"] | None = None,
    community_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 200,
) -> list[dict[str, Any]]:
    """Alerts the user may see, most severe and oldest first."""
    scope, params = alert_condition(user, "a")
    return db.execute(
        f"SELECT {ALERT_COLUMNS}, a.first_seen AS raised_at FROM alerts a WHERE {scope}"
        " AND (%(status)s::text IS NULL OR a.status = %(status)s"
        "      OR (%(status)s = 'open' AND a.status IN ('new', 'acknowledged', 'dispatched')))"
        " AND (%(level)s::text IS NULL OR a.level = %(level)s)"
        " AND (%(community)s::text IS NULL OR a.community_id = %(community)s)"
        " ORDER BY array_position(ARRAY['critical','major','minor','info'], a.severity),"
        " a.first_seen LIMIT %(limit)s",
        params | {"status": status, "level": level, "community": community_id, "limit": limit},
    ).fetchall()


@router.get("/alerts/outcomes")
def outcomes(
    db: DbDep,
    user: UserDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    alert_type: Annotated[str | None, Query(alias="type", max_length=64)] = None,
) -> list[dict[str, Any]]:
    """Per source (gateway and device) and alert type: alerts resolved in the last ``days``.

    Each row counts those resolved as genuine (属实), as false alarms (误报)
    and without a verdict, with the false-alarm share of the judged ones:
    the real false-alarm rate of each camera or detector, most false first.
    ``events`` sums the events behind them (repeats while an alert is open
    join it).
    """
    scope, params = alert_condition(user, "a")
    return db.execute(
        "SELECT a.type, a.gateway_id, a.device_id, count(*) AS resolved, sum(a.count) AS events,"
        " count(*) FILTER (WHERE a.outcome = 'genuine') AS genuine,"
        " count(*) FILTER (WHERE a.outcome = 'false_alarm') AS false_alarm,"
        " count(*) FILTER (WHERE a.outcome IS NULL) AS unjudged,"
        " round(count(*) FILTER (WHERE a.outcome = 'false_alarm')::numeric"
        "   / nullif(count(a.outcome), 0), 3)::float AS false_alarm_share"
        f" FROM alerts a WHERE {scope} AND a.resolved_at >= now() - make_interval(days => %(days)s)"
        " AND (%(type)s::text IS NULL OR a.type = %(type)s)"
        " GROUP BY a.type, a.gateway_id, a.device_id"
        " ORDER BY false_alarm DESC, resolved DESC, a.type, a.gateway_id, a.device_id",
        params | {"days": days, "type": alert_type},
    ).fetchall()


@router.get("/alerts/{alert_id}")
def get_alert(alert_id: int, db: DbDep, user: UserDep) -> dict[str, Any]:
    """One alert with its timeline (who did what, when)."""
    scope, params = alert_condition(user, "a")
    alert = db.execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts a WHERE a.id = %(id)s AND {scope}",
        params | {"id": alert_id},
    ).fetchone()
    if alert is None:
        raise HTTPException(404, f"no alert {alert_id} that you may see")
    alert["timeline"] = db.execute(
        "SELECT id, at, actor, action, detail FROM audit_log WHERE alert_id = %s ORDER BY id",
        (alert_id,),
    ).fetchall()
    return alert


@router.post("/alerts/{alert_id}/{action}")
def act(
    alert_id: int, action: Action, body: ActionBody, runtime: RuntimeDep, user: UserDep
) -> dict[str, Any]:
    """acknowledge | dispatch | resolve | close | escalate | hand_back."""
    request = Request(action, body.note, body.assignee, body.satisfaction, body.outcome)
    try:
        with runtime.pool.connection() as conn:
            return apply(conn, user, alert_id, request, datetime.now(UTC), runtime.push)
    except TransitionRefused as exc:
        raise HTTPException(exc.status, exc.message) from exc


@router.get("/supervision")
def supervision(db: DbDep, user: UserDep) -> list[dict[str, Any]]:
    """Per community: open and overdue alerts, median response and resolution minutes."""
    scope, params = path_condition(user, "c.path")
    return db.execute(
        "SELECT c.id AS community_id, c.name,"
        " count(a.id) FILTER (WHERE a.status IN ('new','acknowledged','dispatched')) AS open,"
        " count(a.id) FILTER (WHERE a.status IN ('new','acknowledged','dispatched')"
        "   AND ((a.status = 'new' AND a.ack_due < now()) OR a.resolve_due < now())) AS overdue,"
        " count(a.id) FILTER (WHERE a.level = 'street'"
        "   AND a.status IN ('new','acknowledged','dispatched')) AS escalated,"
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM"
        "   a.acknowledged_at - a.first_seen) / 60) AS ack_minutes_median,"
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM"
        "   a.resolved_at - a.first_seen) / 60) AS resolve_minutes_median"
        f" FROM sites c LEFT JOIN alerts a ON a.community_id = c.id"
        f" WHERE c.kind = 'community' AND {scope} GROUP BY c.id, c.name ORDER BY c.id",
        params,
    ).fetchall()


@router.get("/audit")
def audit_log(
    db: DbDep, _user: OverseerDep, after: int = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    """The audit trail (auditors and admins)."""
    return db.execute(
        "SELECT id, at, actor, action, alert_id, detail, prev_hash, hash FROM audit_log"
        " WHERE id > %s ORDER BY id LIMIT %s",
        (after, limit),
    ).fetchall()


@router.get("/audit/verify")
def audit_verify(runtime: RuntimeDep, _user: OverseerDep) -> dict[str, Any]:
    """Recompute the hash chain; report the first row that was tampered with."""
    with runtime.pool.connection() as conn:
        report = verify_chain(conn)
    return {
        "ok": report.ok,
        "rows": report.rows,
        "first_bad_id": report.first_bad_id,
        "reason": report.reason,
    }


@router.websocket("/alerts/feed")
async def feed(websocket: WebSocket, token: str, after: int | None = None) -> None:
    """Live alert changes in the user's scope; reconnect with ``after`` = last change_id seen."""
    runtime = websocket.app.state.runtime
    try:
        user = await to_thread.run_sync(user_from_token, runtime, token)
    except AuthError as exc:
        await websocket.close(code=4401, reason=str(exc))
        return
    await websocket.accept()

    def fetch(cursor: int) -> list[dict[str, Any]]:
        with runtime.pool.connection() as conn:
            return changes_after(conn, user, cursor)

    def start() -> int:
        with runtime.pool.connection() as conn:
            return last_change_id(conn)

    cursor = after if after is not None else await to_thread.run_sync(start)
    try:
        while True:
            rows = await to_thread.run_sync(fetch, cursor)
            for row in rows:
                await websocket.send_text(json.dumps(row, default=str, ensure_ascii=False))
                cursor = row["change_id"]
            if not rows:
                await _idle(websocket)
    except WebSocketDisconnect:
        return


async def _idle(websocket: WebSocket) -> None:
    """Wait one poll period, noticing a client that left or a server that is stopping."""
    try:
        message = await asyncio.wait_for(websocket.receive(), timeout=FEED_POLL_S)
    except TimeoutError:
        return
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
