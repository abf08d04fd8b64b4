"""Calibration and settings errors name the problem clearly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from falling_factories import make_calibration
from pydantic import ValidationError

from edge.falling.calibration import ColumnLine
from edge.falling.config import EvidenceConfig, FaceConfig, FallingConfig


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"floor_lines_y": [1000.0, 900.0, 950.0]}, "floor_lines_y must be strictly decreasing"),
        ({"floor_lines_y": [900.0, 1000.0]}, "entry 1 (1000.0) is not above entry 0"),
        (
            {"privacy_masks": [[(10.0, 10.0), (2000.0, 10.0), (10.0, 40.0)]]},
            "privacy_masks[0] has point (2000.0, 10.0) outside the frame",
        ),
        (
            {"facade_polygon": [(0.0, 0.0), (10.0, -5.0), (5.0, 5.0)]},
            "facade_polygon has point (10.0, -5.0) outside the frame",
        ),
        (
            {
                "frame_wh": (8, 8),
                "facade_polygon": [(0, 0), (1, 0), (1, 1)],
                "privacy_masks": [],
                "column_lines": [],
            },
            "frame_wh must be at least 16x16",
        ),
        (
            {
                "column_lines": [
                    ColumnLine(x_top=700, x_bottom=700),
                    ColumnLine(x_top=650, x_bottom=800),
                ]
            },
            "column_lines must run left to right",
        ),
        ({"column_lines": [ColumnLine(x_top=700, x_bottom=700)]}, "at least 2 lines"),
        ({"balcony_columns": [9]}, "balcony_columns lists column 9"),
        ({"floor_lines_y": [1000.0]}, "floor_lines_y"),
        ({"unknown_key": 1}, "unknown_key"),
    ],
)
def test_calibration_errors_name_the_problem(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        make_calibration(**overrides)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"raw_dir": Path("raw")}, "raw_key is missing"),
        ({"raw_dir": Path("raw"), "raw_key": "not base64 !!"}, "raw_key must"),
        ({"raw_dir": Path("raw"), "raw_key": "c2hvcnQ="}, "decode to 32 bytes, got 5"),
        ({"pre_s": -1.0}, "pre_s"),
    ],
)
def test_evidence_errors(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        EvidenceConfig(**fields)
    assert message in str(info.value)


def test_valid_settings_parse() -> None:
    key = Fernet.generate_key().decode()
    config = FallingConfig(
        gateway_id="gw-b3",
        calibration=make_calibration(),
        evidence=EvidenceConfig(raw_dir=Path("raw"), raw_key=key),
    )
    assert config.evidence.raw_key is not None
    assert config.evidence.raw_key.get_secret_value() == key
    assert key not in repr(config)


def test_analysis_wider_than_frame_is_refused() -> None:
    with pytest.raises(ValidationError, match="analysis_width"):
        FallingConfig(gateway_id="gw-b3", calibration=make_calibration(), analysis_width=3000)


def test_face_input_must_be_multiple_of_32() -> None:
    with pytest.raises(ValidationError, match="multiples of 32"):
        FaceConfig(path=Path("yunet.onnx"), input_wh=(100, 100))
