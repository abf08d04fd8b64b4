"""Synthetic training crops for the plate recogniser.

Each sample is a plate as the edge reader hands it to a recogniser: a plate
rendered in one of several training fonts (never the simulator's
WenQuanYi Micro Hei, which the benchmark renders with), pasted into a frame
at gate distances and angles, degraded (night, glare, rain, blur, noise,
compression), then cut out again the two ways ``edge.plates.reader`` does:
rectified from the plate outline (with the outline's typical errors) or
straightened from the text detector's rotated rectangle.

The layout (slot widths, glyph size, the dot, the border) and the
degradations are drawn from ranges wider than the simulator's, so the
recogniser does not learn one rendering.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from edge.plates.ocr import crop_quad, order_corners
from edge.plates.platerec import INPUT_HW, to_input
from edge.plates.reader import PLATE_ASPECT
from edge.plates.rectify import warp_plate
from simulators.gate.plates import FONT_PATH as EVAL_FONT
from simulators.gate.plates import STYLES, random_plate

# (path, face index). CJK faces draw the province and suffix characters;
# every face but Droid Sans Fallback (which has no Latin letters) draws
# letters and digits.
CJK_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
LATIN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 0),
    ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", 0),
    ("/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf", 0),
    ("/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf", 0),
)
# Debian packages that carry the training fonts (the recipe's only extra need).
FONT_PACKAGES = (
    "fonts-noto-cjk",
    "fonts-wqy-zenhei",
    "fonts-droid-fallback",
    "fonts-arphic-ukai",
    "fonts-arphic-uming",
    "fonts-dejavu-core",
    "fonts-dejavu-extra",
    "fonts-liberation2",
)
GLYPH_PX = 96
# Seeds of training chunks and of the held-out validation batch, disjoint
# from every other simulator seed in the repository (the gate benchmark
# renders seed 20261123).
TRAIN_SEEDS = range(700_000, 701_000)
VALIDATION_SEED = 799_999


@dataclass(frozen=True, slots=True)
class Fonts:
    """The installed training faces: CJK ones and all (CJK + Latin) for alphanumerics."""

    cjk: tuple[tuple[str, int], ...]
    alnum: tuple[tuple[str, int], ...]

    @classmethod
    def installed(cls) -> Fonts:
        cjk = tuple(f for f in CJK_FONTS if Path(f[0]).is_file())
        latin = tuple(f for f in LATIN_FONTS if Path(f[0]).is_file())
        if any(Path(path) == EVAL_FONT for path, _ in cjk + latin):
            raise ValueError("the benchmark's font must not be a training font")
        if not cjk:
            raise FileNotFoundError(
                "no CJK training font installed; apt-get install " + " ".join(FONT_PACKAGES)
            )
        with_latin = tuple(f for f in cjk if "Droid" not in f[0])
        return cls(cjk=cjk, alnum=with_latin + latin)


@functools.lru_cache(maxsize=4096)
def _glyph_mask(font: tuple[str, int], ch: str) -> np.ndarray:
    """``ch`` drawn white on black at GLYPH_PX, cropped to its ink."""
    face = ImageFont.truetype(font[0], GLYPH_PX, index=font[1])
    left, top, right, bottom = face.getbbox(ch)
    canvas = Image.new("L", (max(1, int(right - left)), max(1, int(bottom - top))), 0)
    ImageDraw.Draw(canvas).text((-left, -top), ch, font=face, fill=255)
    return np.asarray(canvas, dtype=np.uint8)


def _jitter_colour(
    rgb: tuple[int, int, int], rng: np.random.Generator, spread: float
) -> np.ndarray:
    return np.clip(np.array(rgb, np.float32) + rng.normal(0, spread, 3), 0, 255)


def render(text: str, style_name: str, fonts: Fonts, rng: np.random.Generator) -> np.ndarray:
    """``text`` on a plate of ``style_name``, RGB float32, front-on, layout jittered."""
    height = 72  # plates are at most about this high in a 720p gate frame
    n = len(text)
    width = int(height * (480 if n == 8 else 440) / 140 * rng.uniform(0.93, 1.07))
    style = STYLES[style_name]
    top = _jitter_colour(style.top, rng, 12)
    bottom = _jitter_colour(style.bottom, rng, 12)
    ink = _jitter_colour(style.text, rng, 10)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    plate = np.repeat(top * (1 - ramp) + bottom * ramp, width, axis=1)
    border = int(rng.integers(1, 4))
    if rng.random() < 0.85:
        cv2.rectangle(
            plate,
            (border, border),
            (width - border - 1, height - border - 1),
            ink.tolist(),
            int(rng.integers(1, 3)),
        )
    cjk = fonts.cjk[int(rng.integers(len(fonts.cjk)))]
    alnum = fonts.alnum[int(rng.integers(len(fonts.alnum)))]
    margin = border * rng.uniform(2.5, 5.5)
    gap = width * rng.uniform(0.03, 0.07)
    slot = (width - 2 * margin - gap) / n
    glyph_w = int(slot * rng.uniform(0.72, 0.9))
    glyph_h = int(height * rng.uniform(0.56, 0.72))
    y_off = (height - glyph_h) / 2 + rng.normal(0, 1)
    stroke = int(rng.choice([-1, 0, 0, 0, 1, 2]))
    kernels = {n: np.ones((2 * n + 1, 2 * n + 1), np.uint8) for n in (1, 2)}
    x = float(margin)
    for i, ch in enumerate(text):
        if i == 2:
            if rng.random() < 0.8:
                r = height * rng.uniform(0.025, 0.045)
                cv2.circle(plate, (int(x + gap / 2), height // 2), max(1, int(r)), ink.tolist(), -1)
            x += gap
        font = cjk if ch > "\u2e80" else alnum
        ink_mask = _glyph_mask(font, ch)
        if stroke:  # heavier or lighter strokes than the face has: faces never seen
            ink_mask = (cv2.dilate if stroke > 0 else cv2.erode)(ink_mask, kernels[abs(stroke)])
        # Narrow glyphs (the 1) keep their own width on real plates, not the slot's.
        natural_w = int(ink_mask.shape[1] / ink_mask.shape[0] * glyph_h)
        w = max(2, natural_w) if natural_w < glyph_w * 0.6 and rng.random() < 0.6 else glyph_w
        mask = cv2.resize(ink_mask, (w, glyph_h), interpolation=cv2.INTER_AREA)
        x0 = int(x + (slot - w) / 2 + rng.normal(0, 0.8))
        y0 = int(np.clip(y_off, 0, height - glyph_h))
        x0 = int(np.clip(x0, 0, width - w))
        alpha = (mask.astype(np.float32) / 255.0)[..., None]
        region = plate[y0 : y0 + glyph_h, x0 : x0 + w]
        plate[y0 : y0 + glyph_h, x0 : x0 + w] = region * (1 - alpha) + ink * alpha
        x += slot
    return plate


def _quad(rng: np.random.Generator, width: float, aspect: float, centre: np.ndarray) -> np.ndarray:
    """Plate corners at a random yaw, pitch and roll around ``centre``."""
    yaw = rng.uniform(-0.7, 0.7) if rng.random() < 0.45 else rng.uniform(-0.15, 0.15)
    roll = np.deg2rad(rng.uniform(-14, 14) if rng.random() < 0.45 else rng.uniform(-4, 4))
    half_w, half_h = width / 2, width / aspect / 2
    shrink = 1.0 - abs(yaw) * rng.uniform(0.35, 0.6)
    taper = yaw * rng.uniform(0.25, 0.5)
    pitch = rng.uniform(-0.15, 0.15)
    pts = np.array(
        [
            [-half_w * shrink * (1 - pitch), -half_h * (1 + taper)],
            [half_w * shrink * (1 - pitch), -half_h * (1 - taper)],
            [half_w * shrink * (1 + pitch), half_h * (1 - taper)],
            [-half_w * shrink * (1 + pitch), half_h * (1 + taper)],
        ],
        dtype=np.float32,
    )
    cos_r, sin_r = np.cos(roll), np.sin(roll)
    rot = np.array([[cos_r, -sin_r], [sin_r, cos_r]], dtype=np.float32)
    quad: np.ndarray = (pts @ rot.T + centre).astype(np.float32)
    return quad


def _scene(plate_rgb: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The plate pasted on a vehicle-coloured patch of frame; (BGR float32 patch, quad)."""
    aspect = plate_rgb.shape[1] / plate_rgb.shape[0]
    plate_w = rng.uniform(70, 230)
    size = int(plate_w * 1.5)
    body = rng.uniform(0, 255, 3).astype(np.float32)
    patch = np.empty((size, size, 3), np.float32)
    cv2.randn(patch, body.astype(np.float64), np.full(3, rng.uniform(2, 10)))
    if rng.random() < 0.5:  # bumper edge, lamps, text-like clutter near the plate
        y = int(size * rng.uniform(0.15, 0.35))
        cv2.rectangle(
            patch, (0, y), (size, y + int(size * 0.05)), rng.uniform(0, 255, 3).tolist(), -1
        )
    quad = _quad(rng, plate_w, aspect, np.array([size / 2, size / 2], np.float32))
    shrink = min(1.0, plate_w / plate_rgb.shape[1])
    small = cv2.resize(
        plate_rgb,
        (max(8, round(plate_rgb.shape[1] * shrink)), max(4, round(plate_rgb.shape[0] * shrink))),
        interpolation=cv2.INTER_AREA,
    )
    h, w = small.shape[:2]
    src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, quad)
    warped = cv2.warpPerspective(small[..., ::-1], matrix, (size, size), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (size, size))[..., None]
    return patch * (1 - mask) + warped * mask, quad


