"""Prometheus metrics of the hub."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class HubMetrics:
    """All hub metrics in one registry (one per app, so tests do not collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "sc_ingest_messages_total",
            "Messages committed, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "sc_ingest_duplicates_total",
            "Redelivered messages discarded by id.",
            registry=self.registry,
        )
        self.telemetry_rows = Counter(
            "sc_ingest_telemetry_rows_total", "Telemetry readings stored.", registry=self.registry
        )
        self.dead_letters = Counter(
            "sc_ingest_dead_letters_total",
            "Messages refused, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "sc_ingest_batch_seconds",
            "Time to write and commit one batch.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.db_errors = Counter(
            "sc_ingest_db_errors_total",
            "Batches that failed and were retried.",
            registry=self.registry,
        )
        self.mqtt_connected = Gauge(
            "sc_ingest_mqtt_connected",
            "1 while the ingest client is connected.",
            registry=self.registry,
        )
