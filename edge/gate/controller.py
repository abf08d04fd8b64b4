"""The gate controller: vehicle passes in, barrier moves and events out.

The barrier is moved before anything is emitted, and the decision reads
only the local SQLite lists: a resident drives in with the hub, broker or
network down (ARCHITECTURE guarantee 3). Events then go to the sink, which
screens them through the privacy egress gate and stores them durably.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np

from edge.gate.barrier import BarrierDriver
from edge.gate.config import GateConfig
from edge.gate.decision import Action, Decision, Reason, decide
from edge.gate.errors import BadListSync, BarrierFault
from edge.gate.faces import FaceDetector
from edge.gate.lists import AccessStore
from edge.gate.privacy import mask_plate, pseudonym
from edge.gate.readwatch import ReadWatch, read_event
from edge.gate.snapshot import desensitise, encode_jpeg
from edge.gate.visits import Visit, VisitTracker
from edge.plates.reader import PassResult, PlateReader
from edge.sink import Sink
from protocol.models import Command, CommandAck, Event, EvidenceRef, Severity

logger = logging.getLogger(__name__)

COMMANDS = ("allowlist.sync", "barrier.open", "barrier.close")


@dataclass(frozen=True, slots=True)
class PassOutcome:
    """What the gate did for one vehicle pass."""

    decision: Decision
    decided_ms: float
    event: Event


def _kept(frames: Iterable[np.ndarray], into: list[np.ndarray]) -> Iterator[np.ndarray]:
    """``frames``, each kept in ``into`` as it is taken."""
    for frame in frames:
        into.append(frame)
        yield frame


class GateController:
    """One lane: reads plates, decides locally, moves the barrier, emits events.

    ``reader`` is optional so a gate that receives plates from a camera with
    built-in recognition can call ``on_plate_result`` directly.
    """

    def __init__(
        self,
        *,
        gateway_id: str,
        config: GateConfig,
        sink: Sink,
        barrier: BarrierDriver,
        store: AccessStore,
        reader: PlateReader | None = None,
        faces: FaceDetector | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.gateway_id = gateway_id
        self.config = config
        self._sink = sink
        self._barrier = barrier
        self._store = store
        self._reader = reader
        self._faces = faces
        self._clock = clock
        self._secret = config.secret.get_secret_value().encode()
        self.visits = VisitTracker(path=config.lists_path)
        self.reads = ReadWatch(config.read_watch)
        self._counts: dict[str, float] = {
            "passes": 0.0,
            "opened": 0.0,
            "held": 0.0,
            "refused": 0.0,
            "barrier_faults": 0.0,
        }

    @property
    def barrier(self) -> BarrierDriver:
        """The lane's barrier driver."""
        return self._barrier

    # -- vehicle passes ---------------------------------------------------
    def on_vehicle_pass(
        self, frames: Iterable[np.ndarray], *, direction: Literal["in", "out"] | None = None
    ) -> PassOutcome:
        """Read the pass's frames, act on the barrier, emit the event.

        ``frames`` may be a live generator: the reader takes frames only until
        it is sure of the plate.
        """
        if self._reader is None:
            raise RuntimeError("this gate has no plate reader; call on_plate_result instead")
        read: list[np.ndarray] = []
        result = self._reader.read_pass(_kept(frames, read))
        located = result.last_located()
        # The snapshot is a frame whose plate we located, so the mask covers it;
        # a pass where no plate was located gets no snapshot rather than a risky one.
        snapshot = read[located] if located is not None else None
        return self.on_plate_result(result, snapshot=snapshot, direction=direction)

    def on_plate_result(
        self,
        result: PassResult,
        *,
        snapshot: np.ndarray | None = None,
        direction: Literal["in", "out"] | None = None,
    ) -> PassOutcome:
        """Decide and act on an already read pass, then emit its event.

        ``snapshot`` must be the frame of ``result.last_located()``: its plate
        corners are the ones masked.
        """
        observed_at = self._clock()
        start = time.perf_counter()
        decision = self._decide(result, observed_at)
        self._act(decision)
        decided_ms = (time.perf_counter() - start) * 1000
        located = result.last_located()
        evidence = (
            []
            if snapshot is None or located is None
            else self._evidence(snapshot, result.quads[located])
        )
        way = direction or self.config.direction
        event = self._event(result, decision, observed_at, way, evidence)
        self._sink.emit_event(event)
        self._track_visit(result, decision, way, observed_at, event)
        self._watch_reads(result, observed_at)
        return PassOutcome(decision=decision, decided_ms=decided_ms, event=event)

    def _track_visit(
        self, result: PassResult, decision: Decision, direction: str, at: datetime, event: Event
    ) -> None:
        pseudonym = event.data.get("plate_pseudonym")
        if result.result is None or not isinstance(pseudonym, str):
            return
        if direction == "out":
            self.visits.left(pseudonym)
            return
        if decision.reason is not Reason.VISITOR:
            return
        windows = [
            e.valid_until
            for e in self._store.entries(result.result.plate.text)
            if e.list == "visitor" and e.valid_until is not None
        ]
        if windows:
            self.visits.entered(Visit(pseudonym, str(event.data["plate_masked"]), at, max(windows)))

    def _watch_reads(self, result: PassResult, at: datetime) -> None:
        change = self.reads.record(read=result.result is not None, at=at)
        if change is None:
            return
        log = logger.warning if change.raised else logger.info
        log(
            "lane %s: plates_unread %s (%d of the last %d passes unread)",
            self.config.lane,
            "raised" if change.raised else "cleared",
            change.unread,
            change.passes,
        )
        self._sink.emit_event(
            read_event(
                change,
                gateway_id=self.gateway_id,
                device_id=self.config.device_id,
                lane=self.config.lane,
                channel=self.config.channel,
            )
        )

    def poll(self) -> int:
        """Raise an alarm for each visitor still inside after their window; return how many."""
        late = self.visits.overstaying(self._clock())
        for visit in late:
            self._sink.emit_event(
                Event(
                    gateway_id=self.gateway_id,
                    type="visitor_overstay",
                    severity="minor",
                    alarm=True,
                    device_id=self.config.device_id,
                    channel=self.config.channel,
                    observed_at=self._clock(),
                    data={
                        "plate_masked": visit.plate_masked,
                        "plate_pseudonym": visit.pseudonym,
                        "entered_at": visit.entered_at.isoformat(),
                        "until": visit.until.isoformat(),
                        "lane": self.config.lane,
                    },
                )
            )
        return len(late)

    def _decide(self, result: PassResult, now: datetime) -> Decision:
        if result.result is None:
            return Decision(Action.HOLD, Reason.UNREADABLE)
        decision = decide(self._store, result.result.plate.text, now)
        if (
            decision.action is Action.OPEN
            and result.result.confidence < self.config.min_open_confidence
        ):
            return Decision(Action.HOLD, Reason.LOW_CONFIDENCE)
        return decision

    def _act(self, decision: Decision) -> None:
        self._counts["passes"] += 1
        if decision.action is Action.OPEN:
            try:
                self._barrier.open()
                self._counts["opened"] += 1
            except BarrierFault:
                self._counts["barrier_faults"] += 1
                logger.exception("lane %s: barrier did not open", self.config.lane)
        elif decision.action is Action.HOLD:
            self._counts["held"] += 1
        else:
            self._counts["refused"] += 1

    def _evidence(self, frame: np.ndarray, quad: np.ndarray | None) -> list[EvidenceRef]:
        if not self.config.snapshot or quad is None:
            return []
        image = desensitise(frame, [quad], self._faces)
        return [self._sink.emit_evidence("image/jpeg", encode_jpeg(image), "snapshot")]

    def _event(
        self,
        result: PassResult,
        decision: Decision,
        observed_at: datetime,
        direction: str,
        evidence: list[EvidenceRef],
    ) -> Event:
        blacklisted = decision.reason is Reason.BLACKLISTED
        severity: Severity = (
            "major" if blacklisted else ("minor" if decision.action is Action.HOLD else "info")
        )
        data: dict[str, Any] = {
            "lane": self.config.lane,
            "direction": direction,
            "decision": decision.action.value,
            "reason": decision.reason.value,
            "needs_guard": decision.action is Action.HOLD,
            "frames_read": result.frames_read,
            "read_ms": round(result.elapsed_ms, 1),
        }
        if result.result is not None:
            plate = result.result.plate
            data |= {
                "plate_masked": mask_plate(plate.text),
                "plate_pseudonym": pseudonym(plate.text, self._secret),
                "plate_kind": plate.kind.value,
                "plate_colour": result.result.colour.value,
                "confidence": round(result.result.confidence, 3),
            }
        elif result.rejected is not None:
            data["rejected_reason"] = result.rejected.reason
        return Event(
            gateway_id=self.gateway_id,
            type="vehicle_blacklisted" if blacklisted else "vehicle_pass",
            severity=severity,
            alarm=blacklisted,
            device_id=self.config.device_id,
            channel=self.config.channel,
            observed_at=observed_at,
            data=data,
            evidence=evidence,
        )

    # -- commands ---------------------------------------------------------
    def handle_command(self, cmd: Command) -> CommandAck:
        """Handle allowlist.sync, barrier.open and barrier.close; anything else is rejected."""
        if cmd.name == "allowlist.sync":
            try:
                counts = self._store.sync(cmd.args)
            except BadListSync as exc:
                return cmd.ack("rejected", str(exc))
            return cmd.ack("done", "lists: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
        if cmd.name in ("barrier.open", "barrier.close"):
            return self._manual(cmd)
        return cmd.ack("rejected", f"unknown command {cmd.name!r}; known: {', '.join(COMMANDS)}")

    def _manual(self, cmd: Command) -> CommandAck:
        lane = cmd.args.get("lane", self.config.lane)
        if str(lane) != self.config.lane:
            return cmd.ack(
                "rejected", f"lane {lane!r} is not this gate's lane {self.config.lane!r}"
            )
        try:
            if cmd.name == "barrier.open":
                self._barrier.open()
            else:
                self._barrier.close()
        except BarrierFault as exc:
            self._counts["barrier_faults"] += 1
            return cmd.ack("failed", str(exc))
        logger.info("lane %s: %s by %s", self.config.lane, cmd.name, cmd.issued_by)
        return cmd.ack("done", f"barrier {self._barrier.state}")

    def stats(self) -> dict[str, float]:
        """Counters for the health message, names prefixed by ``gate_``."""
        counts = {f"gate_{name}": value for name, value in self._counts.items()}
        counts["gate_visitors_inside"] = float(len(self.visits))
        counts["gate_read_faults"] = float(self.reads.raised)
        return counts
