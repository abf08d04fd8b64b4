"""Reading plates from simulated passes: voting, colour, rejections, the model registry."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
import yaml

from edge.digest import sha256_of
from edge.plates.colour import crop_colour, plate_colour
from edge.plates.decode import CharReading
from edge.plates.errors import InvalidPlate
from edge.plates.grammar import PLATE_CHARS, PlateColour, PlateKind
from edge.plates.models import (
    DET_FILE,
    DET_SHA256,
    REC_FILE,
    REC_SHA256,
    load_entry,
    package_model_dir,
)
from edge.plates.ocr import TextDetector, TextRecogniser
from edge.plates.reader import PlateReader, ReaderConfig
from edge.plates.vote import FrameReading, vote
from simulators.gate.plates import PlateSpec, render_plate
from simulators.gate.scene import LANE_ROI_XYXY, make_passes

REGISTRY = Path(__file__).resolve().parents[3] / "models" / "registry"


@functools.lru_cache(maxsize=1)
def reader() -> PlateReader:
    config = ReaderConfig(roi_xyxy=LANE_ROI_XYXY)
    return PlateReader(
        config=config,
        detector=TextDetector(max_side=config.det_max_side),
        recogniser=TextRecogniser(),
    )


def char_reading(char: str, confidence: float) -> CharReading:
    """``char`` at ``confidence``, the rest spread evenly over the other plate characters."""
    evidence = np.full(len(PLATE_CHARS), (1 - confidence) / (len(PLATE_CHARS) - 1))
    evidence[PLATE_CHARS.index(char)] = confidence
    return CharReading(char, confidence, evidence)


def frame_reading(
    text: str, confidences: list[float] | float = 0.9, colour: PlateColour | None = PlateColour.BLUE
) -> FrameReading:
    values = confidences if isinstance(confidences, list) else [confidences] * len(text)
    return FrameReading(
        chars=tuple(char_reading(c, v) for c, v in zip(text, values, strict=True)), colour=colour
    )


def test_clear_passes_are_read_exactly() -> None:
    passes = [p for p in make_passes(5, 12, n_frames=3) if not p.conditions][:3]
    assert passes
    for vehicle in passes:
        result = reader().read_pass(vehicle.frames)
        assert result.result is not None, result.rejected
        assert result.result.plate.text == vehicle.plate.text
        assert result.result.colour == vehicle.plate.colour
        assert 0.5 < result.result.confidence <= 1.0
        assert 1 <= result.frames_read <= 3


def test_next_frame_is_searched_near_the_last_plate_then_everywhere() -> None:
    vehicle = next(p for p in make_passes(5, 12, n_frames=3) if not p.conditions)
    first = reader().read_frame(vehicle.frames[0])
    assert first.quad is not None
    # Near the last plate, and (nothing plate-shaped there) the whole lane.
    for near in (first.quad, first.quad + np.float32([-300, -250])):
        found = reader().read_frame(vehicle.frames[1], near=near)
        assert found.best is not None and found.quad is not None
        assert found.best.text == vehicle.plate.text
        centre = found.quad.mean(axis=0)
        assert np.linalg.norm(centre - vehicle.plate_quads[1].mean(axis=0)) < 10


def test_roi_ignores_text_outside_the_lane() -> None:
    blank = np.full((720, 1280, 3), 90, dtype=np.uint8)
    result = reader().read_pass([blank])
    assert result.result is None
    assert result.rejected is not None
    assert "no frame" in result.rejected.reason


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        # One bad character in one frame is outvoted by the other two.
        ([("冀A12345", 0.9), ("冀A12845", 0.6), ("冀A12345", 0.8)], "冀A12345"),
        # A frame of the wrong length does not spoil the vote.
        ([("冀A12345", 0.9), ("A12345", 0.95), ("冀A12345", 0.7)], "冀A12345"),
        # Confidence outweighs a count: one sure frame beats two unsure ones.
        ([("冀A12345", 0.99), ("冀A12346", 0.2), ("冀A12346", 0.2)], "冀A12345"),
        # Each position takes what its plate layout allows: digits end a small new-energy plate.
        ([("冀AD1234A", 0.9), ("冀AD12345", 0.5)], "冀AD12345"),
        # A 港 suffix comes only with 粤Z, whatever the frames made of the head.
        ([("粤B1234港", 0.9)], "粤Z1234港"),
    ],
)
def test_vote(frames: list[tuple[str, float]], expected: str) -> None:
    result = vote([frame_reading(text, conf) for text, conf in frames])
    assert result.plate.text == expected
    assert 0 < result.confidence <= 1


def test_vote_uses_every_frames_second_choice() -> None:
    # Each frame is sure of a different wrong province; all give 冀 some weight.
    frames = []
    for wrong in "京津沪":
        reading = frame_reading(f"{wrong}A12345", 0.9)
        evidence = reading.chars[0].evidence.copy()
        evidence[PLATE_CHARS.index("冀")] = 0.3
        first = CharReading(wrong, 0.9, evidence)
        frames.append(FrameReading(chars=(first, *reading.chars[1:]), colour=reading.colour))
    assert vote(frames).plate.text == "冀A12345"


def test_vote_confidence_falls_with_disagreement() -> None:
    agree = vote([frame_reading("冀A12345", 0.9)] * 3).confidence
    split = vote(
        [
            frame_reading("冀A12345", 0.9),
            frame_reading("冀A12346", 0.9),
            frame_reading("冀A12345", 0.9),
        ]
    ).confidence
    assert agree > split


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        ([], "no frame"),
        ([("冀A12", 0.9)], "got 4"),
        ([("冀A12", 0.9), ("冀A123456789", 0.2)], "got 4"),
    ],
)
def test_vote_rejects_with_reason(frames: list[tuple[str, float]], reason: str) -> None:
    with pytest.raises(InvalidPlate) as caught:
        vote([frame_reading(text, conf) for text, conf in frames])
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("text", "style", "colour"),
    [
        ("冀A12345", "blue", PlateColour.BLUE),
        ("冀A12345", "yellow", PlateColour.YELLOW),
        ("冀AD12345", "green_small", PlateColour.GREEN),
        ("冀A1234警", "white", PlateColour.WHITE),
        ("粤Z1234港", "black", PlateColour.BLACK),
    ],
)
def test_crop_colour(text: str, style: str, colour: PlateColour) -> None:
    rgb = render_plate(PlateSpec(text=text, kind=style, style=style), height=48)
    assert crop_colour(np.ascontiguousarray(rgb[..., ::-1])) == colour


@pytest.mark.parametrize(
    ("kind", "observed", "reported"),
    [
        (PlateKind.STANDARD, PlateColour.YELLOW, PlateColour.YELLOW),
        (PlateKind.STANDARD, PlateColour.GREEN, PlateColour.BLUE),
        (PlateKind.POLICE, PlateColour.BLUE, PlateColour.WHITE),
        (PlateKind.NEW_ENERGY_SMALL, None, PlateColour.GREEN),
    ],
)
def test_reported_colour(
    kind: PlateKind, observed: PlateColour | None, reported: PlateColour
) -> None:
    assert plate_colour(kind, observed) == reported


@pytest.mark.parametrize(
    ("name", "file", "sha"),
    [("ppocr_det", DET_FILE, DET_SHA256), ("ppocr_rec", REC_FILE, REC_SHA256)],
)
def test_registry_matches_the_shipped_models(name: str, file: str, sha: str) -> None:
    entry = load_entry(REGISTRY / f"{name}.yaml")
    assert (entry.file, entry.sha256, entry.licence) == (file, sha, "Apache-2.0")
    assert entry.package == "rapidocr-onnxruntime"
    assert sha256_of(package_model_dir() / file) == sha
    assert yaml.safe_load((REGISTRY / f"{name}.yaml").read_text(encoding="utf-8"))["name"] == name


def test_roi_must_be_inside_the_frame() -> None:
    with pytest.raises(ValueError, match="roi_xyxy"):
        ReaderConfig(roi_xyxy=(0.5, 0.0, 0.4, 1.0))


@pytest.mark.parametrize("recognisers", ["plate", "ppocr"])
def test_each_recogniser_alone_reads_a_clear_pass(recognisers: str) -> None:
    vehicle = next(p for p in make_passes(5, 12, n_frames=3) if not p.conditions)
    config = ReaderConfig.model_validate({"roi_xyxy": LANE_ROI_XYXY, "recognisers": recognisers})
    shared = reader()
    alone = PlateReader(config=config, detector=shared._detector)
    frame = alone.read_frame(vehicle.frames[-1])
    # One reading per crop read: one recogniser, where "both" gives two.
    assert 1 <= len(frame.readings) <= 2
    assert len(shared.read_frame(vehicle.frames[-1]).readings) >= 2
    result = alone.read_pass(vehicle.frames)
    assert result.result is not None and result.result.plate.text == vehicle.plate.text


def test_unknown_recogniser_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="'both', 'plate' or 'ppocr'"):
        ReaderConfig.model_validate({"recognisers": "tesseract"})
