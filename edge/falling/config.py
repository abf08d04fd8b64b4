"""Settings of the falling-object capability of one camera (pydantic, no I/O)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge.falling.calibration import FacadeCalibration
from edge.secret import Secret


class FallingSection(BaseModel):
    """Base of these settings: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ClassifierConfig(FallingSection):
    """The ONNX trajectory classifier; without it the physics rule decides alone."""

    path: Path = Field(description="ONNX file of the trajectory classifier.")
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="Expected SHA-256 (from the model registry)."
    )
    threshold: float = Field(
        default=0.5, gt=0.0, lt=1.0, description="Probability at which a track raises an alarm."
    )


class FaceConfig(FallingSection):
    """Optional operator-supplied YuNet face detector whose faces are blurred."""

    path: Path = Field(description="YuNet ONNX file (e.g. face_detection_yunet_2023mar.onnx).")
    input_wh: tuple[int, int] = Field(
        default=(640, 640), description="Network input size (width, height), multiple of 32."
    )
    score_threshold: float = Field(default=0.6, gt=0.0, lt=1.0, description="Face score cut.")

    @model_validator(mode="after")
    def verify_input_multiple_of_32(self) -> FaceConfig:
        width, height = self.input_wh
        if width % 32 or height % 32 or width <= 0 or height <= 0:
            raise ValueError(f"input_wh must be positive multiples of 32, got {width}x{height}")
        return self


class EvidenceConfig(FallingSection):
    """What is captured around an alarm and how the raw copy is kept."""

    pre_s: float = Field(
        default=1.0, ge=0.0, le=10.0, description="Seconds kept before first sight."
    )
    post_s: float = Field(
        default=0.2, ge=0.0, le=5.0, description="Seconds recorded after the last sight."
    )
    width: int = Field(
        default=640, ge=160, le=1920, description="Width of clip and composite (aspect kept)."
    )
    jpeg_quality: int = Field(default=85, ge=30, le=100, description="Composite JPEG quality.")
    pixel_block_px: int = Field(
        default=12, ge=4, le=64, description="Pixelation block size under privacy masks."
    )
    raw_dir: Path | None = Field(
        default=None, description="Directory of encrypted raw clips; None keeps no raw copy."
    )
    raw_key: Secret | None = Field(
        default=None,
        description=(
            "Fernet key (urlsafe base64 of 32 bytes) encrypting raw clips"
            " (or {file:}, {credential:}, {env:})."
        ),
    )
    retention_days: float = Field(
        default=30.0, gt=0.0, le=365.0, description="Days an encrypted raw clip is kept."
    )

    @model_validator(mode="after")
    def verify_raw_key(self) -> EvidenceConfig:
        if self.raw_dir is None:
            return self
        if self.raw_key is None:
            raise ValueError(
                "raw_dir is set but raw_key is missing; raw clips are stored only encrypted"
            )
        try:
            decoded = base64.urlsafe_b64decode(self.raw_key.get_secret_value().encode())
        except (binascii.Error, ValueError) as exc:
            raise ValueError("raw_key must be urlsafe base64 (a Fernet key)") from exc
        if len(decoded) != 32:
            raise ValueError(f"raw_key must decode to 32 bytes, got {len(decoded)}")
        return self


class FallingConfig(FallingSection):
    """Everything the falling-object detector of one camera needs."""

    gateway_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="This gateway's id.")
    calibration: FacadeCalibration = Field(description="The camera's façade calibration.")
    fps: float = Field(default=25.0, gt=1.0, le=120.0, description="Camera frame rate.")
    analysis_width: int = Field(
        default=960, ge=160, le=3840, description="Width of the downscaled view analysed."
    )
    queue_frames: int = Field(
        default=50, ge=1, le=1000, description="Bounded frame queue; older frames are dropped."
    )
    classifier: ClassifierConfig | None = Field(
        default=None, description="Trajectory classifier; None leaves the physics rule alone."
    )
    faces: FaceConfig | None = Field(
        default=None, description="Face detector; None blurs privacy masks only."
    )
    evidence: EvidenceConfig = Field(
        default_factory=EvidenceConfig, description="Evidence capture settings."
    )

    @model_validator(mode="after")
    def verify_analysis_width(self) -> FallingConfig:
        if self.analysis_width > self.calibration.frame_wh[0]:
            raise ValueError(
                f"analysis_width ({self.analysis_width}) must not exceed the frame width "
                f"({self.calibration.frame_wh[0]})"
            )
        return self
