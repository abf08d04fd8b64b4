"""Façade cameras on a gateway: each camera source feeds a falling-object detector.

One thread per camera takes frames from the source's drop-oldest queue and
analyses every one it gets; frames the analysis could not keep up with are
dropped by the queue and counted in the camera's stats.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from cryptography.fernet import InvalidToken
from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge.camera.buffers import Frame
from edge.camera.config import SourceConfig
from edge.camera.errors import ViewReferenceError
from edge.camera.viewcheck import (
    Picture,
    ViewChange,
    ViewCheck,
    ViewCheckConfig,
    ViewFault,
    emit_change,
    load_reference,
)
from edge.camera.worker import CameraWorker
from edge.egress import EgressGate
from edge.falling.calibration import FacadeCalibration
from edge.falling.config import FallingConfig
from edge.falling.detector import FallingObjectDetector
from edge.falling.raw_store import EncryptedRawStore
from edge.sink import Sink
from protocol.models import Command, CommandAck

logger = logging.getLogger(__name__)

PURGE_EVERY_S = 3600.0


class FacadeCameraConfig(BaseModel):
    """A camera at the foot of a building looking up its façade."""

    model_config = ConfigDict(extra="forbid")

    source: SourceConfig = Field(description="Where frames come from (file, stream, simulator).")
    falling: FallingConfig = Field(description="Calibration and detector settings.")
    view_check: ViewCheckConfig = Field(
        default_factory=ViewCheckConfig,
        description="Whether the camera still sees what it was calibrated on.",
    )

    @model_validator(mode="after")
    def verify_frame_rate(self) -> FacadeCameraConfig:
        fps = self.source.target_fps
        if fps is not None and fps < self.falling.fps:
            raise ValueError(
                f"source.target_fps ({fps}) below falling.fps ({self.falling.fps}): thrown "
                "objects cross the view in under a second, analyse every frame"
            )
        return self


def make_raw_store(config: FallingConfig) -> EncryptedRawStore | None:
    """The encrypted store of raw clips, when the camera keeps them."""
    evidence = config.evidence
    if evidence.raw_dir is None or evidence.raw_key is None:
        return None
    return EncryptedRawStore(
        directory=evidence.raw_dir,
        key=evidence.raw_key.get_secret_value().encode(),
        retention_s=evidence.retention_days * 86400,
    )


def view_check_for(
    view: ViewCheckConfig, calibration: FacadeCalibration, reference: Picture | None = None
) -> ViewCheck:
    """A façade camera's view check; a shift of half the tightest storey counts as moved.

    Half a storey is where the floor lines start to name the wrong floor.
    Raises ValueError for a ``reference`` without texture.
    """
    return ViewCheck(
        config=view,
        frame_wh=calibration.frame_wh,
        moved_px=view.moved_px or calibration.tightest_storey_px() / 2,
        reference=reference,
    )


def make_view_check(config: FacadeCameraConfig) -> ViewCheck:
    """The configured camera's view check, with its reference image loaded.

    Raises ViewReferenceError when the configured reference image is unusable.
    """
    view, calibration = config.view_check, config.falling.calibration
    if not view.enabled or view.reference is None:
        return view_check_for(view, calibration)
    reference = load_reference(view.reference, calibration.frame_wh)
    try:
        return view_check_for(view, calibration, reference)
    except ValueError as exc:
        raise ViewReferenceError(str(view.reference), str(exc)) from exc


# Faults shown to the duty officer as the calibrated view beside the current one.
COMPOSITE_FAULTS = frozenset({ViewFault.MOVED, ViewFault.BLOCKED})


class FacadeCamera(CameraWorker):
    """Source, detector, view check and the thread between them."""

    view: ViewCheck

    def __init__(self, config: FacadeCameraConfig, sink: Sink) -> None:
        super().__init__(
            config.source, name=f"falling-{config.source.id}", view=make_view_check(config)
        )
        self.config = config
        self.raw_store = make_raw_store(config.falling)
        self._sink = sink
        self.detector = FallingObjectDetector(
            config=config.falling,
            sink=sink,
            raw_store=self.raw_store,
        )

    def stats(self) -> dict[str, float]:
        """Camera and detector counters for health, prefixed with the camera id."""
        # Stat names are lower-case letters, digits, '_' and '.' (protocol Name).
        prefix = "camera." + re.sub(r"[^a-z0-9_]", "_", self.config.source.id.lower()) + "."
        counts = {f"{prefix}{k}": float(v) for k, v in self.source.stats().items()}
        counts[f"{prefix}alarms"] = float(len(self.detector.alarms))
        counts[f"{prefix}view_faults"] = float(len(self.view.active))
        last = self.view.last
        if last is not None and last.shift_px is not None and last.match is not None:
            counts[f"{prefix}view_shift_px"] = float(np.hypot(*last.shift_px))
            counts[f"{prefix}view_match"] = last.match
        return counts

    def _run(self) -> None:
        last = 0.0
        purged = 0.0
        while not self.stopping:
            if self.raw_store is not None and time.monotonic() - purged > PURGE_EVERY_S:
                purged = time.monotonic()
                self._purge(self.raw_store)
            frame = self.next_frame()
            if frame is None:
                continue
            # While the view looks moved, the privacy masks may miss the windows.
            self.detector.masks_misaligned = self.view.looks_moved
            # Capture times are monotonic; the detector reports wall-clock times.
            last = time.time() - (time.monotonic() - frame.t)
            try:
                self.detector.process(last, frame.image)
            except Exception:
                logger.exception("camera %s: analysis failed on a frame", self.config.source.id)
        if last:
            self.detector.finish(last)

    def _view_changed(self, change: ViewChange, frame: Frame | None) -> None:
        refs = []
        reference = self.view.reference
        shown = change.raised and change.fault in COMPOSITE_FAULTS
        if shown and frame is not None and reference is not None:
            jpeg = self.detector.view_pair_jpeg(reference, frame.image)
            refs.append(self._sink.emit_evidence("image/jpeg", jpeg, "composite"))
        emit_change(
            self._sink,
            change,
            gateway_id=self.config.falling.gateway_id,
            device_id=self.config.falling.calibration.camera_id,
            moved_px=self.view.moved_px,
            evidence=refs,
        )

    def _purge(self, store: EncryptedRawStore) -> None:
        try:
            store.purge()
        except OSError:
            # A full or failing disk must not stop detection; the next hour retries.
            logger.exception("camera %s: could not purge raw clips", self.config.source.id)


RAW_RELEASE_COMMAND = "evidence.release_raw"


class RawPublisher(Protocol):
    """The agent's side of a raw release: its egress gate and raw publishing."""

    gate: EgressGate

    def release_raw(self, media_type: str, content: bytes, release_id: int) -> str:
        """Publish the raw object; return its SHA-256."""


