"""The gate simulator: deterministic, valid plates of every kind, right colours."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from edge.plates.grammar import KIND_COLOUR, parse
from simulators.gate.capture import SimulatedCapture
from simulators.gate.plates import STYLES, PlateSpec, random_plate, render_plate
from simulators.gate.scene import CONDITIONS, FRAME_WH, make_passes


def test_same_seed_same_passes() -> None:
    first, second = make_passes(9, 3, n_frames=2), make_passes(9, 3, n_frames=2)
    assert [p.plate for p in first] == [p.plate for p in second]
    assert all(
        np.array_equal(a, b)
        for p, q in zip(first, second, strict=True)
        for a, b in zip(p.frames, q.frames, strict=True)
    )
    assert [p.plate for p in make_passes(10, 3, n_frames=2)] != [p.plate for p in first]


def test_every_generated_plate_is_valid_and_every_kind_appears() -> None:
    rng = np.random.default_rng(1)
    specs = [random_plate(rng) for _ in range(600)]
    kinds = {parse(spec.text).kind for spec in specs}
    assert len(kinds) == len(KIND_COLOUR)
    for spec in specs:
        implied = KIND_COLOUR[parse(spec.text).kind]
        assert implied is None or implied.value == spec.colour


@pytest.mark.parametrize("style", sorted(STYLES))
def test_plate_colours(style: str) -> None:
    text = "冀AD12345" if style.startswith("green") else "冀A12345"
    image = render_plate(PlateSpec(text=text, kind=style, style=style))
    colours = STYLES[style]
    assert image.shape == (140, 480 if len(text) == 8 else 440, 3)
    background = image[-12, image.shape[1] // 2 + 4].astype(int)
    assert np.abs(background - np.array(colours.bottom)).max() < 25
    # Text pixels exist in the text colour somewhere in the middle band.
    band = image[40:100].reshape(-1, 3).astype(int)
    assert (np.abs(band - np.array(colours.text)).max(axis=1) < 40).mean() > 0.05


def test_passes_have_ground_truth_per_frame() -> None:
    passes = make_passes(12, 20, n_frames=3)
    for vehicle in passes:
        assert len(vehicle.frames) == len(vehicle.plate_quads) == 3
        assert vehicle.frames[0].shape == (FRAME_WH[1], FRAME_WH[0], 3)
        assert set(vehicle.conditions) <= set(CONDITIONS)
        widths = [float(np.linalg.norm(q[1] - q[0])) for q in vehicle.plate_quads]
        assert widths == sorted(widths), "the vehicle approaches the camera"
    assert any(v.hard for v in passes) and any(not v.conditions for v in passes)


def test_night_frames_are_dark() -> None:
    passes = make_passes(12, 30, n_frames=2)
    night = [v.frames[0].mean() for v in passes if "night" in v.conditions]
    day = [v.frames[0].mean() for v in passes if "night" not in v.conditions]
    assert night and max(night) < min(day)


def test_simulated_capture_reads_like_opencv() -> None:
    capture = SimulatedCapture(seed=2, fps=0, frames_per_pass=2)
    assert capture.isOpened()
    ok, frame = capture.read()
    assert ok and frame is not None and frame.shape == (720, 1280, 3)
    capture.release()
    assert capture.read() == (False, None)


def test_the_empty_lane_has_sensor_noise_so_no_two_frames_are_equal() -> None:
    capture = SimulatedCapture(seed=2, fps=0, frames_per_pass=2, gap_s=2.0)
    frames = [capture.read()[1] for _ in range(24)]
    assert all(f is not None for f in frames)
    for before, after in itertools.pairwise(frames):
        assert not np.array_equal(before, after)
    # Faint noise: the lane still looks like the lane (mean change under 2 grey levels).
    first, second = frames[0], frames[2]
    assert first is not None and second is not None
    assert float(np.abs(first.astype(float) - second.astype(float)).mean()) < 2.0
