"""End to end on simulated footage: events, evidence windows, privacy of every image."""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from cryptography.fernet import Fernet
from falling_factories import make_calibration

from edge.falling.config import EvidenceConfig, FallingConfig
from edge.falling.detector import FallingObjectDetector
from edge.falling.errors import FrameError
from edge.falling.raw_store import EncryptedRawStore
from protocol.models import Event
from simulators.facade import FPS, make_episode
from simulators.facade.sink import MemorySink

EPOCH = 1_790_000_000.0
FALL_SEED = 500_003


def decode_clip(content: bytes) -> list[np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        path.write_bytes(content)
        capture = cv2.VideoCapture(str(path))
        frames = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
        capture.release()
    return frames


def egress_images(sink: MemorySink) -> list[np.ndarray]:
    """Every image the sink was given: composites and each clip's frames."""
    images = []
    for media_type, content, _ in sink.evidence.values():
        if media_type == "video/mp4":
            images.extend(decode_clip(content))
        else:
            images.append(cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_COLOR))
    return images


def roughness(image: np.ndarray) -> float:
    grey = image.astype(np.int16).mean(axis=2)
    return float(np.abs(np.diff(grey, axis=1)).mean())


def block_detail(image: np.ndarray, block: int = 12) -> float:
    """Median spread of grey levels inside block x block tiles (small when pixelated)."""
    grey = image.astype(np.float64).mean(axis=2)
    h, w = (grey.shape[0] // block) * block, (grey.shape[1] // block) * block
    tiles = grey[:h, :w].reshape(h // block, block, w // block, block)
    return float(np.median(tiles.std(axis=(1, 3))))


@pytest.fixture(scope="module")
def fall_run(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    episode = make_episode(FALL_SEED, "fall", condition="day", distractors=())
    cal = episode.calibration
    mask = np.array(cal.privacy_masks[len(cal.privacy_masks) // 2]) / 2  # analysis pixels
    x0, y0 = mask.min(axis=0).astype(int)
    x1, y1 = mask.max(axis=0).astype(int)
    key = Fernet.generate_key()
    raw_dir = tmp_path_factory.mktemp("raw")
    config = FallingConfig(
        gateway_id="gw-b1", calibration=cal, evidence=EvidenceConfig(pre_s=1.0, post_s=0.3)
    )
    sink = MemorySink()
    store = EncryptedRawStore(directory=raw_dir, key=key, retention_s=3600)
    detector = FallingObjectDetector(config=config, sink=sink, raw_store=store)
    board = np.indices((y1 - y0, x1 - x0)).sum(axis=0) // 2 % 2 * 255

    def frames():
        for t, frame in episode.frames():
            # A high-contrast pattern standing in for a person inside a window.
            frame[y0:y1, x0:x1] = board[:, :, None].astype(np.uint8)
            yield t + EPOCH, frame

    detector.run(frames())
    return episode, detector, sink, store, (x0, y0, x1, y1)


def test_one_major_alarm_with_the_true_floor(fall_run: tuple) -> None:
    episode, detector, sink, _, _ = fall_run
    assert len(sink.events) == 1
    event = Event.model_validate(sink.events[0].model_dump())
    assert (event.type, event.severity, event.alarm) == ("falling_object", "major", True)
    assert event.device_id == episode.calibration.camera_id
    data = event.data
    assert data["floor"] == episode.truth.floor
    assert data["building"] == episode.calibration.building
    assert 0 < data["floor_confidence"] <= 1
    assert data["window_column"] == episode.truth.column
    assert 0.02 < data["size_estimate_m"] < 2.0
    assert all(len(row) == 3 for row in data["track"]) and len(data["track"]) <= 40
    assert {ref.role for ref in event.evidence} == {"clip", "composite"}
    assert all(ref.sha256 in sink.evidence for ref in event.evidence)
    stats = detector.stats_dict()
    assert stats["falling.alarms"] == 1.0 and stats["falling.frames"] > 100


def test_clip_spans_the_evidence_window(fall_run: tuple) -> None:
    _, detector, sink, _, _ = fall_run
    points = detector.alarms[0].verdict.points
    clip = next(c for _, c, role in sink.evidence.values() if role == "clip")
    frames = decode_clip(clip)
    start, end = points.t[0] - 1.0, points.t[-1] + 0.3
    expected = [k for k in range(2000) if start <= EPOCH + k / FPS <= end]
    assert abs(len(frames) - len(expected)) <= 1
    assert frames[0].shape[:2] == (360, 640)


def test_every_image_leaving_is_desensitised(fall_run: tuple) -> None:
    _, _, sink, _, (x0, y0, x1, y1) = fall_run
    s = 640 / 960  # analysis to evidence pixels
    inner = (slice(int(y0 * s) + 2, int(y1 * s) - 2), slice(int(x0 * s) + 2, int(x1 * s) - 2))
    images = egress_images(sink)
    assert len(images) > 20
    for image in images:
        assert roughness(image[inner]) < 20, "the window pattern must not survive"


def test_the_view_pair_is_desensitised_on_both_sides_and_shows_the_floor_lines(
    fall_run: tuple,
) -> None:
    episode, detector, _, _, (x0, y0, x1, y1) = fall_run
    board = np.indices((y1 - y0, x1 - x0)).sum(axis=0) // 2 % 2 * 255
    view = episode.background.copy()
    view[y0:y1, x0:x1] = board[:, :, None].astype(np.uint8)
    now = np.ascontiguousarray(np.roll(view, 40, axis=0))  # knocked down by 40 px
    pair = cv2.imdecode(
        np.frombuffer(detector.view_pair_jpeg(view, now), np.uint8), cv2.IMREAD_COLOR
    )
    assert pair.shape == (360, 640 * 2 + 4, 3)
    # The current view may be off its masks: it is pixelated whole. A fine
    # pattern over all of it (4 px cells at the evidence size) must not survive.
    ys, xs = np.indices(view.shape[:2])
    fine = np.dstack([((ys // 6 + xs // 6) % 2 * 255).astype(np.uint8)] * 3)
    pair_fine = cv2.imdecode(
        np.frombuffer(detector.view_pair_jpeg(view, fine), np.uint8), cv2.IMREAD_COLOR
    )
    assert block_detail(pair_fine[:, 644:]) < 20, "pixelated whole"
    assert block_detail(cv2.resize(fine, (640, 360), interpolation=cv2.INTER_AREA)) > 100
    s = 640 / 960
    for left, shift in ((0, 0), (644, round(40 * s))):
        inner = (
            slice(int(y0 * s) + 2 + shift, int(y1 * s) - 2 + shift),
            slice(left + int(x0 * s) + 2, left + int(x1 * s) - 2),
        )
        assert roughness(pair[inner]) < 20, "the window pattern must not survive on either side"
    cal = episode.calibration
    row = round(cal.floor_lines_y[len(cal.floor_lines_y) // 2] * 640 / cal.frame_wh[0])
    middle = round(np.mean([x for x, _ in cal.facade_polygon]) * 640 / cal.frame_wh[0])
    for left in (0, 644):
        b, g, r = pair[row, left + middle].astype(int)
        assert g > 180 and r > 180 and b < 120, "the calibrated floor line is drawn (yellow)"


def test_evidence_of_a_camera_off_its_masks_is_pixelated_whole() -> None:
    episode = make_episode(FALL_SEED, "fall", condition="day", distractors=())
    config = FallingConfig(gateway_id="gw-b1", calibration=episode.calibration)
    sink = MemorySink()
    detector = FallingObjectDetector(config=config, sink=sink)
    detector.masks_misaligned = True  # as the façade camera sets it while the view is moved
    detector.run((t + EPOCH, frame) for t, frame in episode.frames())
    assert sink.events, "the alarm still goes out"
    images = egress_images(sink)
    assert len(images) > 20
    normal = block_detail(cv2.resize(episode.background, (640, 360)))
    for image in images:
        assert block_detail(image) < 0.3 * normal


def test_raw_clip_kept_encrypted(fall_run: tuple) -> None:
    _, _, sink, store, (x0, y0, x1, y1) = fall_run
    raw = decode_clip(store.get(sink.events[0].message_id))
    s = 640 / 960
    inner = (slice(int(y0 * s) + 2, int(y1 * s) - 2), slice(int(x0 * s) + 2, int(x1 * s) - 2))
    assert raw and roughness(raw[0][inner]) > 40, "the raw copy is not desensitised"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (np.zeros((540, 960), np.uint8), "uint8 BGR"),
        (np.zeros((540, 960, 3), np.float32), "uint8 BGR"),
        (np.zeros((600, 600, 3), np.uint8), "aspect 1920:1080"),
    ],
)
def test_bad_frames_are_refused(frame: np.ndarray, message: str) -> None:
    detector = FallingObjectDetector(
        config=FallingConfig(gateway_id="gw-b1", calibration=make_calibration()), sink=MemorySink()
    )
    with pytest.raises(FrameError, match=message):
        detector.process(0.0, frame)


def test_realtime_run_uses_the_bounded_queue() -> None:
    config = FallingConfig(gateway_id="gw-b1", calibration=make_calibration(), queue_frames=2)
    detector = FallingObjectDetector(config=config, sink=MemorySink())
    frames = ((k / FPS, np.full((540, 960, 3), 90, np.uint8)) for k in range(60))
    detector.run(frames, realtime=True)
    stats = detector.stats_dict()
    assert stats["falling.frames"] + stats["falling.skipped"] == 60
    assert stats["falling.idle_frames"] == stats["falling.frames"]
