"""Read plates in a lane: region of interest, text detection, recognition, voting.

``PlateReader.read_frame`` reads one frame; ``read_pass`` reads the frames of
one vehicle pass, stopping early once two frames agree confidently, so an
easy pass costs two frames and a hard one uses them all. Each frame after
the first is searched near the plate of the one before, which costs a
fraction of detecting over the whole lane.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge.camera.config import verify_normalised_xyxy
from edge.plates.colour import crop_colour
from edge.plates.decode import Alphabet, decode
from edge.plates.errors import InvalidPlate
from edge.plates.grammar import is_plate
from edge.plates.ocr import TextBox, TextDetector, TextRecogniser, crop_quad
from edge.plates.platerec import PlateRecogniser
from edge.plates.rectify import plate_quad, warp_plate
from edge.plates.vote import FrameReading, PlateResult, vote

logger = logging.getLogger(__name__)

# Rectified plates are drawn a little wider than real (3.1-3.4) to separate
# the condensed characters for a recogniser trained on ordinary text.
PLATE_ASPECT = 3.6


# How far a plate is looked for around where it was in the previous frame,
# in plate widths sideways and plate heights up and down: a vehicle moves
# about a plate height between frames as it rolls up to the barrier.
NEAR_WIDTHS = 0.75
NEAR_HEIGHTS = 2.5


def _window(quad: np.ndarray, shape_hw: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The search window (x0, y0, x1, y1) around ``quad``, clipped to ``shape_hw``."""
    (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
    dx, dy = (x1 - x0) * NEAR_WIDTHS, (y1 - y0) * NEAR_HEIGHTS
    return (
        max(int(x0 - dx), 0),
        max(int(y0 - dy), 0),
        min(int(x1 + dx), shape_hw[1]),
        min(int(y1 + dy), shape_hw[0]),
    )


def _good(reading: FrameReading, confidence: float) -> bool:
    """A reading the grammar accepts whose weakest character reaches ``confidence``."""
    return reading.confidence >= confidence and is_plate(reading.text)


class Recogniser(Protocol):
    """What the reader needs of a recogniser: its CTC alphabet and probabilities."""

    alphabet: list[str]

    def probabilities(self, crop_bgr: np.ndarray) -> np.ndarray: ...


class ReaderConfig(BaseModel):
    """Where plates appear and how hard to look."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    roi_xyxy: tuple[float, float, float, float] = Field(
        default=(0.0, 0.0, 1.0, 1.0),
        description="Lane region of interest, normalised x0, y0, x1, y1 of the frame.",
    )
    det_max_side: int = Field(
        default=480,
        ge=160,
        le=2048,
        description="Longer side the region is scaled to for detection.",
    )
    candidates: int = Field(
        default=2, ge=1, le=8, description="Plate-shaped text boxes recognised per frame."
    )
    min_aspect: float = Field(
        default=1.6, gt=0, description="Narrowest width/height of a plate box."
    )
    max_aspect: float = Field(default=8.0, gt=0, description="Widest width/height of a plate box.")
    min_height_px: float = Field(default=10.0, gt=0, description="Lowest plate box, in pixels.")
    agree_confidence: float = Field(
        default=0.85,
        ge=0,
        le=1,
        description="Two agreeing frames at or above this end a pass early.",
    )

    single_frame_confidence: float = Field(
        default=0.97,
        ge=0,
        le=1,
        description="One frame at or above this ends a pass without waiting for agreement.",
    )

    recognisers: Literal["both", "plate", "ppocr"] = Field(
        default="both",
        description="Which recognisers read each crop: this project's plate recogniser, "
        "PP-OCRv4, or both (their readings are voted together).",
    )

    @model_validator(mode="after")
    def verify_roi(self) -> ReaderConfig:
        verify_normalised_xyxy("roi_xyxy", self.roi_xyxy)
        return self


@dataclass(frozen=True, slots=True)
class FrameResult:
    """One frame's best reading and where the plate is in the frame."""

    readings: list[FrameReading]
    quad: np.ndarray | None

    @property
    def best(self) -> FrameReading | None:
        """The most confident reading the grammar accepts, else the most confident."""
        return max(
            self.readings,
            default=None,
            key=lambda r: r.confidence + (1.0 if is_plate(r.text) else 0.0),
        )


@dataclass(frozen=True, slots=True)
class PassResult:
    """A pass's voted plate (or rejection), plate location and cost."""

    result: PlateResult | None
    rejected: InvalidPlate | None
    quads: list[np.ndarray | None]  # plate corners per frame read, None where none was found
    frames_read: int
    elapsed_ms: float

    def last_located(self) -> int | None:
        """Index of the last frame read in which a plate was located."""
        located = [i for i, quad in enumerate(self.quads) if quad is not None]
        return located[-1] if located else None


class PlateReader:
    """Plate reading for one lane; keyword-only models so tests can share sessions."""

    def __init__(
        self,
        *,
        config: ReaderConfig,
        detector: TextDetector | None = None,
        recogniser: TextRecogniser | None = None,
        plate_recogniser: PlateRecogniser | None = None,
    ) -> None:
        self.config = config
        self._detector = detector or TextDetector(max_side=config.det_max_side)
        chosen: list[Recogniser] = []
        if config.recognisers in ("both", "plate"):
            chosen.append(plate_recogniser or PlateRecogniser())
        if config.recognisers in ("both", "ppocr"):
            chosen.append(recogniser or TextRecogniser())
        self._recognisers = [(r, Alphabet.of(r.alphabet)) for r in chosen]

    def _roi(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        height, width = frame.shape[:2]
        x0, y0, x1, y1 = self.config.roi_xyxy
        left, top = int(x0 * width), int(y0 * height)
        # OpenCV is an order of magnitude slower on strided views; copy the region once.
        region = np.ascontiguousarray(frame[top : int(y1 * height), left : int(x1 * width)])
        return region, np.array([left, top], dtype=np.float32)

    def _plate_shaped(self, boxes: Iterable[TextBox]) -> list[TextBox]:
        cfg = self.config
        shaped = [
            b
            for b in boxes
            if b.size_wh[1] >= cfg.min_height_px
            and cfg.min_aspect <= b.size_wh[0] / max(b.size_wh[1], 1.0) <= cfg.max_aspect
        ]
        shaped.sort(key=lambda b: b.size_wh[0] * b.size_wh[1] * b.score, reverse=True)
        return shaped[: cfg.candidates]

    def _readings(self, region: np.ndarray, box: TextBox) -> list[FrameReading]:
        """Readings of the detector's rectangle and, when found, of the rectified plate."""
        outline = plate_quad(region, box.quad)
        readings: list[FrameReading] = []
        if outline is not None:
            readings.extend(self._read_crop(warp_plate(region, outline, aspect=PLATE_ASPECT)))
            if all(_good(r, self.config.agree_confidence) for r in readings):
                return readings
        readings.extend(self._read_crop(crop_quad(region, box.quad)))
        return readings

    def _read_crop(self, crop: np.ndarray) -> list[FrameReading]:
        """One reading of ``crop`` per recogniser."""
        colour = crop_colour(crop)
        return [
            FrameReading(chars=tuple(decode(r.probabilities(crop), alphabet)), colour=colour)
            for r, alphabet in self._recognisers
        ]

    def read_frame(self, frame_bgr: np.ndarray, *, near: np.ndarray | None = None) -> FrameResult:
        """Readings of the most plate-like text in the lane region of one frame.

        ``near`` (plate corners found in the previous frame of the pass) first
        narrows the search to a window around them, at the scale of the whole
        region; the whole region is searched when nothing is found there.
        """
        region, offset = self._roi(frame_bgr)
        scale = self._detector.scale_for(*region.shape[:2])
        if near is not None:
            x0, y0, x1, y1 = _window(near - offset, region.shape[:2])
            if x1 > x0 and y1 > y0:
                window = np.ascontiguousarray(region[y0:y1, x0:x1])
                nearby = self._search(window, offset + np.array([x0, y0], dtype=np.float32), scale)
                if nearby.quad is not None:
                    return nearby
        return self._search(region, offset, scale)

    def _search(self, image: np.ndarray, offset: np.ndarray, scale: float) -> FrameResult:
        best: tuple[float, list[FrameReading], np.ndarray] | None = None
        # Candidates go largest first; a confident valid plate ends the search.
        for box in self._plate_shaped(self._detector.detect(image, scale=scale)):
            readings = self._readings(image, box)
            # A reading the grammar accepts beats any that it does not.
            rank = max(r.confidence + (1.0 if is_plate(r.text) else 0.0) for r in readings)
            if best is None or rank > best[0]:
                best = (rank, readings, box.quad + offset)
            if rank >= 1.0 + self.config.agree_confidence:
                break
        if best is None:
            return FrameResult(readings=[], quad=None)
        return FrameResult(readings=best[1], quad=best[2])

    def _agreed(self, readings: list[FrameReading | None]) -> bool:
        last = readings[-1]
        if last is not None and _good(last, self.config.single_frame_confidence):
            return True
        if len(readings) < 2 or last is None or readings[-2] is None:
            return False
        previous = readings[-2]
        return (
            last.text == previous.text
            and _good(last, self.config.agree_confidence)
            and _good(previous, self.config.agree_confidence)
        )

    def read_pass(self, frames: Iterable[np.ndarray], *, early_stop: bool = True) -> PassResult:
        """Vote the frames of one vehicle pass into a plate or a rejection."""
        start = time.perf_counter()
        readings: list[FrameReading] = []
        bests: list[FrameReading | None] = []
        quads: list[np.ndarray | None] = []
        for frame in frames:
            frame_result = self.read_frame(frame, near=quads[-1] if quads else None)
            readings.extend(frame_result.readings)
            bests.append(frame_result.best)
            quads.append(frame_result.quad)
            if early_stop and self._agreed(bests):
                break
        try:
            result: PlateResult | None = vote(readings)
            rejected: InvalidPlate | None = None
        except InvalidPlate as exc:
            logger.info("pass rejected after %s frame(s): %s", len(bests), exc.reason)
            result, rejected = None, exc
        elapsed_ms = (time.perf_counter() - start) * 1000
        return PassResult(result, rejected, quads, len(bests), elapsed_ms)
