"""The YuNet face-blur hook, on a tiny generated ONNX graph with YuNet's outputs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from edge.gate.faces import YuNetDetector
from edge.gate.snapshot import desensitise

INPUT = 32  # one face cell at stride 8: row 1, column 1


def _constant_output(name: str, value: np.ndarray) -> list[onnx.NodeProto]:
    """``name`` = value + 0 * mean(input), so the output depends on the input."""
    return [
        helper.make_node(
            "Constant", [], [f"{name}_c"], value=numpy_helper.from_array(value.astype(np.float32))
        ),
        helper.make_node("Add", [f"{name}_c", "zero"], [name]),
    ]


def tiny_yunet(path: Path) -> Path:
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero_c"], ["zero"]),
        helper.make_node(
            "Constant", [], ["zero_c"], value=numpy_helper.from_array(np.array(0.0, np.float32))
        ),
    ]
    outputs = []
    for stride in (8, 16, 32):
        cells = (INPUT // stride) ** 2
        cls = np.zeros((1, cells, 1))
        obj = np.zeros((1, cells, 1))
        bbox = np.zeros((1, cells, 4))
        if stride == 8:
            cls[0, 5, 0] = obj[0, 5, 0] = 0.95
            bbox[0, 5] = [0.5, 0.5, math.log(1.5), math.log(1.5)]
        for name, value in (
            (f"cls_{stride}", cls),
            (f"obj_{stride}", obj),
            (f"bbox_{stride}", bbox),
        ):
            nodes += _constant_output(name, value)
            outputs.append(
                helper.make_tensor_value_info(name, TensorProto.FLOAT, list(value.shape))
            )
    # Constants first: ONNX wants nodes in topological order.
    nodes.sort(key=lambda n: n.op_type != "Constant")
    graph = helper.make_graph(
        nodes,
        "tiny_yunet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, INPUT, INPUT])],
        outputs,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_yunet_decoder_finds_the_face(tmp_path: Path) -> None:
    detector = YuNetDetector(model_path=tiny_yunet(tmp_path / "yunet.onnx"))
    assert detector.input_wh == (INPUT, INPUT)
    boxes = detector.detect(np.zeros((320, 320, 3), np.uint8))
    assert boxes == [(60, 60, 180, 180)]


def test_snapshot_pixelates_detected_faces(tmp_path: Path) -> None:
    detector = YuNetDetector(model_path=tiny_yunet(tmp_path / "yunet.onnx"))
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (320, 320, 3), dtype=np.uint8)
    out = desensitise(frame, [], detector)
    face = out[60:180, 60:180].astype(np.float32)
    # Pixelation leaves 12x12 blocks of one colour: neighbours inside a block are equal.
    assert np.mean(face[:, 1:] == face[:, :-1]) > 0.85
    assert np.array_equal(out[200:, 200:], frame[200:, 200:]), "outside the face is untouched"
