"""A track that followed a steady thing before it took a falling object is split where it left."""

from __future__ import annotations

import numpy as np
from falling_factories import make_calibration

from edge.falling.analysis import FrameAnalyser, split_steady_head
from edge.falling.tracker import Track

FPS = 25.0


def track_of(points: list[tuple[float, float, float]], start_t: float = 0.0) -> Track:
    """A track with one (x, y, area) per frame from ``start_t``."""
    track = Track(track_id=7)
    for i, (x, y, area) in enumerate(points):
        track.add(start_t + i / FPS, x, y, area)
    return track


def falling(x: float, y: float, n: int, area: float = 50.0, v0: float = 0.0) -> list:
    """``n`` frames of a fall in analysis pixels (about 120 px/s^2), from rest by default."""
    return [(x + 0.3 * i, y + v0 * i + 0.2 * i * i, area) for i in range(n)]


def test_a_still_head_is_split_off_where_the_fall_begins() -> None:
    rng = np.random.default_rng(1)
    still = [(100 + rng.normal(0, 0.3), 80 + rng.normal(0, 0.3), 12.0) for _ in range(40)]
    track = track_of(still + falling(101.0, 79.0, 25))
    head, rest = split_steady_head(track)
    assert head is not None
    assert len(head.t) == 40 and len(rest.t) == 25
    assert rest.t[0] == track.t[40] and rest.y[-1] == track.y[-1]
    assert head.track_id == rest.track_id == track.track_id


def test_a_still_head_left_by_a_blob_of_another_size_in_the_same_place_is_split() -> None:
    # The object appears on the hot pixel and rises first: only its size tells.
    still = [(100.0, 80.0, 3.0)] * 30
    rising = [(100.0 + 0.2 * i, 80.0 - 0.5 * i + 0.05 * i * i, 170.0) for i in range(20)]
    head, rest = split_steady_head(track_of(still + rising))
    assert head is not None and len(head.t) == 30 and len(rest.t) == 20


def test_a_snowflake_drifting_at_a_steady_size_is_split_from_the_object_it_met() -> None:
    flake = [(200.0 - 0.1 * i, 50.0 + 1.0 * i, 13.0) for i in range(45)]
    head, rest = split_steady_head(track_of(flake + falling(195.5, 95.0, 30, area=48.0, v0=-0.5)))
    assert head is not None and len(head.t) == 45 and len(rest.t) == 30


def test_a_fall_whose_blob_grows_as_it_speeds_up_is_not_split() -> None:
    grows = [(x, y, 12.0 + 3.0 * i) for i, (x, y, _) in enumerate(falling(300.0, 20.0, 40))]
    head, rest = split_steady_head(track_of(grows))
    assert head is None and len(rest.t) == 40


def test_a_plain_fall_and_a_still_thing_alone_are_not_split() -> None:
    for points in (falling(300.0, 20.0, 40), [(50.0, 50.0, 10.0)] * 60):
        head, rest = split_steady_head(track_of(points))
        assert head is None and len(rest.t) == len(points)


def test_a_rest_too_short_to_judge_stays_with_its_head() -> None:
    head, rest = split_steady_head(track_of([(100.0, 80.0, 12.0)] * 30 + falling(101, 79, 5)))
    assert head is None and len(rest.t) == 35


def test_the_analyser_parts_a_fall_from_the_ghost_it_began_next_to() -> None:
    """A ghost of the first frame holds a track until an object drops from beside it."""
    calibration = make_calibration()
    analyser = FrameAnalyser(calibration, analysis_width=480)
    w, h = analyser.size_wh
    rng = np.random.default_rng(5)
    base = rng.integers(70, 90, (h, w, 1)).astype(np.uint8).repeat(3, axis=2)
    ghost_xy, release = (240, 120), 40
    ended: list[Track] = []
    for i in range(release + 22):
        frame = base.copy()
        if i == 0:  # a streak in the first frame only: the background keeps it for seconds
            frame[ghost_xy[1] - 3 : ghost_xy[1] + 3, ghost_xy[0] - 1 : ghost_xy[0] + 2] = 200
        if i >= release:
            k = i - release
            x, y = ghost_xy[0] + 2, int(ghost_xy[1] + 1 + 0.4 * k * k)
            frame[y - 3 : y + 4, x - 3 : x + 4] = 220
        tracks, _ = analyser.step(i / FPS, frame)
        ended += tracks
    ended += analyser.flush()
    falls = [t for t in ended if max(t.y) - min(t.y) > 50]
    assert len(falls) == 1
    assert falls[0].t[0] >= release / FPS - 1e-9
    assert any(len(t.t) >= 20 and max(t.y) - min(t.y) < 3 for t in ended), "the ghost's own track"
