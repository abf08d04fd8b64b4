"""View check (视频质量诊断): is the camera still seeing what it was set up on?

A camera that has been knocked askew, covered or whose stream has frozen
keeps delivering frames, and analysis on them finds nothing, or (on a
façade camera) reports the wrong floor from calibration lines that no
longer sit on the slabs. Nothing errors. Every ``every_s`` seconds this
check compares a small grey copy of the frame with a reference view:

* ``no_signal``: no frame at all for ``no_signal_s`` (the source keeps
  reconnecting; this says so to the people on duty).
* ``frozen``: the sampled frames are identical for ``frozen_s``. A live
  sensor never gives two equal pictures; a stuck encoder repeats one.
* ``blocked``: half or more of the reference's textured area has gone flat
  (a bag, cloth or paint over the lens, a sign hung in front of it).
* ``moved``: the view is shifted or turned against the reference by more
  than the tolerance (phase correlation of log-gradient images, which
  day/night and backlight leave in place, over the frame and each half),
  or no longer matches it at all.

Log-gradients are used because lighting multiplies the picture: the log
turns that into an offset the gradient ignores, so a night (IR) frame still
matches a daytime reference. A fault is raised only after it has been seen
at every check for ``hold_s``, and cleared after ``hold_s`` without it, so
a camera shake, a bird on the lens or a bus's headlights page nobody.

Blur (a defocused or dirty lens) is not diagnosed: by day it shows clearly,
but at night sensor noise restores the fine detail blur removes, and a
check that works only by day would be trusted at night too.

Written here on OpenCV's phase correlation: camera tamper detection in
VMS products is closed, and no maintained Python library compares a view
with the one a calibration was drawn on.
"""

from __future__ import annotations

import enum
import functools
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from edge.camera.errors import ViewReferenceError
from edge.sink import EventSink
from protocol.models import Event, EvidenceRef

logger = logging.getLogger(__name__)

SAMPLE_WIDTH = 320
# Texture is compared in a grid of cells; a cell is "textured" in the
# reference when it is at least as busy as the reference's median cell.
GRID_WH = (8, 6)
# A textured cell has gone flat below this share of its reference texture.
FLAT_SHARE = 0.3
# Phase-correlation response under which the view no longer matches at all.
# A healthy view scores 0.6-1.0 against a reference of the same lighting, but
# a night (IR) view against a daytime reference can score as little as 0.2 on
# the simulated façades, no better than a view of another building (up to
# 0.26). So a turned camera is found by its shift, which stays accurate at
# night (within 4 px of 960) and comes out large from a chance peak, or by
# halves of the frame that disagree with the whole; only a response near
# zero (a view with nothing in common) counts by itself.
MATCH_MIN = 0.1
# A reference with less texture than this (mean log-gradient) is no view.
TEXTURE_MIN = 0.02

Grey = npt.NDArray[np.uint8]
# A frame as the camera gives it: BGR (H, W, 3) or grey (H, W).
Picture = npt.NDArray[np.uint8]
FloatImage = npt.NDArray[np.float32]


class ViewFault(enum.StrEnum):
    """What can be wrong with a camera's view."""

    NO_SIGNAL = "no_signal"
    FROZEN = "frozen"
    BLOCKED = "blocked"
    MOVED = "moved"


# Faults judged by comparing the picture with the reference, and the stream's
# own faults, which need no reference.
PICTURE_CHECKS = frozenset({ViewFault.BLOCKED, ViewFault.MOVED})
STREAM_CHECKS = frozenset({ViewFault.NO_SIGNAL, ViewFault.FROZEN})