def _noise(shape: tuple[int, ...], sigma: float) -> np.ndarray:
    noise = np.empty(shape, np.float32)
    cv2.randn(noise, np.zeros(1), np.full(1, sigma))
    return noise


def _degrade(patch: np.ndarray, quad: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = patch
    plate_w = float(np.linalg.norm(quad[1] - quad[0]))
    if rng.random() < 0.2:  # glare
        centre = quad.mean(axis=0) + rng.uniform(-0.4, 0.4, 2) * plate_w
        yy, xx = np.ogrid[0 : out.shape[0], 0 : out.shape[1]]
        radius = plate_w * rng.uniform(0.2, 0.6)
        spot = np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * radius**2))
        spot = spot.astype(np.float32)
        out = out + spot[..., None] * rng.uniform(60, 170)
    if rng.random() < 0.3:  # night: dark scene, plate lamp, sensor noise
        lit = np.zeros(out.shape[:2], np.float32)
        cv2.fillConvexPoly(lit, quad.astype(np.int32), 1.0)
        gain = rng.uniform(0.18, 0.45) + lit * rng.uniform(0.1, 0.4)
        out = out * gain[..., None] + _noise(out.shape, rng.uniform(4, 11))
    if rng.random() < 0.2:  # rain streaks
        for _ in range(int(rng.integers(5, 40))):
            x, y = int(rng.integers(0, out.shape[1])), int(rng.integers(0, out.shape[0]))
            shade = float(rng.uniform(150, 230))
            cv2.line(
                out,
                (x, y),
                (x + int(rng.integers(1, 6)), y + int(rng.integers(12, 30))),
                (shade, shade, shade),
                1,
            )
    if rng.random() < 0.35:  # motion and focus blur, in proportion to the plate
        size = max(3, int(plate_w * rng.uniform(0.02, 0.055)) | 1)
        kernel = np.zeros((size, size), np.float32)
        kernel[size // 2, :] = 1.0 / size
        out = cv2.filter2D(out, -1, kernel)
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.4))
    elif rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.0))
    out = out * rng.uniform(0.75, 1.25) + rng.uniform(-25, 25)
    out = out + _noise(out.shape, rng.uniform(1, 6))
    frame: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        quality = int(rng.integers(35, 90))
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        decoded = cv2.imdecode(data, cv2.IMREAD_COLOR) if ok else None
        if decoded is not None:
            frame = decoded
    return frame


