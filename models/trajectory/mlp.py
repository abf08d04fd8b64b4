"""A small multilayer perceptron in numpy, and its export to ONNX.

Twenty features need no framework: a 20-64-32-1 network trains in a few
minutes with full-batch Adam, and the exported graph (standardise, clip, three Gemm
layers, sigmoid) is a few kilobytes that onnxruntime runs in microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

from edge.falling.classifier import INPUT_NAME, OUTPUT_NAME

FloatArray = npt.NDArray[np.float64]
CLIP = 8.0
OPSET = 17


@dataclass
class Mlp:
    """Weights of the network and the feature standardisation it was trained with."""

    mean: FloatArray
    std: FloatArray
    weights: list[FloatArray]
    biases: list[FloatArray]

    @classmethod
    def initial(cls, x: FloatArray, hidden: tuple[int, ...], seed: int) -> Mlp:
        """He-initialised network whose standardisation comes from ``x``."""
        rng = np.random.default_rng(seed)
        sizes = (x.shape[1], *hidden, 1)
        weights = [rng.normal(0, np.sqrt(2 / a), (a, b)) for a, b in pairwise(sizes)]
        biases = [np.zeros(b) for b in sizes[1:]]
        std = x.std(axis=0)
        return cls(
            mean=x.mean(axis=0), std=np.where(std > 1e-9, std, 1.0), weights=weights, biases=biases
        )

    def _layers(self, x: FloatArray) -> list[FloatArray]:
        activations = [np.clip((x - self.mean) / self.std, -CLIP, CLIP)]
        for index, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = activations[-1] @ w + b
            last = index == len(self.weights) - 1
            activations.append(z if last else np.maximum(z, 0.0))
        return activations

    def forward(self, x: FloatArray) -> FloatArray:
        """Probabilities [N] for feature rows [N, F]."""
        logits = self._layers(np.atleast_2d(x))[-1][:, 0]
        return 1.0 / (1.0 + np.exp(-logits))

    def fit(
        self,
        x: FloatArray,
        y: FloatArray,
        *,
        epochs: int,
        lr: float,
        l2: float,
        pos_weight: float,
    ) -> list[float]:
        """Full-batch Adam on weighted binary cross-entropy; returns the loss per epoch."""
        params = [*self.weights, *self.biases]
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        weight = np.where(y > 0.5, pos_weight, 1.0)
        losses = []
        for step in range(1, epochs + 1):
            acts = self._layers(x)
            p = 1.0 / (1.0 + np.exp(-acts[-1][:, 0]))
            losses.append(
                float(np.mean(weight * -(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9))))
            )
            delta = ((p - y) * weight / len(y))[:, None]
            grads_w: list[FloatArray] = []
            grads_b: list[FloatArray] = []
            for index in range(len(self.weights) - 1, -1, -1):
                grads_w.insert(0, acts[index].T @ delta + l2 * self.weights[index])
                grads_b.insert(0, delta.sum(axis=0))
                if index:
                    delta = (delta @ self.weights[index].T) * (acts[index] > 0)
            for k, g in enumerate([*grads_w, *grads_b]):
                m[k] = 0.9 * m[k] + 0.1 * g
                v[k] = 0.999 * v[k] + 0.001 * g * g
                params[k] -= (
                    lr * (m[k] / (1 - 0.9**step)) / (np.sqrt(v[k] / (1 - 0.999**step)) + 1e-8)
                )
        return losses

    def to_onnx(self) -> bytes:
        """The network as a serialised ONNX model (input ``features``, output ``probability``)."""
        f32 = np.float32
        inits = [
            numpy_helper.from_array(self.mean.astype(f32), "mean"),
            numpy_helper.from_array(self.std.astype(f32), "std"),
            numpy_helper.from_array(np.array(-CLIP, f32), "lo"),
            numpy_helper.from_array(np.array(CLIP, f32), "hi"),
        ]
        nodes = [
            helper.make_node("Sub", [INPUT_NAME, "mean"], ["centred"]),
            helper.make_node("Div", ["centred", "std"], ["scaled"]),
            helper.make_node("Clip", ["scaled", "lo", "hi"], ["h0"]),
        ]
        last = len(self.weights) - 1
        for index, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            inits += [
                numpy_helper.from_array(w.astype(f32), f"w{index}"),
                numpy_helper.from_array(b.astype(f32), f"b{index}"),
            ]
            out = "logit" if index == last else f"z{index + 1}"
            nodes.append(helper.make_node("Gemm", [f"h{index}", f"w{index}", f"b{index}"], [out]))
            if index != last:
                nodes.append(helper.make_node("Relu", [out], [f"h{index + 1}"]))
        nodes.append(helper.make_node("Sigmoid", ["logit"], [OUTPUT_NAME]))
        graph = helper.make_graph(
            nodes,
            "trajectory_classifier",
            [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", len(self.mean)])],
            [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", 1])],
            initializer=inits,
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name="smartcommunity.models.trajectory",
        )
        model.ir_version = 8
        onnx.checker.check_model(model)
        return bytes(model.SerializeToString())
