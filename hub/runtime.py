"""The hub's long-lived parts, started and stopped with the app."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from psycopg_pool import ConnectionPool

from hub.alerts.escalation import escalate_overdue
from hub.db import Features, make_pool, migrate
from hub.ingest import Ingestor
from hub.maintenance import run_upkeep
from hub.metrics import HubMetrics
from hub.periodic import Periodic
from hub.push import PushConfig, PushDispatcher, load_push_config
from hub.settings import HubSettings
from hub.sites import load_sites
from protocol.sites import load_scenario

logger = logging.getLogger(__name__)


@dataclass
class HubRuntime:
    """Pool, ingest and metrics of one hub process."""

    settings: HubSettings
    pool: ConnectionPool
    features: Features
    metrics: HubMetrics = field(default_factory=HubMetrics)
    ingestor: Ingestor | None = None
    escalation: Periodic | None = None
    upkeep: Periodic | None = None
    push: PushConfig | None = None
    dispatcher: PushDispatcher | None = None

    @classmethod
    def start(cls, settings: HubSettings, *, ingest: bool = True) -> HubRuntime:
        """Migrate, load the site registry, open the pool and start ingest."""
        features = migrate(settings.database_url)
        pool = make_pool(settings.database_url, max_size=settings.db_pool_max)
        push = load_push_config(settings.push_config) if settings.push_config else None
        runtime = cls(settings=settings, pool=pool, features=features, push=push)
        if settings.scenario is not None:
            with pool.connection() as conn:
                count = load_sites(conn, load_scenario(settings.scenario))
            logger.info("site registry: %d sites from %s", count, settings.scenario)
        if ingest:
            runtime.ingestor = Ingestor(settings, pool, runtime.metrics, push)
            runtime.ingestor.start()
            runtime.escalation = Periodic(
                "sla-escalation",
                pool,
                lambda conn: escalate_overdue(conn, datetime.now(UTC), push),
                every_s=settings.escalation_every_s,
            )
            runtime.upkeep = Periodic(
                "hub-upkeep",
                pool,
                lambda conn: run_upkeep(
                    conn, features, settings.ingested_retention_days, datetime.now(UTC)
                ),
                every_s=3600.0,
                run_at_start=True,
            )
            runtime.escalation.start()
            runtime.upkeep.start()
            if push is not None:
                runtime.dispatcher = PushDispatcher(pool, push)
                runtime.dispatcher.start()
        return runtime

    def stop(self) -> None:
        """Stop ingest (acknowledging what was committed) and close the pool."""
        for worker in (self.escalation, self.upkeep, self.dispatcher):
            if worker is not None:
                worker.stop()
        if self.ingestor is not None:
            self.ingestor.stop()
        self.pool.close()
