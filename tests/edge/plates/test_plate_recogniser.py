"""The trained plate recogniser: loading checks, output form, and reading rendered plates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import yaml
from onnx import TensorProto, helper

from edge.digest import sha256_of
from edge.plates.decode import Alphabet, decode
from edge.plates.errors import ModelError
from edge.plates.grammar import PLATE_CHARS
from edge.plates.models import load_entry, verified_path
from edge.plates.platerec import ALPHABET, INPUT_HW, PlateRecogniser, shipped_path, to_input
from simulators.gate.plates import FONT_PATH, random_plate, render_plate

ROOT = Path(__file__).resolve().parents[3]
REGISTRY = ROOT / "models" / "registry" / "plate_recogniser.yaml"


def tiny_graph(path: Path, *, channels: int = 3, classes: int = len(ALPHABET)) -> Path:
    """A graph of the recogniser's interface: average the rows, project to classes."""
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", channels, *INPUT_HW])
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 32, classes])
    rng = np.random.default_rng(3)
    weight = rng.normal(size=(classes, channels, INPUT_HW[0], 4)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "w"], ["conv"], strides=[INPUT_HW[0], 4]),
        helper.make_node("Squeeze", ["conv", "axis2"], ["squeezed"]),
        helper.make_node("Transpose", ["squeezed"], ["logits"], perm=[0, 2, 1]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [image],
        [logits],
        initializer=[
            helper.make_tensor("w", TensorProto.FLOAT, weight.shape, weight.ravel()),
            helper.make_tensor("axis2", TensorProto.INT64, [1], [2]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def test_probabilities_are_one_softmax_row_per_timestep(tmp_path: Path) -> None:
    session = ort.InferenceSession(str(tiny_graph(tmp_path / "tiny.onnx")))
    recogniser = PlateRecogniser(session=session)
    crop = np.random.default_rng(0).integers(0, 255, (47, 171, 3), dtype=np.uint8)
    probs = recogniser.probabilities(crop)
    assert probs.shape == (32, len(ALPHABET))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert (probs >= 0).all()


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [({"channels": 1}, "one input of shape"), ({"classes": 70}, "73 output classes")],
)
def test_a_graph_of_another_shape_is_refused(
    tmp_path: Path, kwargs: dict[str, int], problem: str
) -> None:
    session = ort.InferenceSession(str(tiny_graph(tmp_path / "other.onnx", **kwargs)))
    with pytest.raises(ModelError, match=problem):
        PlateRecogniser(session=session)


def test_crops_of_any_size_become_the_input_size() -> None:
    for shape in ((8, 20, 3), (48, 173, 3), (200, 900, 3)):
        assert to_input(np.zeros(shape, np.uint8)).shape == (*INPUT_HW, 3)


def test_the_shipped_file_is_the_registered_one() -> None:
    entry = load_entry(REGISTRY)
    path, sha256 = shipped_path()
    assert sha256 == entry.sha256 == sha256_of(path)
    training = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))["training"]
    # The benchmark renders with this font; the recogniser must not have seen it.
    assert FONT_PATH.name not in training["fonts"]


def test_a_tampered_file_is_refused(tmp_path: Path) -> None:
    path, sha256 = shipped_path()
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes()[:-1] + b"\x00")
    with pytest.raises(ModelError, match="differs from registry"):
        verified_path(copy.name, sha256, tmp_path)


def test_shipped_model_reads_front_on_plates_it_never_trained_on() -> None:
    """Plates in the benchmark's font, which no training sample used."""
    recogniser = PlateRecogniser()
    alphabet = Alphabet.of(recogniser.alphabet)
    rng = np.random.default_rng(500_123)
    specs = [random_plate(rng) for _ in range(40)]
    right = 0
    for spec in specs:
        crop = render_plate(spec, height=48)[..., ::-1]
        read = "".join(c.char for c in decode(recogniser.probabilities(crop), alphabet))
        right += read == spec.text
    assert right >= 38, f"{right} of 40 read exactly"
    assert set(ALPHABET[1:]) == set(PLATE_CHARS)
