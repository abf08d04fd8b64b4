"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import psycopg
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def liveness() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readiness(runtime: RuntimeDep) -> JSONResponse:
    """The database answers and ingest is connected to the broker."""
    checks: dict[str, str] = {}
    try:
        with runtime.pool.connection(timeout=2) as conn:
            conn.execute("SELECT 1")
        checks["database"] = "ok"
    except (psycopg.Error, TimeoutError) as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    ingestor = runtime.ingestor
    if ingestor is not None:
        checks["broker"] = "ok" if ingestor.connected.is_set() else "disconnected"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics")
def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus exposition of the hub's metrics."""
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
