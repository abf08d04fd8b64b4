"""Caregivers (照护人): their residents' latest vitals and charts; the resident registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hub.api.deps import AdminDep, DbDep, UserDep
from hub.auth.users import User

router = APIRouter(prefix="/api/v1/care", tags=["care"])
BUCKETS = {"1m": "1 minute", "5m": "5 minutes", "1h": "1 hour", "1d": "1 day"}


class DeviceLink(BaseModel):
    """A device worn by or installed for a resident."""

    model_config = ConfigDict(extra="forbid")

    gateway_id: str = Field(max_length=63)
    device_id: str = Field(max_length=128)


class ResidentCreate(BaseModel):
    """A resident in the registry (names and phones stay at the hub)."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=r"^r-[a-z0-9]{6,40}$", description="Edge pseudonym.")]
    name: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    site_id: str | None = None
    devices: list[DeviceLink] = Field(default_factory=list, max_length=32)


def _resident(db: Any, user: User, resident_id: str) -> dict[str, Any]:
    """The resident if the user may see them; 404 otherwise (existence is not revealed)."""
    if user.role == "caregiver" and resident_id not in user.residents:
        raise HTTPException(404, f"no resident {resident_id!r} assigned to you")
    if user.role not in ("caregiver", "admin"):
        raise HTTPException(403, f"a {user.role} has no access to the resident registry")
    row: dict[str, Any] | None = db.execute(
        "SELECT id, name, phone, site_id, away_until FROM residents WHERE id = %s", (resident_id,)
    ).fetchone()
    if row is None:
        raise HTTPException(404, f"no resident {resident_id!r} assigned to you")
    return row


@router.get("/residents")
def my_residents(db: DbDep, user: UserDep) -> list[dict[str, Any]]:
    """Residents assigned to the caregiver (all, for an admin)."""
    if user.role not in ("caregiver", "admin"):
        raise HTTPException(403, f"a {user.role} has no access to the resident registry")
    return db.execute(
        "SELECT r.id, r.name, r.phone, r.site_id, r.away_until,"
        " (SELECT count(*) FROM alerts a WHERE a.resident_id = r.id"
        "   AND a.status IN ('new', 'acknowledged', 'dispatched')) AS open_alerts"
        " FROM residents r WHERE %(all)s OR r.id = ANY(%(mine)s) ORDER BY r.id",
        {"all": user.role == "admin", "mine": sorted(user.residents)},
    ).fetchall()


@router.get("/residents/{resident_id}/latest")
def latest_vitals(resident_id: str, db: DbDep, user: UserDep) -> dict[str, Any]:
    """The newest reading of every metric of the resident's devices."""
    resident = _resident(db, user, resident_id)
    resident["latest"] = db.execute(
        "SELECT DISTINCT ON (t.device_id, t.metric) t.device_id, t.metric, t.time, t.value"
        " FROM telemetry t JOIN resident_devices d"
        "   ON d.gateway_id = t.gateway_id AND d.device_id = t.device_id"
        " WHERE d.resident_id = %s AND t.time > now() - interval '7 days'"
        " ORDER BY t.device_id, t.metric, t.time DESC",
        (resident_id,),
    ).fetchall()
    return resident


@router.get("/residents/{resident_id}/vitals")
def vitals(
    resident_id: str,
    db: DbDep,
    user: UserDep,
    metric: str,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: Literal["1m", "5m", "1h", "1d"] = "5m",
) -> list[dict[str, Any]]:
    """A metric of the resident's devices over time, per bucket (for charts)."""
    _resident(db, user, resident_id)
    end = end or datetime.now(UTC)
    start = start or end - timedelta(hours=24)
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        raise HTTPException(422, "start and end need a time zone, and start must be before end")
    return db.execute(
        "SELECT date_bin(%(b)s::interval, t.time, TIMESTAMPTZ '2000-01-01') AS bucket,"
        " avg(t.value) AS avg, min(t.value) AS min, max(t.value) AS max, count(*) AS n"
        " FROM telemetry t JOIN resident_devices d"
        "   ON d.gateway_id = t.gateway_id AND d.device_id = t.device_id"
        " WHERE d.resident_id = %(r)s AND t.metric = %(m)s AND t.time >= %(s)s AND t.time < %(e)s"
        " GROUP BY 1 ORDER BY 1 LIMIT 5000",
        {"b": BUCKETS[bucket], "r": resident_id, "m": metric, "s": start, "e": end},
    ).fetchall()


@router.post("/residents", status_code=201)
def register_resident(body: ResidentCreate, db: DbDep, _user: AdminDep) -> dict[str, str]:
    """Add or update a resident and their devices (admins)."""
    if (
        body.site_id is not None
        and db.execute("SELECT 1 FROM sites WHERE id = %s", (body.site_id,)).fetchone() is None
    ):
        raise HTTPException(422, f"no site {body.site_id!r}; see GET /api/v1/sites")
    db.execute(
        "INSERT INTO residents (id, name, phone, site_id) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone,"
        " site_id = excluded.site_id",
        (body.id, body.name, body.phone, body.site_id),
    )
    for link in body.devices:
        db.execute(
            "INSERT INTO resident_devices (gateway_id, device_id, resident_id) VALUES (%s, %s, %s)"
            " ON CONFLICT (gateway_id, device_id) DO UPDATE SET resident_id = excluded.resident_id",
            (link.gateway_id, link.device_id, body.id),
        )
    return {"id": body.id}
