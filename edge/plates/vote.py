"""Vote one plate out of the frames of a vehicle pass.

Each frame's reading is normalised, then every position is voted with the
model's per-character confidence as the weight among the readings of the
most supported length. A voted string the grammar refuses falls back to the
best single valid reading; if none is valid the pass is rejected with the
grammar's reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from edge.plates.colour import plate_colour
from edge.plates.decode import CharReading
from edge.plates.errors import InvalidPlate
from edge.plates.grammar import Plate, PlateColour, normalise, parse


@dataclass(frozen=True, slots=True)
class FrameReading:
    """What one frame said: characters with confidences and the crop's colour."""

    chars: tuple[CharReading, ...]
    colour: PlateColour | None

    @property
    def text(self) -> str:
        """The characters as one string, normalised."""
        return normalise("".join(c.char for c in self.chars))

    @property
    def confidence(self) -> float:
        """The weakest character's confidence: one bad character spoils a plate."""
        return min((c.confidence for c in self.chars), default=0.0)


@dataclass(frozen=True, slots=True)
class PlateResult:
    """The plate voted for one vehicle pass."""

    plate: Plate
    colour: PlateColour
    confidence: float
    frames_used: int


def _winning_length(readings: Sequence[FrameReading]) -> int:
    support: dict[int, float] = defaultdict(float)
    for reading in readings:
        support[len(reading.text)] += reading.confidence + 1e-3
    return max(support, key=lambda n: support[n])


def _vote_text(readings: Sequence[FrameReading], length: int) -> tuple[str, float]:
    """Per-position weighted vote; the confidence is the weakest position's share."""
    same = [r for r in readings if len(r.text) == length]
    chosen: list[str] = []
    shares: list[float] = []
    for position in range(length):
        weight: dict[str, float] = defaultdict(float)
        for reading in same:
            weight[reading.text[position]] += reading.chars[position].confidence
        best = max(weight, key=lambda ch: weight[ch])
        chosen.append(best)
        shares.append(weight[best] / len(readings))
    return "".join(chosen), min(shares)


def _colour(readings: Sequence[FrameReading]) -> PlateColour | None:
    seen: dict[PlateColour, int] = defaultdict(int)
    for reading in readings:
        if reading.colour is not None:
            seen[reading.colour] += 1
    return max(seen, key=lambda c: seen[c]) if seen else None


def vote(readings: Sequence[FrameReading]) -> PlateResult:
    """The pass's plate, or InvalidPlate with the reason no reading was a plate."""
    usable = [r for r in readings if r.chars]
    if not usable:
        raise InvalidPlate("no frame of the pass showed readable text in the lane")
    text, confidence = _vote_text(usable, _winning_length(usable))
    try:
        plate = parse(text)
    except InvalidPlate as voted_error:
        plate, confidence = _best_single(usable, voted_error)
    colour = plate_colour(plate.kind, _colour(usable))
    return PlateResult(plate=plate, colour=colour, confidence=confidence, frames_used=len(usable))


def _best_single(readings: Sequence[FrameReading], error: InvalidPlate) -> tuple[Plate, float]:
    valid: list[tuple[float, Plate]] = []
    for reading in readings:
        try:
            valid.append((reading.confidence / len(readings), parse(reading.text)))
        except InvalidPlate:
            continue
    if not valid:
        raise error
    confidence, plate = max(valid, key=lambda item: item[0])
    return plate, confidence
