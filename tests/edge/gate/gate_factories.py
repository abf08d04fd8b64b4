"""Factories shared by the vehicle-gate tests: a recording sink, gates, readers."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge.egress import EgressGate
from edge.gate.barrier import SimulatedBarrier
from edge.gate.config import GateConfig
from edge.gate.controller import GateController
from edge.gate.lists import AccessStore
from edge.plates.ocr import TextDetector, TextRecogniser
from edge.plates.reader import PlateReader, ReaderConfig
from protocol.codec import encode
from protocol.models import Command, Event, EvidenceRef, Reading
from simulators.gate.scene import LANE_ROI_XYXY

SECRET = "gate-test-secret-0123456789"
GATEWAY = "gw-a"
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class RecordingSink:
    """A Sink that screens everything through the real egress gate and keeps it."""

    def __init__(self) -> None:
        self.gate = EgressGate()
        self.events: list[Event] = []
        self.evidence: list[tuple[str, bytes]] = []
        self.payloads: list[bytes] = []

    def emit_event(self, event: Event) -> None:
        payload = self.gate.screen(encode(event), what="event")
        self.payloads.append(payload)
        self.events.append(event)

    def emit_evidence(self, media_type: str, content: bytes, role: str) -> EvidenceRef:
        self.gate.screen(content, what="evidence")
        self.evidence.append((media_type, content))
        return EvidenceRef(
            sha256=hashlib.sha256(content).hexdigest(), media_type=media_type, role=role
        )

    def accept_readings(self, readings: list[Reading]) -> None:
        raise AssertionError("the gate emits no readings")


@functools.lru_cache(maxsize=1)
def shared_reader() -> PlateReader:
    """One reader for the test session: loading the models takes a second."""
    config = ReaderConfig(roi_xyxy=LANE_ROI_XYXY)
    return PlateReader(
        config=config,
        detector=TextDetector(max_side=config.det_max_side),
        recogniser=TextRecogniser(),
    )


def make_gate(
    tmp: Path,
    *,
    reader: bool = True,
    fail_barrier: bool = False,
    now: datetime = T0,
    **overrides: Any,
) -> tuple[GateController, RecordingSink, SimulatedBarrier, AccessStore]:
    """A lane with a simulated barrier, a lists file in ``tmp`` and a fixed clock."""
    values: dict[str, Any] = {
        "device_id": "gate-east-1",
        "lane": "1",
        "lists_path": tmp / "lists.sqlite",
        "secret": SECRET,
    }
    values.update(overrides)
    config = GateConfig.model_validate(values)
    store = AccessStore(path=config.lists_path, secret=SECRET.encode())
    sink = RecordingSink()
    barrier = SimulatedBarrier(lane=config.lane, fail=fail_barrier)
    gate = GateController(
        gateway_id=GATEWAY,
        config=config,
        sink=sink,
        barrier=barrier,
        store=store,
        reader=shared_reader() if reader else None,
        clock=lambda: now,
    )
    return gate, sink, barrier, store


def sync_command(**args: Any) -> Command:
    """An allowlist.sync command from the hub."""
    return Command(gateway_id=GATEWAY, name="allowlist.sync", args=args)
