"""Motion on the downscaled grey view: running-average background and small blobs.

Background subtraction (rather than differencing consecutive frames) sees a
thrown object from its first frame, while it still moves slowly near the
window, and gives one blob per object instead of an old/new pair. The
threshold follows the measured noise so night IR noise does not flood the
mask; a frame where a large share of pixels changes at once (camera shake,
IR switching, lights) is reported as a global change and re-seeds the model.

Before that, every frame is corrected for the camera's gain: automatic gain
control (and an IR camera's above all, at night) scales the whole picture
up or down by several per cent from one frame to the next. Uncorrected,
such frames looked like global changes and ended every track, a falling
object's too: 0.8 times a second in simulated night footage (0 since).
The gain is the median ratio of frame to background over a sparse grid of
pixels, which a thrown object, a lit window or a bird barely moves; a
shaken view is still a global change, since shifting does not scale.

When the noise is high (night IR gain), the grey view is smoothed with a
3x3 Gaussian before anything else: that divides white noise by about 2.7
while a blob of a few pixels keeps most of its contrast, so the threshold
drops below the contrast of dark objects on a dark façade. The switch has
hysteresis and re-seeds the background, which must be learnt in the same
domain as the frames compared with it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.falling.images import u8

logger = logging.getLogger(__name__)

Grey = npt.NDArray[np.uint8]
NOISE_EVERY_FRAMES = 12
# The gain is measured on a grid of about GAIN_SAMPLE pixels, those whose
# background is at least GAIN_MIN_GREY (ratios of near-black pixels are
# noise; fewer than GAIN_MIN_PIXELS of them: no measurement), and corrected
# when it is off by more than GAIN_TOLERANCE, three to eight times the
# median's standard error on a night view (raw or smoothed).
GAIN_SAMPLE = 2000
GAIN_MIN_GREY = 16.0
GAIN_MIN_PIXELS = 200
GAIN_TOLERANCE = 0.02
# Share of white noise left by the 3x3 Gaussian (weights 1-2-1 / 4 per axis).
SMOOTH_NOISE_FACTOR = 0.375


@dataclass(frozen=True)
class Blobs:
    """Small moving blobs of one frame as parallel arrays (analysis-view pixels)."""

    xy: npt.NDArray[np.float64]
    area: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        if self.xy.ndim != 2 or self.xy.shape[1] != 2:
            raise ValueError(f"expected xy of shape (N, 2), got {self.xy.shape}")
        if self.area.shape != (self.xy.shape[0],):
            raise ValueError(f"expected area of shape ({self.xy.shape[0]},), got {self.area.shape}")

    def __len__(self) -> int:
        return int(self.xy.shape[0])

    @classmethod
    def empty(cls) -> Blobs:
        return cls(xy=np.zeros((0, 2)), area=np.zeros(0))


@dataclass(frozen=True)
class MotionResult:
    """What one frame showed: blobs, changed share, and whether it was a global change."""

    blobs: Blobs
    changed_fraction: float
    global_change: bool


class MotionModel:
    """Running-average background with a noise-following threshold.

    ``alpha`` is the background learning rate per frame; ``min_threshold`` the
    lowest grey difference counted as motion; ``noise_k`` multiplies the
    measured noise level; blobs larger than ``max_area_px`` are dropped (laundry,
    lit windows, insects on the lens are large); at most ``max_blobs`` are kept.
    Smoothing starts when the raw noise sigma passes ``smooth_on_sigma`` and
    stops when it falls below ``smooth_off_sigma`` (None: never smooth).
    """

    def __init__(
        self,
        *,
        alpha: float = 0.06,
        min_threshold: float = 14.0,
        noise_k: float = 4.5,
        max_area_px: int = 300,
        max_blobs: int = 48,
        global_fraction: float = 0.04,
        smooth_on_sigma: float | None = 6.0,
        smooth_off_sigma: float = 4.0,
    ) -> None:
        self._alpha = alpha
        self._min_threshold = min_threshold
        self._noise_k = noise_k
        self._max_area = max_area_px
        self._max_blobs = max_blobs
        self._global_fraction = global_fraction
        self._background: npt.NDArray[np.float32] | None = None
        self._threshold = min_threshold
        self._frames = 0
        self._smooth_on = smooth_on_sigma
        self._smooth_off = smooth_off_sigma
        self._smoothing = False
        self._raw_sigma = 0.0
        # The last frame's brightness relative to the background (see _gain).
        self.gain = 1.0

    @property
    def threshold(self) -> float:
        """Current grey-level threshold."""
        return self._threshold

    @property
    def smoothing(self) -> bool:
        """Whether frames are smoothed before comparison (high noise)."""
        return self._smoothing

    def update(self, grey: Grey) -> MotionResult:
        """Compare ``grey`` with the background, then learn it."""
        if self._smoothing:
            grey = u8(cv2.GaussianBlur(grey, (3, 3), 0))
        if self._background is None or self._background.shape != grey.shape:
            self._background = grey.astype(np.float32)
            return MotionResult(Blobs.empty(), 0.0, global_change=False)
        self.gain = self._gain(grey)
        if abs(self.gain - 1.0) > GAIN_TOLERANCE:
            grey = u8(cv2.convertScaleAbs(grey, alpha=1.0 / self.gain))
        diff = u8(cv2.absdiff(grey, cv2.convertScaleAbs(self._background)))
        if self._frames % NOISE_EVERY_FRAMES == 0:
            self._refresh_threshold(diff)
            if self._switch_smoothing():
                # The next frame re-seeds the background in the new domain.
                self._background = None
                self._frames = 0
                return MotionResult(Blobs.empty(), 0.0, global_change=False)
        self._frames += 1
        _, mask = cv2.threshold(diff, self._threshold, 255, cv2.THRESH_BINARY)
        changed = cv2.countNonZero(mask)
        fraction = changed / mask.size
        if fraction > self._global_fraction:
            self._background = grey.astype(np.float32)
            # The noise is measured again on the next frame: when the threshold
            # was too low for it (a camera starting up at night), every frame
            # would otherwise be a global change until the next measurement.
            self._frames = 0
            return MotionResult(Blobs.empty(), fraction, global_change=True)
        if changed == 0:
            cv2.accumulateWeighted(grey, self._background, self._alpha)
            return MotionResult(Blobs.empty(), 0.0, global_change=False)
        # Foreground is learnt ten times slower: a thrown object that hangs a few
        # frames by the window must not sink into the background and leave a
        # ghost there that keeps its track when it starts to fall.
        cv2.accumulateWeighted(grey, self._background, self._alpha, mask=cv2.bitwise_not(mask))
        cv2.accumulateWeighted(grey, self._background, self._alpha * 0.1, mask=mask)
        return MotionResult(self._blobs(u8(mask)), fraction, global_change=False)

    def _gain(self, grey: Grey) -> float:
        """The frame's brightness relative to the background (1.0: unchanged)."""
        assert self._background is not None
        step = max(1, math.isqrt(grey.size // GAIN_SAMPLE))
        background = self._background[::step, ::step]
        lit = background >= GAIN_MIN_GREY
        if np.count_nonzero(lit) < GAIN_MIN_PIXELS:
            return 1.0
        return float(np.median(grey[::step, ::step][lit] / background[lit]))

    def _refresh_threshold(self, diff: Grey) -> None:
        # The median absolute difference is robust to the few moving pixels;
        # x1.48 turns it into a Gaussian sigma.
        sample = diff[::7, ::7]
        sigma = 1.48 * float(np.median(sample))
        self._raw_sigma = sigma / SMOOTH_NOISE_FACTOR if self._smoothing else sigma
        self._threshold = max(self._min_threshold, self._noise_k * sigma)

    def _switch_smoothing(self) -> bool:
        if self._smooth_on is None:
            return False
        wanted = self._raw_sigma > (self._smooth_off if self._smoothing else self._smooth_on)
        if wanted == self._smoothing:
            return False
        self._smoothing = wanted
        return True

    def _blobs(self, mask: Grey) -> Blobs:
        # Only the box around the changed pixels is labelled, rounded out to
        # even sides: Grana's block-based labelling, named explicitly, takes a
        # slow path on odd sides, and the default algorithm (with statistics
        # and 32-bit labels) costs three times as much.
        x, y, w, h = cv2.boundingRect(mask)
        x, y = x - x % 2, y - y % 2
        w, h = min(w + w % 2 + 2, mask.shape[1] - x), min(h + h % 2 + 2, mask.shape[0] - y)
        _, _, stats, centroids = cv2.connectedComponentsWithStatsWithAlgorithm(
            mask[y : y + h, x : x + w], 8, cv2.CV_32S, cv2.CCL_GRANA
        )
        area = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
        xy = centroids[1:].astype(np.float64) + np.array([x, y])
        keep = area <= self._max_area
        xy, area = xy[keep], area[keep]
        if len(area) > self._max_blobs:
            order = np.argsort(-area)[: self._max_blobs]
            xy, area = xy[order], area[order]
        return Blobs(xy=xy, area=area)
