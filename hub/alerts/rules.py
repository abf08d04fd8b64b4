"""Alerts from telemetry: threshold rules evaluated as readings are stored.

Rules run only on newly stored messages (never on redeliveries), and a batch
raises at most one alarm per (device, rule): the newest breaching reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import psycopg

from protocol.models import Event, Severity, Telemetry


@dataclass(frozen=True, slots=True)
class Rule:
    """A threshold on one metric."""

    name: str
    metric: str
    device_like: str | None
    above: float | None
    below: float | None
    severity: Severity
    alert_type: str

    def breached(self, device_id: str, value: float) -> bool:
        """True when this reading violates the rule."""
        if self.device_like is not None:
            pattern = self.device_like.replace("%", "*").replace("_", "?")
            if not fnmatchcase(device_id, pattern):
                return False
        return (self.above is not None and value > self.above) or (
            self.below is not None and value < self.below
        )


def load_rules(conn: psycopg.Connection[Any]) -> list[Rule]:
    """The enabled rules."""
    rows = conn.execute(
        "SELECT name, metric, device_like, above, below, severity, alert_type"
        " FROM telemetry_rules WHERE enabled ORDER BY id"
    ).fetchall()
    return [Rule(*row) for row in rows]


def evaluate(rules: list[Rule], batches: list[Telemetry]) -> list[Event]:
    """Synthetic alarm events for the readings that break a rule."""
    by_metric: dict[str, list[Rule]] = {}
    for rule in rules:
        by_metric.setdefault(rule.metric, []).append(rule)
    newest: dict[tuple[str, str, str], Event] = {}
    for batch in batches:
        for reading in batch.readings:
            for rule in by_metric.get(reading.metric, ()):
                if not rule.breached(reading.device_id, reading.value):
                    continue
                key = (batch.gateway_id, reading.device_id, rule.name)
                known = newest.get(key)
                if known is None or known.observed_at <= reading.ts:
                    newest[key] = Event(
                        gateway_id=batch.gateway_id,
                        type=rule.alert_type,
                        severity=rule.severity,
                        alarm=True,
                        device_id=reading.device_id,
                        observed_at=reading.ts,
                        data={
                            "rule": rule.name,
                            "metric": reading.metric,
                            "value": reading.value,
                            "above": rule.above,
                            "below": rule.below,
                        },
                    )
    return list(newest.values())
