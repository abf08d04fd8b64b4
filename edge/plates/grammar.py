"""Chinese licence plate grammar: normalise OCR text and validate it.

A plate is a province abbreviation, an issuing-authority letter and a body:
five characters (blue/yellow standard plates), four plus a special suffix
(警 学 挂 领 使 港 澳), or six for green new-energy plates with D/F at the
first body position (small cars) or the last (large vehicles). Plates never
use the letters I and O, so OCR confusions with 1 and 0 are repaired by
position: digits where only a letter can stand become the lookalike letter.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

from edge.plates.errors import InvalidPlate

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# The issuing letter and body never use I or O (GA 36-2018).
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"
ALNUM = LETTERS + DIGITS
SUFFIXES = "警学挂领使港澳"
# Every character a plate can hold; recognition evidence is kept over these.
PLATE_CHARS = PROVINCES + LETTERS + DIGITS + SUFFIXES
SEPARATORS = frozenset("·•・.。-_ :：")
NEW_ENERGY_MARKS = "DF"

# Lookalikes repaired where position decides the class of a character.
_TO_LETTER = {"0": "D", "1": "T", "2": "Z", "5": "S", "6": "G", "8": "B"}
_TO_DIGIT = {"D": "0", "T": "1", "Z": "2", "S": "5", "G": "6", "B": "8", "Q": "0", "U": "0"}
_NEVER_ON_PLATES = {"O": "0", "I": "1"}


class PlateKind(enum.StrEnum):
    """What a plate is, from its grammar."""

    STANDARD = "standard"
    NEW_ENERGY_SMALL = "new_energy_small"
    NEW_ENERGY_LARGE = "new_energy_large"
    POLICE = "police"
    COACH = "coach"
    TRAILER = "trailer"
    CONSULATE = "consulate"
    EMBASSY = "embassy"
    HONG_KONG = "hong_kong"
    MACAU = "macau"


class PlateColour(enum.StrEnum):
    """Background colour of a plate."""

    BLUE = "blue"
    YELLOW = "yellow"
    GREEN = "green"
    WHITE = "white"
    BLACK = "black"


_SUFFIX_KIND = {
    "警": PlateKind.POLICE,
    "学": PlateKind.COACH,
    "挂": PlateKind.TRAILER,
    "领": PlateKind.CONSULATE,
    "使": PlateKind.EMBASSY,
    "港": PlateKind.HONG_KONG,
    "澳": PlateKind.MACAU,
}

# The colour the grammar implies; None means the crop's colour decides
# (a 7-character standard plate is blue for cars, yellow for large vehicles).
KIND_COLOUR: dict[PlateKind, PlateColour | None] = {
    PlateKind.STANDARD: None,
    PlateKind.NEW_ENERGY_SMALL: PlateColour.GREEN,
    PlateKind.NEW_ENERGY_LARGE: PlateColour.GREEN,
    PlateKind.POLICE: PlateColour.WHITE,
    PlateKind.COACH: PlateColour.YELLOW,
    PlateKind.TRAILER: PlateColour.YELLOW,
    PlateKind.CONSULATE: PlateColour.BLACK,
    PlateKind.EMBASSY: PlateColour.BLACK,
    PlateKind.HONG_KONG: PlateColour.BLACK,
    PlateKind.MACAU: PlateColour.BLACK,
}

STANDARD_COLOURS = frozenset({PlateColour.BLUE, PlateColour.YELLOW, PlateColour.BLACK})


@dataclass(frozen=True, slots=True)
class Plate:
    """A plate string that passed the grammar, in canonical form (no separator)."""

    text: str
    kind: PlateKind

    @property
    def province(self) -> str:
        """Province abbreviation, e.g. 冀."""
        return self.text[0]

    @property
    def body(self) -> str:
        """Everything after the issuing letter."""
        return self.text[2:]

    def display(self) -> str:
        """Text as printed on the plate, with the separator dot: 冀A·12345."""
        return f"{self.text[:2]}·{self.body}"


def clean(text: str) -> str:
    """Fold full-width forms and case, drop separators and whitespace."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in folded if ch not in SEPARATORS and not ch.isspace())