class ViewCheckConfig(BaseModel):
    """Settings of one camera's view check."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="Check the view at all.")
    every_s: float = Field(default=2.0, ge=0.2, le=60.0, description="Seconds between checks.")
    hold_s: float = Field(
        default=30.0,
        ge=0.0,
        le=3600.0,
        description="A fault is raised after this long seen, and cleared after as long unseen.",
    )
    no_signal_s: float = Field(
        default=20.0, gt=0.0, le=3600.0, description="No frame for this long is a lost signal."
    )
    frozen_s: float = Field(
        default=60.0, gt=0.0, le=3600.0, description="Identical frames for this long are frozen."
    )
    blocked_share: float = Field(
        default=0.5,
        gt=0.0,
        le=1.0,
        description="Share of the reference's textured cells gone flat that means blocked.",
    )
    moved_px: float | None = Field(
        default=None,
        gt=0.0,
        description=(
            "Shift (full-frame px) that means moved; None: half the tightest storey of"
            " the camera's calibration."
        ),
    )
    reference: Path | None = Field(
        default=None,
        description=(
            "Image of the intended view (the snapshot the calibration was drawn on);"
            " None adopts the first view after start."
        ),
    )
    checks: frozenset[ViewFault] = Field(
        default=frozenset(ViewFault),
        min_length=1,
        description=(
            "Faults judged (no_signal, frozen, blocked, moved); the others are never raised."
        ),
    )


@dataclass(frozen=True)
class ViewSample:
    """What one check measured; None where it could not be measured.

    ``unknown`` are the faults this check could not judge (the view of a
    covered lens says nothing about where the camera points): their state
    is left as it was.
    """

    at: float
    faults: frozenset[ViewFault]
    unknown: frozenset[ViewFault] = frozenset()
    shift_px: tuple[float, float] | None = None
    tilt_deg: float | None = None
    match: float | None = None
    flat_share: float | None = None

    def measured(self) -> dict[str, Any]:
        """What this check could measure, by name (for events and reports)."""
        values = {
            "shift_px": None if self.shift_px is None else list(self.shift_px),
            "tilt_deg": self.tilt_deg,
            "match": self.match,
            "flat_share": None if self.flat_share is None else round(self.flat_share, 2),
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class ViewChange:
    """A fault raised or cleared, with the sample that decided it."""

    fault: ViewFault
    raised: bool
    since: float
    sample: ViewSample


@dataclass
class _Reference:
    log_gradient: FloatImage
    cells: npt.NDArray[np.float32]
    textured: npt.NDArray[np.bool_]


def log_gradient(grey: Grey) -> FloatImage:
    """Gradient magnitude of the log picture: lighting (a factor) drops out."""
    smooth = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 1.0)
    logged = np.log(smooth + 8.0)
    gx = cv2.Sobel(logged, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(logged, cv2.CV_32F, 0, 1)
    return np.asarray(cv2.magnitude(gx, gy), dtype=np.float32)


def sample_grey(frame: npt.NDArray[np.uint8]) -> Grey:
    """A SAMPLE_WIDTH-wide grey copy of a BGR or grey frame."""
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    height = max(1, round(grey.shape[0] * SAMPLE_WIDTH / grey.shape[1]))
    return np.asarray(
        cv2.resize(grey, (SAMPLE_WIDTH, height), interpolation=cv2.INTER_AREA), dtype=np.uint8
    )


def load_reference(path: Path, frame_wh: tuple[int, int]) -> Picture:
    """The reference picture at ``path`` (BGR, as stored).

    Raises ViewReferenceError unless it is a readable image of the camera's
    aspect (ViewCheck refuses one without texture).
    """
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ViewReferenceError(str(path), "missing or not an image OpenCV can read")
    height, width = image.shape[:2]
    if abs(width / height - frame_wh[0] / frame_wh[1]) > 0.01:
        raise ViewReferenceError(
            str(path), f"is {width}x{height}; the camera is {frame_wh[0]}x{frame_wh[1]}"
        )
    return np.asarray(image, dtype=np.uint8)


@dataclass
class _Timer:
    """When a fault was first seen (``seen``) and last seen (``last``) in the current run."""

    seen: float | None = None
    last: float | None = None
    raised: bool = False


@dataclass
class ViewCheck:
    """Checks one camera's view; feed it every frame (``frame``) and every empty wait (``idle``).

    ``frame_wh`` is the full frame size and ``moved_px`` the shift (full-frame
    px) that counts as moved; both are needed only to judge ``blocked`` or
    ``moved``, a check of the stream alone (``no_signal``, ``frozen``) works
    on any picture. ``reference`` is the intended view (any size of the
    camera's aspect); without one the first textured frame is adopted, and
    kept here. ``changes`` returned by ``frame``/``idle`` are the faults
    raised or cleared by that call.
    """

    config: ViewCheckConfig
    frame_wh: tuple[int, int] | None = None
    moved_px: float | None = None
    reference: Picture | None = None
    last: ViewSample | None = None
    _ref: _Reference | None = field(default=None, init=False, repr=False)
    _last_frame_at: float | None = field(default=None, init=False, repr=False)
    _next_check: float = field(default=float("-inf"), init=False, repr=False)
    _previous: Grey | None = field(default=None, init=False, repr=False)
    _frozen_since: float | None = field(default=None, init=False, repr=False)
    _timers: dict[ViewFault, _Timer] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._timers = {fault: _Timer() for fault in ViewFault}
        if self.config.checks & PICTURE_CHECKS and (self.frame_wh is None or self.moved_px is None):
            raise ValueError("judging blocked or moved needs the frame size and moved_px")
        if self.reference is not None:
            self._ref = self._reference_of(sample_grey(self.reference))
            if self._ref is None:
                raise ValueError("has no texture to compare with (a blank image?)")

    @property
    def active(self) -> frozenset[ViewFault]:
        """Faults raised and not yet cleared."""
        return frozenset(f for f, timer in self._timers.items() if timer.raised)

    @property
    def looks_moved(self) -> bool:
        """The last check saw the view moved, or a move is raised and not cleared.

        From the first such check on, anything drawn on the calibrated view
        (privacy masks, floor lines) may be off, before the fault is held and raised.
        """
        seen = self.last is not None and ViewFault.MOVED in self.last.faults
        return seen or self._timers[ViewFault.MOVED].raised

    def frame(self, at: float, frame: Picture) -> list[ViewChange]:
        """A frame arrived at ``at`` (seconds, any monotonic clock)."""
        self._last_frame_at = at
        if not self.config.enabled or at < self._next_check:
            return []
        self._next_check = at + self.config.every_s
        sample = self._measure(at, sample_grey(frame))
        if self.reference is None and self._ref is not None:
            self.reference = frame.copy()
        return self._update(sample)

    def idle(self, at: float) -> list[ViewChange]:
        """No frame came; call this whenever the wait for one times out."""
        if self._last_frame_at is None:
            # A camera that has not sent a frame since start-up is silent from then.
            self._last_frame_at = at
        if not self.config.enabled or at < self._next_check:
            return []
        self._next_check = at + self.config.every_s
        if at - self._last_frame_at < self.config.no_signal_s:
            return []
        lost = frozenset({ViewFault.NO_SIGNAL})
        return self._update(ViewSample(at=at, faults=lost, unknown=frozenset(ViewFault) - lost))

    def _measure(self, at: float, grey: Grey) -> ViewSample:
        faults: set[ViewFault] = set()
        previous, self._previous = self._previous, grey
        if previous is not None and previous.shape == grey.shape and np.array_equal(previous, grey):
            self._frozen_since = self._frozen_since if self._frozen_since is not None else at
            if at - self._frozen_since >= self.config.frozen_s:
                faults.add(ViewFault.FROZEN)
        else:
            self._frozen_since = None
        stream_only = not self.config.checks & PICTURE_CHECKS
        if stream_only or self.frame_wh is None or self.moved_px is None:
            # A check of the stream alone (geometry is required for the others).
            return ViewSample(at=at, faults=frozenset(faults), unknown=PICTURE_CHECKS)
        if self._ref is None:
            self._ref = self._reference_of(grey)
            if self._ref is not None:
                logger.info("view check: adopted the current view as the reference")
            unknown = frozenset({ViewFault.BLOCKED, ViewFault.MOVED})
            return ViewSample(at=at, faults=frozenset(faults), unknown=unknown)
        ref = self._ref
        if grey.shape != ref.log_gradient.shape:
            # Another aspect ratio: the stream's format changed under the calibration.
            faults.add(ViewFault.MOVED)
            unknown = frozenset({ViewFault.BLOCKED})
            return ViewSample(at=at, faults=frozenset(faults), unknown=unknown, match=0.0)
        current = log_gradient(grey)
        cells = _cells(current)
        flat = float(np.mean(cells[ref.textured] < FLAT_SHARE * ref.cells[ref.textured]))
        if flat >= self.config.blocked_share:
            faults.add(ViewFault.BLOCKED)
            unknown = frozenset({ViewFault.MOVED})
            return ViewSample(at=at, faults=frozenset(faults), unknown=unknown, flat_share=flat)
        (dx, dy), response = _correlate(ref.log_gradient, current)
        scale = self.frame_wh[0] / SAMPLE_WIDTH
        # A camera knocked askew also turns: the left and right halves then shift
        # apart, and the frame's edges twice as far as the halves' centres.
        half = current.shape[1] // 2
        (dx_left, dy_left), left = _correlate(ref.log_gradient[:, :half], current[:, :half])
        (dx_right, dy_right), right = _correlate(ref.log_gradient[:, half:], current[:, half:])
        halves = min(left, right) >= MATCH_MIN
        spread = dy_right - dy_left if halves else 0.0
        # A view of something else can still peak near zero shift by chance; its
        # halves then peak elsewhere, where a real view's halves agree with it.
        disagree = (
            max(np.hypot(dx_left - dx, dy_left - dy), np.hypot(dx_right - dx, dy_right - dy))
            if halves
            else 0.0
        )
        shift = (round(dx * scale, 1), round(dy * scale, 1))
        tilt = float(np.degrees(np.arctan2(spread, half)))
        worst = float(np.hypot(dx, abs(dy) + abs(spread))) * scale
        if response < MATCH_MIN or max(worst, float(disagree) * scale) > self.moved_px:
            faults.add(ViewFault.MOVED)
        return ViewSample(
            at=at,
            faults=frozenset(faults),
            shift_px=shift,
            tilt_deg=round(tilt, 2),
            match=round(float(response), 3),
            flat_share=flat,
        )

    def _reference_of(self, grey: Grey) -> _Reference | None:
        gradient = log_gradient(grey)
        if float(gradient.mean()) < TEXTURE_MIN:
            return None
        cells = _cells(gradient)
        return _Reference(gradient, cells, cells >= np.median(cells))

    def _update(self, sample: ViewSample) -> list[ViewChange]:
        self.last = sample
        changes = []
        hold = self.config.hold_s
        for fault, timer in self._timers.items():
            if fault in sample.unknown or fault not in self.config.checks:
                continue
            if fault in sample.faults:
                timer.seen = timer.seen if timer.seen is not None else sample.at
                timer.last = sample.at
                if not timer.raised and sample.at - timer.seen >= hold:
                    timer.raised = True
                    changes.append(ViewChange(fault, True, timer.seen, sample))
            elif timer.raised and timer.last is not None and sample.at - timer.last >= hold:
                timer.raised = False
                changes.append(ViewChange(fault, False, timer.last, sample))
                timer.seen = timer.last = None
            elif not timer.raised:
                timer.seen = timer.last = None
        return changes


def _correlate(reference: FloatImage, current: FloatImage) -> tuple[tuple[float, float], float]:
    # phaseCorrelate applies the window to its inputs in place: give it copies,
    # or the reference fades a little more at every check.
    window = _hanning(current.shape[1], current.shape[0])
    (dx, dy), response = cv2.phaseCorrelate(reference.copy(), current.copy(), window)
    return (float(dx), float(dy)), float(response)


@functools.cache
def _hanning(width: int, height: int) -> FloatImage:
    # The same three sizes at every check (the frame and its halves); left unchanged by use.
    return np.asarray(cv2.createHanningWindow((width, height), cv2.CV_32F), dtype=np.float32)


def _cells(gradient: FloatImage) -> npt.NDArray[np.float32]:
    return np.asarray(cv2.resize(gradient, GRID_WH, interpolation=cv2.INTER_AREA), np.float32)


EVENT_TYPE = "camera_fault"


def view_event(
    change: ViewChange,
    *,
    gateway_id: str,
    camera_id: str,
    wall_offset_s: float,
    moved_px: float | None = None,
    evidence: list[EvidenceRef] | None = None,
) -> Event:
    """The ``camera_fault`` event of a change: a major alarm when raised, a notice when cleared.

    ``wall_offset_s`` turns the check's monotonic times into Unix time.
    """
    sample = change.sample
    data: dict[str, Any] = {
        "fault": change.fault.value,
        "raised": change.raised,
        "since": datetime.fromtimestamp(change.since + wall_offset_s, UTC).isoformat(),
        **sample.measured(),
    }
    if sample.shift_px is not None and moved_px is not None:
        data["moved_px"] = round(moved_px, 1)
    refs = evidence or []
    if refs:
        data["evidence"] = [ref.model_dump() for ref in refs]
    at = datetime.fromtimestamp(sample.at + wall_offset_s, UTC)
    return fault_event(gateway_id=gateway_id, device_id=camera_id, at=at, data=data, evidence=refs)


def fault_event(
    *,
    gateway_id: str,
    device_id: str,
    at: datetime,
    data: dict[str, Any],
    channel: str | None = None,
    evidence: list[EvidenceRef] | None = None,
) -> Event:
    """A ``camera_fault`` event (``data`` names the fault and whether it was ``raised``).

    Raised, it is a major alarm for the people on duty; cleared, an ``info``
    notice that the hub notes on the open alert.
    """
    raised = bool(data["raised"])
    return Event(
        gateway_id=gateway_id,
        type=EVENT_TYPE,
        severity="major" if raised else "info",
        alarm=raised,
        device_id=device_id,
        channel=channel,
        observed_at=at,
        data=data,
        evidence=evidence or [],
    )


def emit_change(
    sink: EventSink,
    change: ViewChange,
    *,
    gateway_id: str,
    device_id: str,
    moved_px: float | None = None,
    evidence: list[EvidenceRef] | None = None,
) -> None:
    """Emit a camera's fault raised or cleared (``view_event``, times from now) and log it."""
    event = view_event(
        change,
        gateway_id=gateway_id,
        camera_id=device_id,
        wall_offset_s=time.time() - time.monotonic(),
        moved_px=moved_px,
        evidence=evidence,
    )
    sink.emit_event(event)
    log = logger.warning if change.raised else logger.info
    log("camera %s: %s %s", device_id, change.fault, "raised" if change.raised else "cleared")
