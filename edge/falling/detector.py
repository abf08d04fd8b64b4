"""FallingObjectDetector: frames in, ``falling_object`` events and evidence out.

Frames are (timestamp_s, BGR array) with Unix-time timestamps from any
source (the camera layer, a file, the simulator). Analysis runs on every
frame at the camera rate; an alarm is emitted ``post_s`` after the track
ends, with its desensitised clip and composite, through an :class:`EventSink`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import cv2
import numpy as np

from edge.falling.analysis import Frame, FrameAnalyser, TrackJudge, Verdict
from edge.falling.classifier import TrajectoryClassifier
from edge.falling.config import FallingConfig
from edge.falling.errors import FrameError
from edge.falling.events import build_event
from edge.falling.evidence import (
    FrameRing,
    draw_composite,
    draw_view_pair,
    encode_clip,
    encode_jpeg,
)
from edge.falling.faces import FaceDetector
from edge.falling.images import u8
from edge.falling.privacy import Desensitiser
from edge.falling.raw_store import EncryptedRawStore
from edge.falling.stats import DetectorStats, FrameQueue
from edge.falling.tracker import Track
from edge.falling.trajectory import TrackPoints
from edge.sink import EventSink
from protocol.models import Event, EvidenceRef

logger = logging.getLogger(__name__)

# Falls from the highest façades last under four seconds; the ring buffer
# holds that plus the pre/post windows.
MAX_TRACK_S = 4.0
DUPLICATE_PX = 40.0


@dataclass(frozen=True)
class AlarmRecord:
    """An emitted alarm, with when (stream time) and at what cost it was emitted.

    ``finalize_ms`` is wall time from the start of processing the emitting
    frame to the event being in the sink; ``finalize_cpu_ms`` the CPU time of
    this thread over the same span (equal on an idle, dedicated gateway).
    """

    event: Event
    verdict: Verdict
    emitted_stream_t: float
    finalize_ms: float
    finalize_cpu_ms: float


class FallingObjectDetector:
    """Detects thrown objects on one façade camera.

    ``judge`` decides on ended tracks (default: ``judge_for(config)``, the
    physics rule scored by the configured ONNX classifier, if any);
    ``faces`` an optional face detector for the evidence; ``raw_store`` keeps
    encrypted raw clips (None: no raw copy); ``on_track`` sees every judgeable
    ended track and ``on_verdict`` the detector's verdict on each (evaluation,
    diagnostics, replaying a site's footage).
    """

    def __init__(
        self,
        *,
        config: FallingConfig,
        sink: EventSink,
        judge: TrackJudge | None = None,
        faces: FaceDetector | None = None,
        raw_store: EncryptedRawStore | None = None,
        on_track: Callable[[TrackPoints], None] | None = None,
        on_verdict: Callable[[Verdict], None] | None = None,
    ) -> None:
        self._config = config
        cal = config.calibration
        self._sink = sink
        self.analyser = FrameAnalyser(cal, analysis_width=config.analysis_width)
        self.judge = judge or judge_for(config)
        ev = config.evidence
        self._ev_scale = ev.width / cal.frame_wh[0]
        self._ev_wh = (ev.width, round(cal.frame_wh[1] * self._ev_scale))
        self._ring = FrameRing(seconds=ev.pre_s + MAX_TRACK_S + ev.post_s + 0.5, fps=config.fps)
        self._privacy = Desensitiser(
            masks=cal.privacy_masks, frame_wh=cal.frame_wh, block_px=ev.pixel_block_px, faces=faces
        )
        self._raw = raw_store
        self._on_track = on_track
        self._on_verdict = on_verdict
        # Set while the camera's view is not where the privacy masks were drawn:
        # evidence is then pixelated whole (see Desensitiser.apply).
        self.masks_misaligned = False
        self._pending: list[Verdict] = []
        self._recent: list[Verdict] = []
        self.alarms: list[AlarmRecord] = []
        self.stats = DetectorStats()

    def process(self, t: float, frame: Frame) -> list[Event]:
        """Analyse one frame; return the events emitted because of it."""
        started = (time.perf_counter(), time.thread_time())
        self._check(frame)
        small = self.analyser.view(frame)
        # The ring keeps frames for seconds: never hold on to a caller's buffer.
        # It holds the analysis view; only the frames of an alarm are scaled to
        # the evidence size, when it is emitted.
        self._ring.append(t, small.copy() if small is frame else small)
        ended, moved = self.analyser.step(t, small)
        self.stats.global_changes = self.analyser.global_changes
        self._consider_ended(ended)
        self.stats.record(t, (time.perf_counter() - started[0]) * 1000, moved=moved)
        return self._emit_due(t, started)

    def finish(self, t: float) -> list[Event]:
        """End of stream: judge the running tracks and emit everything pending."""
        started = (time.perf_counter(), time.thread_time())
        self._consider_ended(self.analyser.flush())
        return self._emit_due(float("inf"), started, stream_t=t)

    def run(self, frames: Iterable[tuple[float, Frame]], *, realtime: bool = False) -> None:
        """Analyse a whole source; with ``realtime`` a reader thread feeds a bounded queue."""
        last = 0.0
        if not realtime:
            for t, frame in frames:
                self.process(t, frame)
                last = t
            self.finish(last)
            return
        queue = FrameQueue(maxsize=self._config.queue_frames)

        def read() -> None:
            try:
                for t, frame in frames:
                    queue.put(t, frame)
            finally:
                queue.close()

        reader = threading.Thread(target=read, name="falling-reader", daemon=True)
        reader.start()
        while (item := queue.get()) is not None or reader.is_alive():
            if item is not None:
                last = item[0]
                self.process(*item)
            self.stats.dropped = queue.dropped
        reader.join()
        self.finish(last)

    def stats_dict(self) -> dict[str, float]:
        """Health statistics: fps, skipped (dropped) frames, ms per frame, counters."""
        return self.stats.as_dict()

    def _check(self, frame: Frame) -> None:
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise FrameError("uint8 BGR (H, W, 3)", f"{frame.dtype} {frame.shape}")
        full_w, full_h = self._config.calibration.frame_wh
        if abs(frame.shape[1] / frame.shape[0] - full_w / full_h) > 0.01:
            raise FrameError(f"aspect {full_w}:{full_h}", f"{frame.shape[1]}x{frame.shape[0]}")

    def _consider_ended(self, tracks: list[Track]) -> None:
        for track in tracks:
            if len(track.t) >= self.judge.min_points:
                self._consider(self.analyser.to_points(track))

    def _consider(self, points: TrackPoints) -> None:
        if self._on_track is not None:
            self._on_track(points)
        verdict = self.judge.judge(points)
        if verdict is None:
            return
        if self._on_verdict is not None:
            self._on_verdict(verdict)
        if not verdict.alarm:
            self.stats.rejected_tracks += 1
            return
        for other in self._pending + self._recent:
            if same_object(other.points, points):
                if other in self._pending and _longer(points, other.points):
                    self._pending[self._pending.index(other)] = verdict
                return
        self._pending.append(verdict)

    def _followed_on(self, verdict: Verdict, t: float) -> bool:
        """Whether a running track on the same object has seen it for longer.

        An object that breaks into several blobs is followed by several tracks;
        a fragment's track can end and alarm while a track that saw more of the
        fall, from nearer its release, is still running. Its alarm then waits
        for that track (at most MAX_TRACK_S), which takes its place if it alarms
        too: the event carries the track with the better floor of origin.
        """
        if t - verdict.points.t[-1] > MAX_TRACK_S:
            return False
        for track in self.analyser.tracker.active:
            if len(track.t) < self.judge.min_points:
                continue
            points = self.analyser.to_points(track)
            if _longer(points, verdict.points) and same_object(verdict.points, points):
                return True
        return False

    def _emit_due(
        self, t: float, started: tuple[float, float], *, stream_t: float | None = None
    ) -> list[Event]:
        post = self._config.evidence.post_s
        due = [
            v for v in self._pending if v.points.t[-1] + post <= t and not self._followed_on(v, t)
        ]
        events = []
        for verdict in due:
            self._pending.remove(verdict)
            event, raw = self._emit(verdict)
            finalize_ms = (time.perf_counter() - started[0]) * 1000
            finalize_cpu_ms = (time.thread_time() - started[1]) * 1000
            if self._raw is not None and raw:
                # After the event: the raw copy must not delay the alarm.
                self._raw.put(event.message_id, encode_clip(raw, self._config.fps))
            emitted = t if stream_t is None else stream_t
            self.alarms.append(AlarmRecord(event, verdict, emitted, finalize_ms, finalize_cpu_ms))
            self._recent = [*self._recent[-9:], verdict]
            events.append(event)
        return events

    def _emit(self, verdict: Verdict) -> tuple[Event, list[Frame]]:
        assert verdict.release is not None
        ev = self._config.evidence
        points = verdict.points
        raw = [
            (t, self._evidence_size(frame))
            for t, frame in self._ring.between(points.t[0] - ev.pre_s, points.t[-1] + ev.post_s)
        ]
        refs = self._emit_evidence(verdict, raw) if raw else []
        first_seen = datetime.fromtimestamp(float(points.t[0]), UTC)
        event = build_event(
            gateway_id=self._config.gateway_id,
            calibration=self._config.calibration,
            points=points,
            release=verdict.release,
            score=verdict.score,
            first_seen=first_seen,
            evidence=refs,
        )
        self._sink.emit_event(event)
        self.stats.alarms += 1
        logger.info(
            "camera %s: falling object from floor %s (confidence %s)",
            self._config.calibration.camera_id,
            verdict.release.floor,
            verdict.release.floor_confidence,
        )
        return event, [f for _, f in raw]

    def view_pair_jpeg(self, reference: Frame, now: Frame) -> bytes:
        """The calibrated view beside the current frame (both BGR), with floor lines, as a JPEG.

        Both are scaled to the evidence size. The calibrated view is
        desensitised by the privacy masks; the current one, shown because it
        may no longer be where the masks were drawn, is pixelated whole.
        """
        cal = self._config.calibration
        pair = [
            self._privacy.apply(self._evidence_size(f), whole=whole)
            for f, whole in ((reference, False), (now, True))
        ]
        xs = [x * self._ev_scale for x, _ in cal.facade_polygon]
        lines = [y * self._ev_scale for y in cal.floor_lines_y]
        composite = draw_view_pair(pair[0], pair[1], lines, (min(xs), max(xs)))
        return encode_jpeg(composite, self._config.evidence.jpeg_quality)

    def _evidence_size(self, frame: Frame) -> Frame:
        if frame.shape[1] == self._ev_wh[0]:
            return frame
        return u8(cv2.resize(frame, self._ev_wh, interpolation=cv2.INTER_LINEAR))

    def _emit_evidence(self, verdict: Verdict, raw: list[tuple[float, Frame]]) -> list[EvidenceRef]:
        """Desensitise the window's frames, then emit the composite and the clip."""
        assert verdict.release is not None
        points = verdict.points
        whole = self.masks_misaligned
        clean = [self._privacy.apply(frame, whole=whole) for _, frame in raw]
        track_frames = [f for (t, _), f in zip(raw, clean, strict=True) if t >= points.t[0]]
        composite = draw_composite(
            clean[0],
            track_frames,
            points,
            verdict.release,
            scale=self._ev_scale,
            floor_label=f"floor {verdict.release.floor}",
        )
        quality = self._config.evidence.jpeg_quality
        refs = [
            self._sink.emit_evidence("image/jpeg", encode_jpeg(composite, quality), "composite")
        ]
        try:
            clip = encode_clip(clean, self._config.fps)
        except RuntimeError:
            logger.exception(
                "camera %s: no clip for this alarm", self._config.calibration.camera_id
            )
            return refs
        refs.append(self._sink.emit_evidence("video/mp4", clip, "clip"))
        return refs


