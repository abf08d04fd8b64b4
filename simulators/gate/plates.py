"""Random valid Chinese plates and their rendering in the right colours.

Generation follows the plate rules independently of ``edge.plates.grammar``
so the grammar's tests check one implementation against another.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class PlateStyle:
    """Background (top and bottom of a vertical gradient) and text colours, RGB."""

    top: RGB
    bottom: RGB
    text: RGB


STYLES: dict[str, PlateStyle] = {
    "blue": PlateStyle((20, 60, 190), (10, 45, 170), (245, 245, 245)),
    "yellow": PlateStyle((245, 190, 20), (235, 175, 10), (15, 15, 15)),
    "green_small": PlateStyle((240, 250, 240), (60, 200, 90), (15, 15, 15)),
    "green_large": PlateStyle((200, 225, 60), (60, 190, 80), (15, 15, 15)),
    "white": PlateStyle((245, 245, 245), (230, 230, 230), (15, 15, 15)),
    "black": PlateStyle((20, 20, 20), (10, 10, 10), (245, 245, 245)),
}

# (kind, style, weight): the mix of a typical residential gate, with every
# kind present often enough to be measured.
KINDS: tuple[tuple[str, str, float], ...] = (
    ("standard_blue", "blue", 0.40),
    ("standard_yellow", "yellow", 0.08),
    ("new_energy_small", "green_small", 0.22),
    ("new_energy_large", "green_large", 0.05),
    ("police", "white", 0.05),
    ("coach", "yellow", 0.04),
    ("trailer", "yellow", 0.04),
    ("consulate", "black", 0.04),
    ("embassy", "black", 0.02),
    ("hong_kong", "black", 0.03),
    ("macau", "black", 0.03),
)
_SUFFIX = {
    "police": "警",
    "coach": "学",
    "trailer": "挂",
    "consulate": "领",
    "embassy": "使",
    "hong_kong": "港",
    "macau": "澳",
}


@dataclass(frozen=True, slots=True)
class PlateSpec:
    """Ground truth of one generated plate."""

    text: str
    kind: str
    style: str

    @property
    def colour(self) -> str:
        """Background colour name as the edge reports it."""
        return "green" if self.style.startswith("green") else self.style


def _alnum(rng: np.random.Generator, n: int, letters_max: int = 2) -> str:
    """``n`` plate characters with at most ``letters_max`` letters, as issued."""
    letter_slots = set(rng.choice(n, size=int(rng.integers(0, letters_max + 1)), replace=False))
    return "".join(
        str(rng.choice(list(LETTERS))) if i in letter_slots else str(rng.choice(list(DIGITS)))
        for i in range(n)
    )


def random_plate(rng: np.random.Generator) -> PlateSpec:
    """A random valid plate of a kind drawn from the gate mix."""
    weights = np.array([w for _, _, w in KINDS])
    kind, style, _ = KINDS[int(rng.choice(len(KINDS), p=weights / weights.sum()))]
    province = str(rng.choice(list(PROVINCES)))
    letter = str(rng.choice(list(LETTERS)))
    digits = "".join(str(d) for d in rng.integers(0, 10, size=5))
    if kind == "new_energy_small":
        second = str(rng.choice(list(LETTERS + DIGITS)))
        body = str(rng.choice(["D", "F"])) + second + digits[:4]
    elif kind == "new_energy_large":
        body = digits + str(rng.choice(["D", "F"]))
    elif kind in ("hong_kong", "macau"):
        province, letter = "粤", "Z"
        body = _alnum(rng, 4, letters_max=1) + _SUFFIX[kind]
    elif kind in _SUFFIX:
        body = _alnum(rng, 4, letters_max=1) + _SUFFIX[kind]
    else:
        body = _alnum(rng, 5)
    return PlateSpec(
        text=province + letter + body, kind=kind.removeprefix("standard_"), style=style
    )


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def _gradient(style: PlateStyle, width: int, height: int) -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top = np.array(style.top, dtype=np.float32)
    bottom = np.array(style.bottom, dtype=np.float32)
    column = top * (1 - ramp) + bottom * ramp
    return np.repeat(column, width, axis=1).astype(np.uint8)


def _glyph(ch: str, colour: RGB, size: tuple[int, int]) -> Image.Image:
    """One character squeezed into its slot, as plate fonts are condensed."""
    font = _font(96)
    left, top, right, bottom = font.getbbox(ch)
    canvas = Image.new("L", (int(right - left), int(bottom - top)), 0)
    ImageDraw.Draw(canvas).text((-left, -top), ch, font=font, fill=255)
    mask = canvas.resize(size, Image.Resampling.LANCZOS)
    glyph = Image.new("RGBA", size, (*colour, 0))
    glyph.putalpha(mask)
    return glyph


def render_plate(spec: PlateSpec, *, height: int = 140) -> np.ndarray:
    """Render ``spec`` front-on as an RGB array, 440x140 (480x140 green) at height 140."""
    n = len(spec.text)
    width = int(height * (480 if n == 8 else 440) / 140)
    style = STYLES[spec.style]
    image = Image.fromarray(_gradient(style, width, height))
    draw = ImageDraw.Draw(image)
    border = max(2, height // 35)
    draw.rectangle(
        (border, border, width - border - 1, height - border - 1),
        outline=style.text,
        width=max(1, border // 2),
    )
    # Slots as on a real plate: two characters, a dot gap, then the body.
    margin = border * 4
    gap = width * 0.05
    slot = (width - 2 * margin - gap) / n
    glyph_wh = (int(slot * 0.82), int(height * 0.64))
    x = float(margin)
    for i, ch in enumerate(spec.text):
        if i == 2:
            dot_r = height * 0.035
            cx, cy = x + gap / 2, height / 2
            draw.ellipse((cx - dot_r, cy - dot_r, cx + dot_r, cy + dot_r), fill=style.text)
            x += gap
        glyph = _glyph(ch, style.text, glyph_wh)
        image.paste(glyph, (int(x + (slot - glyph_wh[0]) / 2), (height - glyph_wh[1]) // 2), glyph)
        x += slot
    return np.asarray(image, dtype=np.uint8)
