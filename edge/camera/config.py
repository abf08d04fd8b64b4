"""Camera source configuration: one model per source kind, chosen by ``type``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


def verify_normalised_xyxy(name: str, box: tuple[float, float, float, float]) -> None:
    """Refuse a region that is not x0 < x1 and y0 < y1 within [0, 1] of the frame."""
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise ValueError(f"{name} must satisfy 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, got {box}")


class _Source(BaseModel):
    """Fields every camera source has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$", description="Camera id.")
    queue_size: int = Field(
        default=4, ge=1, le=256, description="Frames buffered for analysis; the oldest is dropped."
    )
    target_fps: float | None = Field(
        default=None, gt=0, description="Analyse at most this many frames per second."
    )
    watchdog_s: float = Field(
        default=10.0, gt=0, description="No frame for this long means reconnect."
    )
    reconnect_min_s: float = Field(default=0.5, gt=0, description="First reconnect delay.")
    reconnect_max_s: float = Field(default=30.0, gt=0, description="Cap of the reconnect delay.")
    pre_event_s: float = Field(
        default=3.0, ge=0, le=60, description="Seconds of frames kept before an event as evidence."
    )

    @model_validator(mode="after")
    def verify_backoff(self) -> _Source:
        if self.reconnect_min_s > self.reconnect_max_s:
            raise ValueError(
                f"reconnect_min_s ({self.reconnect_min_s}) must not exceed "
                f"reconnect_max_s ({self.reconnect_max_s})"
            )
        return self


class FileSource(_Source):
    """A video file, optionally looped (recorded footage, tests)."""

    type: Literal["file"] = Field(default="file", description="Source kind.")
    path: str = Field(min_length=1, description="Video file path.")
    loop: bool = Field(default=False, description="Start again at the end instead of stopping.")
    realtime: bool = Field(
        default=False, description="Pace frames at the file's frame rate, as a live camera."
    )


class StreamSource(_Source):
    """An RTSP or HTTP(S) stream opened through OpenCV (FFmpeg backend)."""

    type: Literal["stream"] = Field(default="stream", description="Source kind.")
    url: str = Field(pattern=r"^(rtsp|rtsps|http|https)://", description="Stream URL.")
    open_timeout_s: float = Field(default=10.0, gt=0, description="Give up opening after this.")


class SimulatorSource(_Source):
    """Frames from a simulator scenario (``simulators.*``), for demos and tests."""

    type: Literal["simulator"] = Field(default="simulator", description="Source kind.")
    scenario: Literal["gate", "facade"] = Field(
        default="gate", description="Which simulator draws frames: a gate lane or a façade."
    )
    seed: int = Field(default=0, description="Seed of the simulated scene.")
    fps: float = Field(default=10.0, gt=0, description="Frames per second the simulator produces.")
    gap_s: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="Mean seconds between vehicles (gate) or thrown objects (façade).",
    )


SourceConfig = Annotated[FileSource | StreamSource | SimulatorSource, Field(discriminator="type")]
