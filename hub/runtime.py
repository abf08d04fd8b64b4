"""The hub's long-lived parts, started and stopped with the app."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from psycopg_pool import ConnectionPool

from hub.alerts.escalation import EscalationWorker
from hub.db import Features, make_pool, migrate
from hub.ingest import Ingestor
from hub.maintenance import MaintenanceWorker
from hub.metrics import HubMetrics
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
    escalation: EscalationWorker | None = None
    upkeep: MaintenanceWorker | None = None
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
            runtime.escalation = EscalationWorker(
                pool, every_s=settings.escalation_every_s, push=push
            )
            runtime.escalation.start()
            runtime.upkeep = MaintenanceWorker(
                pool, features, retention_days=settings.ingested_retention_days
            )
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
