"""Build the hub's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hub import web
from hub.api.routes import alerts, auth, care, commands, data, gate, health, raw, rules
from hub.runtime import HubRuntime
from hub.settings import HubSettings


def create_app(settings: HubSettings, *, ingest: bool = True) -> FastAPI:
    """An app whose lifespan migrates, opens the pool and runs ingest."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = HubRuntime.start(settings, ingest=ingest)
        app.state.runtime = runtime
        try:
            yield
        finally:
            runtime.stop()

    app = FastAPI(title="smartcommunity hub", version="0.1.0", lifespan=lifespan)
    app.include_router(health.router)
    app.include_router(data.router)
    app.include_router(commands.router)
    app.include_router(auth.router)
    app.include_router(alerts.router)
    app.include_router(care.router)
    app.include_router(rules.router)
    app.include_router(gate.router)
    app.include_router(raw.router)
    app.include_router(web.router)
    return app
