"""Privacy masks are pixelated, faces from a configured YuNet model are blurred."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from edge.falling.errors import ModelLoadError
from edge.falling.faces import STRIDES, YuNetDetector
from edge.falling.privacy import Desensitiser

INPUT_WH = (64, 64)


def checkerboard(height: int, width: int, cell: int = 3) -> np.ndarray:
    ys, xs = np.indices((height, width))
    board = (((ys // cell) + (xs // cell)) % 2 * 255).astype(np.uint8)
    return np.dstack([board] * 3)


def roughness(image: np.ndarray) -> float:
    """Mean absolute difference between horizontal neighbours."""
    grey = image.astype(np.int16).mean(axis=2)
    return float(np.abs(np.diff(grey, axis=1)).mean())


def test_masked_region_is_pixelated_and_the_rest_untouched() -> None:
    image = checkerboard(180, 320)
    mask = [(40.0, 40.0), (120.0, 40.0), (120.0, 100.0), (40.0, 100.0)]
    out = Desensitiser(masks=[mask], frame_wh=(640, 360), block_px=12).apply(image)
    inside = out[22:48, 22:58]  # the mask scaled by one half
    assert roughness(inside) < 0.2 * roughness(image[22:48, 22:58])
    assert np.array_equal(out[120:, 200:], image[120:, 200:])
    assert np.array_equal(image, checkerboard(180, 320)), "input must not be modified"


def test_a_view_off_its_masks_is_pixelated_whole() -> None:
    image = checkerboard(180, 320)
    mask = [(40.0, 40.0), (120.0, 40.0), (120.0, 100.0), (40.0, 100.0)]
    out = Desensitiser(masks=[mask], frame_wh=(640, 360), block_px=12).apply(image, whole=True)
    assert out.shape == image.shape
    assert roughness(out) < 0.2 * roughness(image), "no window pattern survives anywhere"
    assert np.array_equal(image, checkerboard(180, 320)), "input must not be modified"


def yunet_like_model(path: Path, face_cell: tuple[int, int], stride: int = 8) -> None:
    """A tiny graph with YuNet's output names; one confident face in one grid cell."""
    nodes, outputs, inits = [], [], []
    for s in STRIDES:
        cells = (INPUT_WH[0] // s) * (INPUT_WH[1] // s)
        cls = np.zeros((1, cells, 1), np.float32)
        obj = np.zeros((1, cells, 1), np.float32)
        bbox = np.zeros((1, cells, 4), np.float32)
        if s == stride:
            index = face_cell[1] * (INPUT_WH[0] // s) + face_cell[0]
            cls[0, index, 0] = obj[0, index, 0] = 0.95
            bbox[0, index] = [0.5, 0.5, np.log(2.0), np.log(2.0)]
        for name, value in (
            ("cls", cls),
            ("obj", obj),
            ("bbox", bbox),
            ("kps", np.zeros((1, cells, 10), np.float32)),
        ):
            inits.append(numpy_helper.from_array(value, f"{name}_{s}_value"))
            # Add zero times the mean of the input so the outputs depend on it.
            nodes.append(helper.make_node("Add", [f"{name}_{s}_value", "zero"], [f"{name}_{s}"]))
            outputs.append(helper.make_tensor_value_info(f"{name}_{s}", TensorProto.FLOAT, None))
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero_scale"], ["zero"]),
        *nodes,
    ]
    inits.append(numpy_helper.from_array(np.array(0.0, np.float32), "zero_scale"))
    graph = helper.make_graph(
        nodes,
        "yunet_like",
        [
            helper.make_tensor_value_info(
                "input", TensorProto.FLOAT, [1, 3, INPUT_WH[1], INPUT_WH[0]]
            )
        ],
        outputs,
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def test_yunet_plugin_decodes_and_blurs(tmp_path: Path) -> None:
    path = tmp_path / "yunet.onnx"
    yunet_like_model(path, face_cell=(3, 2))
    detector = YuNetDetector(path=path, input_wh=INPUT_WH, score_threshold=0.6)
    image = checkerboard(128, 128, cell=2)  # twice the network input
    boxes = detector.detect(image)
    # Cell (3, 2) at stride 8: centre (28, 20), 16x16 in input pixels; doubled here.
    assert boxes == [(40, 24, 32, 32)]
    out = Desensitiser(masks=[], frame_wh=(128, 128), faces=detector).apply(image)
    assert roughness(out[24:56, 40:72]) < 0.5 * roughness(image[24:56, 40:72])
    assert np.array_equal(out[80:, 80:], image[80:, 80:])


def test_model_without_yunet_outputs_is_refused(tmp_path: Path) -> None:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["input"], ["out"])],
        "not_yunet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 64, 64])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "other.onnx"
    onnx.save(model, path)
    with pytest.raises(ModelLoadError, match="not a YuNet model"):
        YuNetDetector(path=path, input_wh=INPUT_WH, score_threshold=0.6)


def test_unreadable_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"not an onnx file")
    with pytest.raises(ModelLoadError, match="onnxruntime could not load it"):
        YuNetDetector(path=path, input_wh=INPUT_WH, score_threshold=0.6)
