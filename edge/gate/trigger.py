"""A virtual loop (视频虚拟线圈): vehicle arrival and departure from lane video.

Gates without a ground loop trigger on the picture: a small grey view of
the lane zone is compared with a background of the empty lane. The share
of changed pixels rising above ``enter_fraction`` is an arrival; staying
below ``exit_fraction`` for ``clear_frames`` frames is a departure. The
background learns only while the lane is clear, so a car waiting at the
barrier never sinks into it; one that stands longer than ``max_present_s``
(a parked car, a lighting change mistaken for a car) is taken as the new
empty lane and counted. The background is scaled to the frame's median
brightness first, so dusk, the IR-cut filter switching or the auto-exposure
moving does not look like a car.
"""

from __future__ import annotations

import enum
import logging

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge.camera.config import verify_normalised_xyxy

logger = logging.getLogger(__name__)

ZONE_WIDTH_PX = 96
MIN_GAIN, MAX_GAIN = 0.1, 4.0
_OPEN_KERNEL = np.ones((3, 3), np.uint8)


class TriggerConfig(BaseModel):
    """How the lane video decides that a vehicle arrived and left."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zone_xyxy: tuple[float, float, float, float] | None = Field(
        default=None,
        description="Trigger zone, normalised x0, y0, x1, y1; default the reader's lane region.",
    )
    diff_threshold: float = Field(
        default=16.0, gt=0, le=255, description="Grey difference counted as changed (daylight)."
    )
    enter_fraction: float = Field(
        default=0.05, gt=0, lt=1, description="Changed share of the zone that is an arrival."
    )
    exit_fraction: float = Field(
        default=0.02, gt=0, lt=1, description="Changed share below which the lane may be clear."
    )
    clear_frames: int = Field(
        default=3, ge=1, le=100, description="Frames below exit_fraction that make a departure."
    )
    learn_rate: float = Field(
        default=0.05, gt=0, le=1, description="Background learning rate per clear frame."
    )
    max_pass_frames: int = Field(
        default=8, ge=1, le=100, description="Most frames of one pass given to the plate reader."
    )
    max_present_s: float = Field(
        default=300.0,
        gt=0,
        description="A vehicle present longer than this becomes the empty lane (parked car).",
    )

    @model_validator(mode="after")
    def verify_fractions(self) -> TriggerConfig:
        if self.exit_fraction >= self.enter_fraction:
            raise ValueError(
                f"exit_fraction ({self.exit_fraction}) must be below enter_fraction "
                f"({self.enter_fraction}), or the trigger flickers"
            )
        if self.zone_xyxy is not None:
            verify_normalised_xyxy("zone_xyxy", self.zone_xyxy)
        return self


class Presence(enum.Enum):
    """What one frame says about the lane."""

    CLEAR = "clear"
    ARRIVED = "arrived"
    PRESENT = "present"
    LEFT = "left"


class LaneTrigger:
    """Arrival/departure from frames; ``zone_xyxy`` is the normalised zone watched."""

    def __init__(self, *, config: TriggerConfig, zone_xyxy: tuple[float, float, float, float]):
        self.config = config
        self._zone = config.zone_xyxy or zone_xyxy
        self._background: npt.NDArray[np.float32] | None = None
        self._present = False
        self._present_since = 0.0
        self._quiet = 0
        self.changed_fraction = 0.0
        self.counts = {"arrivals": 0, "reseeds": 0}

    @property
    def present(self) -> bool:
        """True while a vehicle is in the zone."""
        return self._present

    @property
    def quiet(self) -> bool:
        """True when the last frame looked like the empty lane (a vehicle may be leaving)."""
        return self.changed_fraction < self.config.exit_fraction

    def _view(self, image: np.ndarray) -> npt.NDArray[np.float32]:
        height, width = image.shape[:2]
        x0, y0, x1, y1 = self._zone
        zone = image[int(y0 * height) : int(y1 * height), int(x0 * width) : int(x1 * width)]
        out_h = max(1, round(ZONE_WIDTH_PX * zone.shape[0] / max(zone.shape[1], 1)))
        small = cv2.resize(zone, (ZONE_WIDTH_PX, out_h), interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return np.asarray(grey, dtype=np.float32)

    def update(self, t: float, image: np.ndarray) -> Presence:
        """Take the frame captured at ``t`` (seconds, any clock) and say what it showed."""
        view = self._view(image)
        if self._background is None or self._background.shape != view.shape:
            self._background = view
            return Presence.CLEAR
        # The empty lane under the current exposure: an IR-cut switch or dusk
        # scales the whole picture, and the threshold scales with it.
        gain = float(np.median(view)) / max(float(np.median(self._background)), 1.0)
        gain = min(max(gain, MIN_GAIN), MAX_GAIN)
        diff = np.abs(view - gain * self._background)
        changed = (diff > self.config.diff_threshold * gain).astype(np.uint8)
        # Opening keeps solid regions (a vehicle) and drops thin ones: rain streaks, noise.
        solid = cv2.morphologyEx(changed, cv2.MORPH_OPEN, _OPEN_KERNEL)
        self.changed_fraction = float(np.mean(solid))
        if not self._present:
            if self.changed_fraction >= self.config.enter_fraction:
                self._present, self._present_since, self._quiet = True, t, 0
                self.counts["arrivals"] += 1
                return Presence.ARRIVED
            cv2.accumulateWeighted(view, self._background, self.config.learn_rate)
            return Presence.CLEAR
        self._quiet = self._quiet + 1 if self.changed_fraction < self.config.exit_fraction else 0
        if self._quiet >= self.config.clear_frames:
            self._present = False
            return Presence.LEFT
        if t - self._present_since > self.config.max_present_s:
            logger.warning(
                "lane zone changed for over %.0fs; taking it as the empty lane",
                self.config.max_present_s,
            )
            self._background, self._present = view, False
            self.counts["reseeds"] += 1
            return Presence.LEFT
        return Presence.PRESENT
