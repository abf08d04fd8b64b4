"""Vote one plate out of the frames of a vehicle pass.

Readings of the most supported length are voted position by position on
the model's probabilities, not on each frame's first choice: the log
evidence of every frame is summed, and each position takes the best
character its plate layout allows (``grammar.layouts``), the layout with the
most evidence winning. A character that is every frame's close second
therefore beats one frame's confident mistake. A pass none of whose
readings has a plate's length is rejected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edge.plates.colour import plate_colour
from edge.plates.decode import CharReading
from edge.plates.errors import InvalidPlate
from edge.plates.grammar import PLATE_CHARS, Plate, PlateColour, layouts, normalise, parse

# Evidence below this counts as this: one frame that misses a character
# entirely must not veto what the other frames agree on.
EVIDENCE_FLOOR = 1e-3


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


def _indices(allowed: str) -> np.ndarray:
    return np.array([PLATE_CHARS.index(ch) for ch in allowed], dtype=np.int64)


_LAYOUT_INDICES = {
    length: [[_indices(allowed) for allowed in layout] for layout in layouts(length)]
    for length in (7, 8)
}


def _winning_length(readings: Sequence[FrameReading]) -> int:
    support: dict[int, float] = defaultdict(float)
    for reading in readings:
        support[len(reading.chars)] += reading.confidence + 1e-3
    return max(support, key=lambda n: support[n])


def _vote_text(readings: Sequence[FrameReading], length: int, total: int) -> tuple[str, float]:
    """The best plate of ``length`` and the weakest position's share of ``total`` readings."""
    evidence = np.stack([[c.evidence for c in r.chars] for r in readings if len(r.chars) == length])
    log_evidence = np.log(np.maximum(evidence, EVIDENCE_FLOOR)).sum(axis=0)
    best: tuple[float, list[int]] = (-np.inf, [])
    for layout in _LAYOUT_INDICES[length]:
        picks = [
            int(allowed[log_evidence[i, allowed].argmax()]) for i, allowed in enumerate(layout)
        ]
        score = float(sum(log_evidence[i, pick] for i, pick in enumerate(picks)))
        if score > best[0]:
            best = (score, picks)
    picks = best[1]
    shares = [float(evidence[:, i, pick].sum()) / total for i, pick in enumerate(picks)]
    return "".join(PLATE_CHARS[pick] for pick in picks), min(1.0, *shares)


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
    plate_length = [r for r in usable if len(r.chars) in _LAYOUT_INDICES]
    if not plate_length:
        surest = max(usable, key=lambda r: r.confidence)
        raise InvalidPlate(f"expected 7 or 8 characters, got {len(surest.chars)}")
    length = _winning_length(plate_length)
    text, confidence = _vote_text(plate_length, length, len(usable))
    plate = parse(text)
    colour = plate_colour(plate.kind, _colour(usable))
    return PlateResult(plate=plate, colour=colour, confidence=confidence, frames_used=len(usable))
