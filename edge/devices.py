"""Device drivers attached to a gateway, polled on their reporting interval.

Real meter buses (M-Bus, Modbus, NB-IoT platforms) plug in behind the same
``read`` method; the simulated meter stands in for them in demos and tests.
"""

from __future__ import annotations

import logging
import threading
import time

from edge.config import SimulatedMeterConfig
from edge.outbox import OutboxFull
from edge.sink import ReadingSink
from protocol.models import Reading
from simulators.meters import SimulatedMeter

logger = logging.getLogger(__name__)


class MeterPoller:
    """Reads every meter when it is due and hands each tick's readings over as one batch."""

    def __init__(
        self, meters: list[SimulatedMeterConfig], sink: ReadingSink, *, tick_s: float = 0.5
    ) -> None:
        self._sink = sink
        self._tick_s = tick_s
        self._meters = [
            (cfg, SimulatedMeter(cfg.id, cfg.medium, cfg.profile, cfg.seed)) for cfg in meters
        ]
        self._due = {cfg.id: 0.0 for cfg in meters}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.readings = 0
        self.shed = 0

    def poll_once(self, now: float) -> int:
        """Read the meters that are due at ``now`` (monotonic seconds); return how many."""
        batch: list[Reading] = []
        for cfg, meter in self._meters:
            if now >= self._due[cfg.id]:
                batch.append(meter.read())
                self._due[cfg.id] = now + cfg.interval_s
        if batch:
            try:
                self._sink.accept_readings(batch)
                self.readings += len(batch)
            except OutboxFull:
                self.shed += len(batch)
                logger.error("outbox full: %d readings not accepted", len(batch))
        return len(batch)

    def start(self) -> None:
        """Poll in a background thread."""
        self._thread = threading.Thread(target=self._run, name="meter-poller", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._tick_s):
            self.poll_once(time.monotonic())

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def stats(self) -> dict[str, float]:
        """Counters for health messages."""
        return {"meters.readings": float(self.readings), "meters.shed": float(self.shed)}
