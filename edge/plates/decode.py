"""CTC decoding constrained by plate position.

Greedy CTC finds where characters are; each character is then re-chosen
among the classes its position allows (province, issuing letter, body,
suffix), using the probabilities of its own timesteps. This repairs
confusions such as 0/D or 鲁/鳥 from the model's own evidence instead of a
lookup table. Each character also keeps that evidence for every character a
plate can hold, so frames can be voted on probabilities rather than on
their first choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edge.plates.grammar import ALNUM, LETTERS, PLATE_CHARS, PROVINCES, SEPARATORS, SUFFIXES


@dataclass(frozen=True, slots=True)
class CharReading:
    """One recognised character, the probability the model gave it, and its rivals'.

    ``evidence`` holds, for each character of ``PLATE_CHARS``, the highest
    probability the model gave it over this character's timesteps.
    """

    char: str
    confidence: float
    evidence: np.ndarray = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Alphabet:
    """Class indices of each positional class, built once per recogniser."""

    chars: tuple[str, ...]
    province_idx: np.ndarray
    letter_idx: np.ndarray
    body_idx: np.ndarray
    last_idx: np.ndarray
    plate_idx: np.ndarray

    @classmethod
    def of(cls, chars: list[str]) -> Alphabet:
        """Index the recogniser's alphabet (index 0 is the CTC blank)."""
        where = {ch: i for i, ch in enumerate(chars) if ch}

        def indices(allowed: str) -> np.ndarray:
            return np.array([where[ch] for ch in allowed if ch in where], dtype=np.int64)

        return cls(
            chars=tuple(chars),
            province_idx=indices(PROVINCES),
            letter_idx=indices(LETTERS),
            body_idx=indices(ALNUM),
            last_idx=indices(ALNUM + SUFFIXES),
            plate_idx=np.array([where[ch] for ch in PLATE_CHARS], dtype=np.int64),
        )


def _segments(probs: np.ndarray, alphabet: Alphabet) -> list[np.ndarray]:
    """Timestep rows of each emitted (non-blank, non-separator) character."""
    best = probs.argmax(axis=1)
    segments: list[np.ndarray] = []
    start = 0
    for t in range(1, len(best) + 1):
        if t < len(best) and best[t] == best[start]:
            continue
        char = alphabet.chars[int(best[start])]
        if char and char not in SEPARATORS and not char.isspace():
            segments.append(np.arange(start, t))
        start = t
    return segments


def _choose(rows: np.ndarray, allowed: np.ndarray, alphabet: Alphabet) -> CharReading:
    window = rows[:, allowed]
    flat = int(window.argmax())
    column = flat % window.shape[1]
    return CharReading(
        char=alphabet.chars[int(allowed[column])],
        confidence=float(window.max()),
        evidence=rows[:, alphabet.plate_idx].max(axis=0),
    )


def decode(probs: np.ndarray, alphabet: Alphabet) -> list[CharReading]:
    """Characters of one text line, each chosen among its position's classes."""
    segments = _segments(probs, alphabet)
    out: list[CharReading] = []
    last = len(segments) - 1
    for position, rows in enumerate(segments):
        if position == 0:
            allowed = alphabet.province_idx
        elif position == 1:
            allowed = alphabet.letter_idx
        elif position == last:
            allowed = alphabet.last_idx
        else:
            allowed = alphabet.body_idx
        out.append(_choose(probs[rows], allowed, alphabet))
    return out
