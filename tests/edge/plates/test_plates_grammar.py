"""Plate grammar: normalisation, valid and invalid plates, and the egress regex."""

from __future__ import annotations

import numpy as np
import pytest

from edge.egress import FULL_PLATE_RE
from edge.gate.privacy import mask_plate
from edge.plates.errors import InvalidPlate
from edge.plates.grammar import PlateKind, is_plate, layouts, normalise, parse
from simulators.gate.plates import random_plate


@pytest.mark.parametrize(
    ("text", "canonical", "kind"),
    [
        ("冀A12345", "冀A12345", PlateKind.STANDARD),
        ("冀A·12345", "冀A12345", PlateKind.STANDARD),
        ("京 B 8K3 21", "京B8K321", PlateKind.STANDARD),
        ("沪a-c1d2e", "沪AC1D2E", PlateKind.STANDARD),
        ("粤Ｂ１２３４５", "粤B12345", PlateKind.STANDARD),  # full-width forms
        ("冀AO1234", "冀A01234", PlateKind.STANDARD),  # O never stands on plates: 0
        ("冀A1I234", "冀A11234", PlateKind.STANDARD),  # I never stands on plates: 1
        ("冀0·12345", "冀D12345", PlateKind.STANDARD),  # issuing position takes a letter
        ("冀AD12345", "冀AD12345", PlateKind.NEW_ENERGY_SMALL),
        ("冀AF·K1234", "冀AFK1234", PlateKind.NEW_ENERGY_SMALL),
        ("冀A0K1234", "冀ADK1234", PlateKind.NEW_ENERGY_SMALL),  # 0 at the D/F position
        ("冀A12345D", "冀A12345D", PlateKind.NEW_ENERGY_LARGE),
        ("冀A1234S0", "冀A12345D", PlateKind.NEW_ENERGY_LARGE),  # digits then D/F
        ("冀A1234警", "冀A1234警", PlateKind.POLICE),
        ("豫B1234学", "豫B1234学", PlateKind.COACH),
        ("鲁C12K4挂", "鲁C12K4挂", PlateKind.TRAILER),
        ("沪A1234领", "沪A1234领", PlateKind.CONSULATE),
        ("京A1234使", "京A1234使", PlateKind.EMBASSY),
        ("粤Z·1234港", "粤Z1234港", PlateKind.HONG_KONG),
        ("粤Z1A34澳", "粤Z1A34澳", PlateKind.MACAU),
    ],
)
def test_valid_plates(text: str, canonical: str, kind: PlateKind) -> None:
    plate = parse(text)
    assert (plate.text, plate.kind) == (canonical, kind)
    assert plate.display() == f"{canonical[:2]}·{canonical[2:]}"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "expected 7 or 8 characters, got 0"),
        ("冀A1234", "expected 7 or 8 characters, got 6"),
        ("冀A1234567", "expected 7 or 8 characters, got 9"),
        ("AB12345", "province abbreviation"),
        ("中A12345", "province abbreviation"),
        ("冀冀12345", "issuing letter"),
        ("冀A12#45", "outside A-Z"),
        ("冀A12345X", "new-energy"),
        ("冀AX12345", "new-energy"),
        ("冀AD1234A", "new-energy"),
        ("冀A12港45", "outside A-Z"),
        ("冀A1#34警", "before a special suffix"),
        ("京A1234港", "粤Z only"),
        ("粤B1234澳", "粤Z only"),
        ("减速慢行", "expected 7 or 8 characters"),
    ],
)
def test_invalid_plates_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidPlate) as caught:
        parse(text)
    assert reason in caught.value.reason
    assert not is_plate(text)
    if len(text) > 3:
        assert text not in str(caught.value), "the message never repeats the rejected text"


def test_normalise_never_raises_on_short_text() -> None:
    assert normalise("a·") == "A"


@pytest.mark.parametrize(
    ("plate", "masked"),
    [
        ("冀A12345", "冀A·1**45"),
        ("冀AD12345", "冀A·D***45"),
        ("冀A12345F", "冀A·1***5F"),
        ("冀A1234警", "冀A·1**4警"),
        ("粤Z1234港", "粤Z·1**4港"),
    ],
)
def test_masked_plates(plate: str, masked: str) -> None:
    assert mask_plate(plate) == masked
    assert FULL_PLATE_RE.search(masked) is None
    assert FULL_PLATE_RE.search(f'{{"plate_masked": "{masked}"}}') is None


def test_egress_regex_matches_every_plate_the_grammar_accepts() -> None:
    rng = np.random.default_rng(2024)
    kinds: set[PlateKind] = set()
    for _ in range(400):
        spec = random_plate(rng)
        plate = parse(spec.text)
        kinds.add(plate.kind)
        for shown in (plate.text, plate.display(), f"{plate.text[:2]} {plate.text[2:]}"):
            assert FULL_PLATE_RE.search(shown), shown
        assert FULL_PLATE_RE.search(mask_plate(plate.text)) is None
    assert kinds == set(PlateKind)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("冀A05303F", "冀A05303F"),
        ("冀AD05303", "冀AD05303"),
        ("冀A053030", "冀AD53030"),
        ("冀A153030", "冀A15303D"),
    ],
)
def test_new_energy_lookalikes(text: str, canonical: str) -> None:
    assert parse(text).text == canonical


def test_layouts_hold_exactly_the_plates_the_grammar_accepts() -> None:
    rng = np.random.default_rng(7)
    for _ in range(400):
        text = random_plate(rng).text
        fits = [
            layout
            for layout in layouts(len(text))
            if all(ch in allowed for ch, allowed in zip(text, layout, strict=True))
        ]
        assert len(fits) == 1, text
    # A layout's first choices at every position make a plate of that layout.
    for length in (7, 8):
        for layout in layouts(length):
            assert is_plate("".join(allowed[0] for allowed in layout))
            assert is_plate("".join(allowed[-1] for allowed in layout))
    assert layouts(6) == []