class RawReleases:
    """Answers ``evidence.release_raw``: the raw clip of one event, for an approved request.

    The hub sends the command only after a second authorised person approved
    the request there (and audited it); the clip goes out once, marked raw,
    with the request's id, and nothing else raw ever passes the egress gate.
    """

    def __init__(self, cameras: Sequence[FacadeCamera], agent: RawPublisher) -> None:
        self._stores = [c.raw_store for c in cameras if c.raw_store is not None]
        self._agent = agent

    def __bool__(self) -> bool:
        return bool(self._stores)

    def handle(self, cmd: Command) -> CommandAck:
        """Find the event's raw clip, publish it, and acknowledge with its hash."""
        name, release_id = cmd.args.get("object"), cmd.args.get("release_id")
        if not isinstance(name, str) or not isinstance(release_id, int) or release_id < 1:
            return cmd.ack("rejected", "expected args object (event id) and release_id >= 1")
        for store in self._stores:
            try:
                content = store.get(name)
            except (FileNotFoundError, ValueError):
                continue
            except InvalidToken:
                return cmd.ack("failed", f"raw clip {name} does not decrypt with this key")
            self._agent.gate.authorise_release(release_id)
            digest = self._agent.release_raw("video/mp4", content, release_id)
            logger.info("raw clip %s released for request %s", name, release_id)
            return cmd.ack("done", f"sha256={digest}")
        return cmd.ack(
            "rejected", f"no raw clip {name!r} here (never kept, or purged after retention)"
        )
