"""An object seen as two blobs: the alarm carries the track that saw more of the fall."""

from __future__ import annotations

import numpy as np
from falling_factories import make_calibration

from edge.falling.config import FallingConfig
from edge.falling.detector import FallingObjectDetector
from simulators.facade.sink import MemorySink

FPS = 25.0
EPOCH = 1_790_000_000.0
# Free fall in the 960x540 frames below: the calibration's lowest storeys are
# about 25 px a metre at 1920 px, so g is about 122 px/s^2 at 960.
G_PX = 122.0
RELEASE_FRAME = 12
RELEASE_XY = (450, 200)


def run(fragment_frames: int, whole_frames: int) -> FallingObjectDetector:
    """Two dark blobs 14 px apart fall together; one vanishes after ``fragment_frames``."""
    config = FallingConfig(gateway_id="gw-b1", calibration=make_calibration(), analysis_width=480)
    detector = FallingObjectDetector(config=config, sink=MemorySink())
    rng = np.random.default_rng(3)
    base = rng.integers(75, 95, (540, 960, 1)).astype(np.uint8).repeat(3, axis=2)
    total = RELEASE_FRAME + max(fragment_frames, whole_frames) + 20
    for i in range(total):
        frame = base.copy()
        k = i - RELEASE_FRAME
        if k >= 0:
            x, y = RELEASE_XY[0], round(RELEASE_XY[1] + 0.5 * G_PX * (k / FPS) ** 2)
            if k < whole_frames:
                frame[y - 4 : y + 4, x - 4 : x + 4] = 20
            if k < fragment_frames:
                frame[y - 4 : y + 4, x + 10 : x + 18] = 20
        detector.process(EPOCH + i / FPS, frame)
    detector.finish(EPOCH + total / FPS)
    return detector


def test_a_fragment_that_ends_first_waits_for_the_longer_track_on_the_same_object() -> None:
    detector = run(fragment_frames=22, whole_frames=44)
    assert len(detector.alarms) == 1
    points = detector.alarms[0].verdict.points
    # The whole object's track, not the fragment's (which ends after 22 frames).
    assert points.t[-1] - EPOCH >= (RELEASE_FRAME + 40) / FPS
    assert points.t[-1] - points.t[0] >= 1.2
    # Emitted after the longer track ended, not when the fragment's post window closed.
    assert detector.alarms[0].emitted_stream_t - EPOCH >= (RELEASE_FRAME + 44) / FPS


def test_a_fragment_alone_is_not_held_back() -> None:
    detector = run(fragment_frames=22, whole_frames=0)
    assert len(detector.alarms) == 1
    points = detector.alarms[0].verdict.points
    assert points.t[-1] - EPOCH <= (RELEASE_FRAME + 22) / FPS + 1e-6
    # post_s (0.2 s) after its track ended, plus the frames that end a lost track.
    assert detector.alarms[0].emitted_stream_t - points.t[-1] < 0.6
