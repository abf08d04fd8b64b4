"""Camera sources on a real video file: reading, drops, reconnect, watchdog, pre-event ring."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from edge.camera.buffers import DropOldestQueue, Frame, PreEventBuffer
from edge.camera.config import FileSource, SimulatorSource, SourceConfig, StreamSource
from edge.camera.source import CameraSource
from edge.camera.viewcheck import ViewChange

FRAMES = 30


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "lane.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 25.0, (160, 120))
    assert writer.isOpened()
    for i in range(FRAMES):
        frame = np.full((120, 160, 3), i * 8 % 256, dtype=np.uint8)
        cv2.putText(frame, str(i), (40, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 2)
        writer.write(frame)
    writer.release()
    return path


def wait_for(condition: Any, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def drain(source: CameraSource) -> list[Frame]:
    frames = []
    while (frame := source.frames.get(timeout_s=0.05)) is not None:
        frames.append(frame)
    return frames


def test_file_source_reads_every_frame(video: Path) -> None:
    source = CameraSource(config=FileSource(id="cam-1", path=str(video), queue_size=64))
    source.start()
    assert wait_for(source.ended.is_set)
    frames = drain(source)
    source.stop()
    assert len(frames) == FRAMES
    assert [f.seq for f in frames] == list(range(1, FRAMES + 1))
    assert frames[0].image.shape == (120, 160, 3)
    assert source.stats()["camera_dropped"] == 0


def test_full_queue_drops_oldest_and_counts(video: Path) -> None:
    source = CameraSource(config=FileSource(id="cam-1", path=str(video), queue_size=4))
    source.start()
    assert wait_for(source.ended.is_set)
    frames = drain(source)
    source.stop()
    assert [f.seq for f in frames] == list(range(FRAMES - 3, FRAMES + 1)), "the newest 4 remain"
    stats = source.stats()
    assert stats["camera_dropped"] == FRAMES - 4
    assert stats["camera_frames"] == FRAMES


def test_target_fps_skips_and_counts(video: Path) -> None:
    config = FileSource(id="cam-1", path=str(video), queue_size=64, target_fps=1.0)
    source = CameraSource(config=config)
    source.start()
    assert wait_for(source.ended.is_set)
    frames = drain(source)
    source.stop()
    assert len(frames) + source.stats()["camera_skipped"] == FRAMES
    assert len(frames) < 5


class FlakyOpener:
    """Opens a missing file ``failures`` times, then the real video."""

    def __init__(self, video: Path, failures: int) -> None:
        self.video, self.failures, self.calls = video, failures, 0

    def __call__(self) -> cv2.VideoCapture:
        self.calls += 1
        path = self.video if self.calls > self.failures else self.video.with_name("missing.avi")
        return cv2.VideoCapture(str(path))


def test_reconnects_with_backoff_until_the_source_opens(video: Path) -> None:
    config = FileSource(
        id="cam-1",
        path=str(video),
        loop=True,
        queue_size=8,
        reconnect_min_s=0.01,
        reconnect_max_s=0.05,
    )
    opener = FlakyOpener(video, failures=3)
    source = CameraSource(config=config, opener=opener)
    source.start()
    # Looping re-opens the file at its end: each re-open counts as a reconnect.
    assert wait_for(lambda: source.stats()["camera_reconnects"] >= 2)
    source.stop()
    assert opener.calls >= 6
    assert source.stats()["camera_frames"] >= 2 * FRAMES


class StallingCapture:
    """Delivers a few frames, then returns nothing while claiming to be open."""

    def __init__(self) -> None:
        self.reads = 0

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's spelling
        return True

    def read(self) -> tuple[bool, Any]:
        self.reads += 1
        if self.reads > 3:
            time.sleep(0.02)
            return True, None
        return True, np.zeros((4, 4, 3), np.uint8)

    def release(self) -> None:
        self.reads = 0


def test_watchdog_reconnects_a_stalled_stream() -> None:
    config = StreamSource(
        id="cam-2",
        url="rtsp://camera.invalid/stream",
        watchdog_s=0.1,
        reconnect_min_s=0.01,
        reconnect_max_s=0.02,
    )
    opened: list[StallingCapture] = []

    def opener() -> StallingCapture:
        opened.append(StallingCapture())
        return opened[-1]

    source = CameraSource(config=config, opener=opener)
    source.start()
    assert wait_for(lambda: source.stats()["camera_reconnects"] >= 2)
    source.stop()
    assert len(opened) >= 3
    stats = source.stats()
    assert stats["camera_watchdog"] >= 2
    assert stats["camera_frames"] >= 9


def test_stalled_reports_the_watchdog() -> None:
    config = StreamSource(id="cam-2", url="rtsp://camera.invalid/s", watchdog_s=0.05)
    source = CameraSource(config=config, opener=StallingCapture)
    assert source.stalled() is False
    time.sleep(0.08)
    assert source.stalled() is True


def test_pre_event_buffer_keeps_the_last_seconds() -> None:
    ring = PreEventBuffer(seconds=2.0)
    image = np.zeros((2, 2, 3), np.uint8)
    for i in range(50):
        ring.add(Frame(t=i * 0.1, seq=i, image=image))
    kept = ring.snapshot()
    assert kept[0].t == pytest.approx(2.9) and kept[-1].seq == 49
    assert len(ring.snapshot(since_s=0.5)) == 6


def test_drop_oldest_queue() -> None:
    queue = DropOldestQueue(2)
    image = np.zeros((2, 2, 3), np.uint8)
    for i in range(5):
        queue.put(Frame(t=float(i), seq=i, image=image))
    got = [queue.get(0), queue.get(0), queue.get(0)]
    assert [f.seq if f else None for f in got] == [3, 4, None]
    assert queue.dropped == 3
    with pytest.raises(ValueError, match="at least 1"):
        DropOldestQueue(0)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ({"type": "file", "id": "c1", "path": "/v.mp4"}, FileSource),
        ({"type": "stream", "id": "c1", "url": "rtsp://10.0.0.5/main"}, StreamSource),
        ({"type": "simulator", "id": "c1", "seed": 3}, SimulatorSource),
    ],
)
def test_source_chosen_by_type(raw: dict[str, Any], kind: type) -> None:
    assert isinstance(TypeAdapter(SourceConfig).validate_python(raw), kind)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"type": "usb", "id": "c1"}, "union_tag_invalid"),
        ({"type": "file", "id": "c1", "path": "/v.mp4", "fps": 5}, "extra_forbidden"),
        ({"type": "stream", "id": "c1", "url": "ftp://x"}, "string_pattern_mismatch"),
        (
            {"type": "file", "id": "c1", "path": "/v", "reconnect_min_s": 9, "reconnect_max_s": 1},
            "value_error",
        ),
    ],
)
def test_bad_source_config(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(SourceConfig).validate_python(raw)
    assert problem in {e["type"] for e in caught.value.errors()}


def test_every_field_is_described() -> None:
    for model in (FileSource, StreamSource, SimulatorSource):
        missing = [n for n, f in model.model_fields.items() if not f.description]
        assert missing == [], f"{model.__name__}: {missing}"


def test_simulator_source_delivers_gate_frames() -> None:
    config = SimulatorSource(id="sim-1", seed=4, fps=200.0, queue_size=16)
    source = CameraSource(config=config)
    source.start()
    assert wait_for(lambda: len(source.frames) >= 4)
    source.stop()
    assert source.frames.get(0) is not None
    assert source.stats()["camera_fps"] > 0


def test_a_worker_analyses_frames_on_its_thread_until_stopped() -> None:
    from edge.camera.worker import CameraWorker

    class Counting(CameraWorker):
        def __init__(self) -> None:
            super().__init__(SimulatorSource(id="sim-2", seed=4, fps=200.0), name="counting")
            self.seen: list[int] = []
            self.faults: list[ViewChange] = []

        def _view_changed(self, change: ViewChange, frame: Frame | None) -> None:
            self.faults.append(change)

        def _run(self) -> None:
            while not self.stopping:
                frame = self.next_frame()
                if frame is not None:
                    self.seen.append(frame.seq)

    worker = Counting()
    worker.start()
    assert wait_for(lambda: len(worker.seen) >= 5)
    worker.stop()
    assert not worker._thread.is_alive() and not worker.source._thread.is_alive()  # type: ignore[union-attr]
    assert worker.seen == sorted(worker.seen)
    assert worker.next_frame(0.01) is None  # stopping: nothing more is handed out
    assert worker.view is None and worker.faults == []
