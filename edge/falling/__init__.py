"""High-altitude thrown objects (高空抛物): detect, trace the floor of origin, capture evidence.

Entry point: :class:`edge.falling.detector.FallingObjectDetector`, fed
(timestamp_s, BGR frame) pairs and an :class:`edge.sink.EventSink`.
"""

from edge.falling.calibration import ColumnLine, FacadeCalibration
from edge.falling.config import EvidenceConfig, FallingConfig
from edge.falling.detector import FallingObjectDetector

__all__ = [
    "ColumnLine",
    "EvidenceConfig",
    "FacadeCalibration",
    "FallingConfig",
    "FallingObjectDetector",
]
