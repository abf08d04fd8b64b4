"""Telemetry rules (admins): thresholds that raise alerts at the hub."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.api.deps import AdminDep, DbDep, UserDep
from protocol.models import Name, Severity

router = APIRouter(prefix="/api/v1/rules", tags=["rules"])


class RuleCreate(BaseModel):
    """A threshold on a metric; ``device_like`` uses SQL LIKE wildcards (% and _)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    metric: Name
    device_like: Annotated[str, Field(max_length=128)] | None = None
    above: float | None = Field(default=None, allow_inf_nan=False)
    below: float | None = Field(default=None, allow_inf_nan=False)
    severity: Severity = "major"
    alert_type: Name

    @model_validator(mode="after")
    def verify_threshold(self) -> RuleCreate:
        if self.above is None and self.below is None:
            raise ValueError("give above, below or both")
        if self.above is not None and self.below is not None and self.below > self.above:
            raise ValueError(f"below ({self.below}) above 'above' ({self.above}) never fires")
        return self


@router.get("")
def list_rules(db: DbDep, _user: UserDep) -> list[dict[str, Any]]:
    """Every rule."""
    return db.execute(
        "SELECT id, name, metric, device_like, above, below, severity, alert_type, enabled"
        " FROM telemetry_rules ORDER BY id"
    ).fetchall()


@router.post("", status_code=201)
def create_rule(body: RuleCreate, db: DbDep, _user: AdminDep) -> dict[str, Any]:
    """Add a rule."""
    try:
        row = db.execute(
            "INSERT INTO telemetry_rules (name, metric, device_like, above, below, severity,"
            " alert_type) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                body.name,
                body.metric,
                body.device_like,
                body.above,
                body.below,
                body.severity,
                body.alert_type,
            ),
        ).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        raise HTTPException(409, f"a rule called {body.name!r} exists already") from exc
    assert row is not None
    return {"id": row["id"]}


@router.delete("/{rule_id}", status_code=204)
def delete_rule(rule_id: int, db: DbDep, _user: AdminDep) -> None:
    """Remove a rule (its alerts stay)."""
    if db.execute("DELETE FROM telemetry_rules WHERE id = %s", (rule_id,)).rowcount == 0:
        raise HTTPException(404, f"no rule {rule_id}")
