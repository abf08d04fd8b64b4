"""Per-camera calibration of a façade camera: where the building, floors and windows are.

All coordinates are pixels of the camera's full frame (``frame_wh``); the
detector scales them to its analysis view. Models do no I/O and forbid
unknown keys; cross-field checks are small ``verify_*`` validators whose
messages name the field, what was expected and what came.
"""

from __future__ import annotations

import bisect
import itertools
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Point = tuple[float, float]
Polygon = Annotated[list[Point], Field(min_length=3)]


class CalibrationSection(BaseModel):
    """Base of calibration models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnLine(CalibrationSection):
    """A vertical boundary between window columns, as a line through two image points.

    Verticals converge in a camera looking up, so a boundary is a slanted line.
    """

    x_top: float = Field(description="Image x of the boundary at the façade top line.")
    x_bottom: float = Field(description="Image x of the boundary at the lowest floor line.")


class FacadeCalibration(CalibrationSection):
    """Calibration of one camera looking up one building face."""

    camera_id: str = Field(min_length=1, max_length=128, description="Camera / device id.")
    building: str = Field(min_length=1, max_length=64, description="Building label, e.g. '3'.")
    frame_wh: tuple[int, int] = Field(description="Full frame size (width, height) in pixels.")
    facade_polygon: Polygon = Field(
        description="Image polygon of the watched façade; tracks must start inside it."
    )
    floor_lines_y: list[float] = Field(
        min_length=2,
        description=(
            "Image y of each floor boundary on the façade plane, from the floor slab of "
            "`first_floor` upward to the roof line; strictly decreasing (higher floors "
            "are higher in the image)."
        ),
    )
    first_floor: int = Field(
        default=1, description="Floor number whose slab is the first entry of floor_lines_y."
    )
    floor_height_m: float = Field(
        default=3.0, gt=1.5, lt=10.0, description="Storey height in metres (slab to slab)."
    )
    column_lines: list[ColumnLine] = Field(
        default_factory=list,
        description=(
            "Optional boundaries of window columns, left to right; n lines make n-1 "
            "columns numbered from 1 at the left."
        ),
    )
    camera_distance_m: float | None = Field(
        default=None,
        gt=1.0,
        description=(
            "Horizontal distance from the camera to the façade wall; with balcony_columns it "
            "corrects the parallax of releases from balcony fronts."
        ),
    )
    camera_height_m: float = Field(
        default=0.0, description="Camera height above the slab of first_floor, in metres."
    )
    balcony_columns: list[int] = Field(
        default_factory=list,
        description="Window columns (1-based) whose openings are balconies in front of the wall.",
    )
    balcony_depth_m: float = Field(
        default=1.2, ge=0.0, lt=5.0, description="How far balcony fronts stand out of the wall."
    )
    privacy_masks: list[Polygon] = Field(
        default_factory=list,
        description="Polygons (e.g. window interiors) pixelated in every image that leaves.",
    )

    @model_validator(mode="after")
    def verify_frame(self) -> FacadeCalibration:
        width, height = self.frame_wh
        if width < 16 or height < 16:
            raise ValueError(f"frame_wh must be at least 16x16 pixels, got {width}x{height}")
        return self

    @model_validator(mode="after")
    def verify_floor_lines_ordered(self) -> FacadeCalibration:
        lines = self.floor_lines_y
        for index in range(1, len(lines)):
            if not lines[index] < lines[index - 1]:
                raise ValueError(
                    "floor_lines_y must be strictly decreasing from the lowest floor slab "
                    f"up to the roof line; entry {index} ({lines[index]}) is not above "
                    f"entry {index - 1} ({lines[index - 1]}); list them bottom to top"
                )
        return self

    @model_validator(mode="after")
    def verify_polygons_inside_frame(self) -> FacadeCalibration:
        width, height = self.frame_wh
        named = [("facade_polygon", self.facade_polygon)] + [
            (f"privacy_masks[{i}]", mask) for i, mask in enumerate(self.privacy_masks)
        ]
        for name, polygon in named:
            for x, y in polygon:
                if not (0 <= x <= width and 0 <= y <= height):
                    raise ValueError(
                        f"{name} has point ({x}, {y}) outside the frame 0..{width} x "
                        f"0..{height}; masks and regions must lie inside frame_wh"
                    )
        return self

    @model_validator(mode="after")
    def verify_columns_ordered(self) -> FacadeCalibration:
        lines = self.column_lines
        if len(lines) == 1:
            raise ValueError("column_lines needs at least 2 lines (one column) or none")
        for index in range(1, len(lines)):
            prev, cur = lines[index - 1], lines[index]
            if not (cur.x_top > prev.x_top and cur.x_bottom > prev.x_bottom):
                raise ValueError(
                    f"column_lines must run left to right; line {index} is not right "
                    f"of line {index - 1}"
                )
        return self

    @model_validator(mode="after")
    def verify_balconies(self) -> FacadeCalibration:
        columns = max(len(self.column_lines) - 1, 0)
        for column in self.balcony_columns:
            if not 1 <= column <= columns:
                raise ValueError(
                    f"balcony_columns lists column {column}, but column_lines define "
                    f"columns 1..{columns}; calibrate column_lines first"
                )
        return self

    def release_height_m(self, apparent_m: float, column: int | None) -> float:
        """Height of a release seen at ``apparent_m`` on the wall, corrected for balconies.

        A balcony front is nearer the camera than the wall, so it looks higher
        up on the wall than it is: scale its height above the camera by
        (distance - depth) / distance.
        """
        if self.camera_distance_m is None or column not in self.balcony_columns:
            return apparent_m
        ratio = (self.camera_distance_m - self.balcony_depth_m) / self.camera_distance_m
        return self.camera_height_m + (apparent_m - self.camera_height_m) * ratio

    @property
    def top_floor(self) -> int:
        """Number of the highest calibrated floor."""
        return self.first_floor + len(self.floor_lines_y) - 2

    def height_m_at(self, y: float) -> float:
        """Height above the first floor slab of façade image row ``y``, in metres.

        Piecewise linear between floor lines (perspective makes storeys shrink
        with height); beyond the ends the nearest storey's scale is used.
        """
        rising = [-v for v in self.floor_lines_y]
        key = -y
        index = bisect.bisect_right(rising, key) - 1
        index = min(max(index, 0), len(rising) - 2)
        span = rising[index + 1] - rising[index]
        fraction = (key - rising[index]) / span
        return (index + fraction) * self.floor_height_m

    def y_at_height_m(self, height_m: float) -> float:
        """Inverse of :meth:`height_m_at`."""
        storeys = height_m / self.floor_height_m
        index = min(max(int(storeys // 1), 0), len(self.floor_lines_y) - 2)
        fraction = storeys - index
        y0, y1 = self.floor_lines_y[index], self.floor_lines_y[index + 1]
        return y0 + fraction * (y1 - y0)

    def px_per_m_at(self, y: float) -> float:
        """Vertical image scale (pixels per metre) of the façade near row ``y``."""
        step = 0.5
        dh = self.height_m_at(y - step) - self.height_m_at(y + step)
        return 2 * step / dh

    def floor_at_height_m(self, height_m: float) -> int:
        """Floor number containing a point ``height_m`` above the first slab (clamped)."""
        index = int(height_m // self.floor_height_m)
        return self.first_floor + min(max(index, 0), len(self.floor_lines_y) - 2)

    def facade_top_m(self) -> float:
        """Height of the roof line above the first slab, in metres."""
        return (len(self.floor_lines_y) - 1) * self.floor_height_m

    def tightest_storey_px(self) -> float:
        """The shortest slab-to-slab distance in the image (px), usually the top storey's."""
        lines = self.floor_lines_y
        return min(lower - upper for lower, upper in itertools.pairwise(lines))

    def column_at(self, x: float, y: float) -> int | None:
        """Window column (1 = leftmost) at image point (x, y), or None if uncalibrated/outside."""
        if not self.column_lines:
            return None
        y_top, y_bottom = self.floor_lines_y[-1], self.floor_lines_y[0]
        fraction = (y - y_top) / (y_bottom - y_top)
        xs = [c.x_top + fraction * (c.x_bottom - c.x_top) for c in self.column_lines]
        if x < xs[0] or x > xs[-1]:
            return None
        return min(bisect.bisect_right(xs, x), len(xs) - 1)

    def scaled(self, factor: float) -> list[list[Point]]:
        """Privacy masks scaled by ``factor`` (e.g. to the evidence resolution)."""
        return [[(x * factor, y * factor) for x, y in mask] for mask in self.privacy_masks]