def _outline_crop(frame: np.ndarray, quad: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rectified from a plate outline found a little off, as the reader rectifies it."""
    w = float(np.linalg.norm(quad[1] - quad[0]))
    h = float(np.linalg.norm(quad[3] - quad[0]))
    jitter = rng.normal(0, 1, (4, 2)).astype(np.float32) * np.array(
        [w * 0.02, h * 0.06], np.float32
    )
    return warp_plate(frame, quad + jitter, aspect=PLATE_ASPECT)


def _box_crop(frame: np.ndarray, quad: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Straightened from a rotated rectangle round the text, as the detector gives it."""
    (cx, cy), (rw, rh), angle = cv2.minAreaRect(quad)
    if rw < rh:
        rw, rh, angle = rh, rw, angle + 90
    box = ((cx, cy), (rw * rng.uniform(0.85, 1.1), rh * rng.uniform(0.7, 1.15)), angle)
    return crop_quad(frame, order_corners(cv2.boxPoints(box)))


def sample(fonts: Fonts, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One recogniser input (uint8, INPUT_HW, BGR) and its plate text."""
    spec = random_plate(rng)
    plate = render(spec.text, spec.style, fonts, rng)
    frame, quad = _scene(plate, rng)
    frame = _degrade(frame, quad, rng)
    crop = _outline_crop(frame, quad, rng) if rng.random() < 0.7 else _box_crop(frame, quad, rng)
    return to_input(crop), spec.text


def batch(seed: int, count: int, fonts: Fonts) -> tuple[np.ndarray, list[str]]:
    """``count`` samples from ``seed``: (count, H, W, 3) uint8 and their texts."""
    rng = np.random.default_rng(seed)
    cv2.setRNGSeed(seed)  # cv2.randn draws the pixel noise
    images = np.empty((count, *INPUT_HW, 3), np.uint8)
    texts = []
    for i in range(count):
        images[i], text = sample(fonts, rng)
        texts.append(text)
    return images, texts