def _body_classes(body_len: int, text: str) -> list[str]:
    """Character class ('L' letter, 'D' digit, 'A' either, 'S' suffix) per body position."""
    if body_len == 6:
        # Small new-energy plates end in a digit, so a final D/F means large;
        # a final 0 may be a misread D, large unless the first body character
        # is already the small plate's D/F (or 0 misread from it).
        if text.endswith(("D", "F")) or (text.endswith("0") and text[2] not in "DF0"):
            return ["D", "D", "D", "D", "D", "L"]
        return ["L", "A", "D", "D", "D", "D"]
    if body_len == 5 and text[-1] in SUFFIXES:
        return ["A", "A", "A", "A", "S"]
    return ["A"] * body_len


def _repair(ch: str, cls: str) -> str:
    ch = _NEVER_ON_PLATES.get(ch, ch)
    if cls == "L":
        return _TO_LETTER.get(ch, ch)
    if cls == "D":
        return _TO_DIGIT.get(ch, ch)
    return ch


def normalise(text: str) -> str:
    """Repair separators, case, full-width forms and positional lookalikes.

    Never raises: the result may still be invalid; ``parse`` decides.
    """
    cleaned = clean(text)
    if len(cleaned) < 3:
        return cleaned
    head = cleaned[0] + _repair(cleaned[1], "L")
    classes = _body_classes(len(cleaned) - 2, cleaned)
    body = "".join(_repair(ch, cls) for ch, cls in zip(cleaned[2:], classes, strict=True))
    return head + body


def _kind_of(text: str) -> PlateKind:
    """Classify a normalised string, raising InvalidPlate with the broken rule."""
    if len(text) not in (7, 8):
        raise InvalidPlate(f"expected 7 or 8 characters, got {len(text)}")
    if text[0] not in PROVINCES:
        raise InvalidPlate("first character is not a province abbreviation")
    if text[1] not in LETTERS:
        raise InvalidPlate("second character is not an issuing letter (A-Z without I/O)")
    body = text[2:]
    if len(body) == 6:
        return _new_energy_kind(body)
    if body[-1] in SUFFIXES:
        return _suffix_kind(text)
    bad = [ch for ch in body if ch not in ALNUM]
    if bad:
        raise InvalidPlate(f"body holds {len(bad)} character(s) outside A-Z (no I/O) and 0-9")
    return PlateKind.STANDARD


def _new_energy_kind(body: str) -> PlateKind:
    if body[0] in NEW_ENERGY_MARKS and body[1] in ALNUM and body[2:].isdigit():
        return PlateKind.NEW_ENERGY_SMALL
    if body[:5].isdigit() and body[5] in NEW_ENERGY_MARKS:
        return PlateKind.NEW_ENERGY_LARGE
    raise InvalidPlate(
        "8-character plates are new-energy: D/F then a letter or digit then 4 digits, "
        "or 5 digits then D/F"
    )


def _suffix_kind(text: str) -> PlateKind:
    body = text[2:]
    if any(ch not in ALNUM for ch in body[:4]):
        raise InvalidPlate("the 4 characters before a special suffix must be A-Z (no I/O) or 0-9")
    kind = _SUFFIX_KIND[body[-1]]
    if kind in (PlateKind.HONG_KONG, PlateKind.MACAU) and text[:2] != "粤Z":
        raise InvalidPlate("港/澳 plates are issued as 粤Z only")
    return kind


def layouts(length: int) -> list[tuple[str, ...]]:
    """The characters allowed at each position, one tuple per plate layout of ``length``.

    The same rules as ``parse``, written per position so a vote can choose
    each character among what its position allows.
    """
    if length == 7:
        return [
            (PROVINCES, LETTERS, *[ALNUM] * 5),
            (PROVINCES, LETTERS, *[ALNUM] * 4, "警学挂领使"),
            ("粤", "Z", *[ALNUM] * 4, "港澳"),
        ]
    if length == 8:
        return [
            (PROVINCES, LETTERS, NEW_ENERGY_MARKS, ALNUM, *[DIGITS] * 4),
            (PROVINCES, LETTERS, *[DIGITS] * 5, NEW_ENERGY_MARKS),
        ]
    return []


def parse(text: str) -> Plate:
    """Normalise ``text`` and return the Plate, or raise InvalidPlate with a reason."""
    canonical = normalise(text)
    return Plate(text=canonical, kind=_kind_of(canonical))


def is_plate(text: str) -> bool:
    """True when ``text`` normalises to a valid plate."""
    try:
        parse(text)
    except InvalidPlate:
        return False
    return True