def judge_for(config: FallingConfig) -> TrackJudge:
    """The physics rule, scored by the ONNX classifier when one is configured."""
    cal = config.calibration
    if config.classifier is None:
        return TrackJudge(cal, fps=config.fps)
    scorer = TrajectoryClassifier(path=config.classifier.path, sha256=config.classifier.sha256)
    return TrackJudge(cal, fps=config.fps, scorer=scorer, threshold=config.classifier.threshold)


def _longer(a: TrackPoints, b: TrackPoints) -> bool:
    """Whether track ``a`` saw its object for longer than ``b`` (then: more points)."""
    return (a.t[-1] - a.t[0], len(a.t)) > (b.t[-1] - b.t[0], len(b.t))


def same_object(a: TrackPoints, b: TrackPoints) -> bool:
    """True when two tracks overlap in time and run close together (one object, two tracks)."""
    start, end = max(a.t[0], b.t[0]), min(a.t[-1], b.t[-1])
    if end < start:
        return False
    shared = np.linspace(start, end, 5)
    dx = np.interp(shared, a.t, a.x) - np.interp(shared, b.t, b.x)
    dy = np.interp(shared, a.t, a.y) - np.interp(shared, b.t, b.y)
    return bool(np.median(np.hypot(dx, dy)) < DUPLICATE_PX)
