"""The lane camera: a camera source cut into vehicle passes for the gate controller.

One thread takes frames from the source's drop-oldest queue and shows each
to the virtual loop. An arrival starts a pass: the frames that follow, while
the vehicle is still in the zone, go to the plate reader one by one, and the
reader stops taking them once it is sure. So the barrier opens while the car
is still rolling up, not after it has stopped; the car then waits or drives
through, and the next pass starts only once the lane has been clear.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np

from edge.camera.buffers import Frame
from edge.camera.config import SourceConfig
from edge.camera.viewcheck import ViewChange, ViewCheck, emit_change
from edge.camera.worker import CameraWorker
from edge.gate.controller import GateController
from edge.gate.trigger import LaneTrigger, Presence, TriggerConfig
from edge.sink import Sink

logger = logging.getLogger(__name__)

# A pass whose next frame does not come within this long has ended (camera gone).
FRAME_WAIT_S = 1.0


class LaneCamera(CameraWorker):
    """Source, virtual loop and the thread that hands passes to ``controller``.

    The stream itself is watched too (``controller.config.view_check``): a
    lane camera that goes silent or freezes cuts no passes, so the barrier
    stops opening for residents and nothing else would say why. Its faults
    go to ``sink`` as ``camera_fault`` events of the lane's device.
    """

    view: ViewCheck

    def __init__(
        self,
        *,
        source: SourceConfig,
        trigger: TriggerConfig,
        controller: GateController,
        zone_xyxy: tuple[float, float, float, float],
        sink: Sink,
    ) -> None:
        # The lane's config admits only the stream's faults: no frame geometry needed.
        view = ViewCheck(config=controller.config.view_check)
        super().__init__(source, name=f"lane-{source.id}", view=view)
        self.trigger = LaneTrigger(config=trigger, zone_xyxy=zone_xyxy)
        self._controller = controller
        self._sink = sink
        self.counts = {"passes": 0, "pass_frames": 0, "failures": 0}

    def stats(self) -> dict[str, float]:
        """Camera counters and the loop's, for the gateway's health message."""
        counts = {f"lane_{k}": float(v) for k, v in self.source.stats().items()}
        counts |= {f"lane_{k}": float(v) for k, v in self.counts.items()}
        counts["lane_trigger_reseeds"] = float(self.trigger.counts["reseeds"])
        counts["lane_occupied"] = float(self.trigger.present)
        counts["lane_view_faults"] = float(len(self.view.active))
        return counts

    def _view_changed(self, change: ViewChange, frame: Frame | None) -> None:
        config = self._controller.config
        emit_change(
            self._sink, change, gateway_id=self._controller.gateway_id, device_id=config.device_id
        )

    def _run(self) -> None:
        while not self.stopping:
            frame = self.next_frame()
            if frame is None:
                continue
            if self.trigger.update(frame.t, frame.image) is not Presence.ARRIVED:
                continue
            self.counts["passes"] += 1
            try:
                outcome = self._controller.on_vehicle_pass(self._pass_frames(frame.image))
            except Exception:
                # One bad pass must not stop the lane: the next car still needs the barrier.
                self.counts["failures"] += 1
                logger.exception("lane %s: pass failed", self.source.config.id)
                continue
            logger.info(
                "lane %s: %s (%s) in %.0f ms",
                self.source.config.id,
                outcome.decision.action.value,
                outcome.decision.reason.value,
                outcome.decided_ms,
            )

    def _pass_frames(self, first: np.ndarray) -> Iterator[np.ndarray]:
        """The arrival frame, then each next frame while the vehicle is in the zone."""

        def following() -> Iterator[tuple[float, np.ndarray]]:
            while (frame := self.next_frame(FRAME_WAIT_S)) is not None:
                yield frame.t, frame.image

        for image in vehicle_frames(first, following(), self.trigger):
            self.counts["pass_frames"] += 1
            yield image


def vehicle_frames(
    first: np.ndarray, following: Iterator[tuple[float, np.ndarray]], trigger: LaneTrigger
) -> Iterator[np.ndarray]:
    """A pass's frames for the reader: the arrival frame, then each of ``following``
    (time, frame) while the vehicle is still in the zone, up to ``max_pass_frames``.

    The reader takes them lazily and stops once sure; what it leaves in
    ``following`` belongs to the lane again (the vehicle drives off).
    """
    yield first
    for _ in range(trigger.config.max_pass_frames - 1):
        step = next(following, None)
        if step is None:
            return
        state = trigger.update(*step)
        # A frame of the emptying lane is the vehicle gone, not a frame to read.
        if state is not Presence.PRESENT or trigger.quiet:
            return
        yield step[1]
