"""Train the plate recogniser on synthetic plate crops and export it to ONNX.

    pip install torch==2.13.0   # CPU; training only, the edge runs onnxruntime
    apt-get install fonts-noto-cjk fonts-wqy-zenhei fonts-droid-fallback \\
        fonts-arphic-ukai fonts-arphic-uming fonts-dejavu-core fonts-dejavu-extra fonts-liberation2
    python -m models.plates.train [--samples 82000] [--epochs 5] [--cache DIR]

Crops come from ``models.plates.synth`` with seeds of ``TRAIN_SEEDS`` only,
in fonts other than the one the gate simulator (and so the benchmark)
renders with. The script writes ``plate_recogniser.onnx`` beside this file
and the registry entry ``models/registry/plate_recogniser.yaml``.
"""

from __future__ import annotations

import argparse
import logging
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from torch import nn

from edge.digest import sha256_of
from edge.plates.platerec import ALPHABET, INPUT_HW
from models.plates import synth
from models.plates.synth import TRAIN_SEEDS, VALIDATION_SEED

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MODEL_PATH = HERE / "plate_recogniser.onnx"
REGISTRY_PATH = HERE.parent / "registry" / "plate_recogniser.yaml"
CHUNK = 2000
INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


def _chunk(seed: int) -> tuple[np.ndarray, list[str]]:
    return synth.batch(seed, CHUNK, synth.Fonts.installed())


def build(cache: Path, samples: int, workers: int) -> tuple[np.ndarray, list[str]]:
    """The training crops, rendered once into ``cache`` and reused."""
    seeds = list(TRAIN_SEEDS[: -(-samples // CHUNK)])
    cache.mkdir(parents=True, exist_ok=True)
    missing = [s for s in seeds if not (cache / f"{s}.npz").exists()]
    with ProcessPoolExecutor(workers) as pool:
        for seed, (images, texts) in zip(missing, pool.map(_chunk, missing), strict=True):
            np.savez(cache / f"{seed}.npz", images=images, texts=np.array(texts))
            logger.info("rendered chunk %s", seed)
    parts = [np.load(cache / f"{s}.npz") for s in seeds]
    images = np.concatenate([p["images"] for p in parts])[:samples]
    texts = [str(t) for p in parts for t in p["texts"]][:samples]
    return images, texts


def network(classes: int) -> Any:
    """A small CNN over the crop whose columns become CTC timesteps (INPUT_W / 4)."""

    def block(c_in: int, c_out: int) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

    class Net(nn.Module):  # type: ignore[misc]  # torch is not type-checked (train extra)
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                *block(3, 16),
                nn.MaxPool2d(2),  # 16 x 64
                *block(16, 32),
                nn.MaxPool2d(2),  # 8 x 32
                *block(32, 64),
                nn.MaxPool2d((2, 1)),  # 4 x 32
                *block(64, 96),
                nn.MaxPool2d((2, 1)),  # 2 x 32
                nn.Conv2d(96, 128, (2, 3), padding=(0, 1), bias=False),  # 1 x 32
                nn.BatchNorm2d(128),
                nn.ReLU(),
            )
            self.context = nn.Sequential(
                nn.Conv1d(128, 128, 5, padding=2),
                nn.ReLU(),
                nn.Dropout(0.1),
            )
            self.head = nn.Conv1d(128, classes, 1)

        def forward(self, image: torch.Tensor) -> torch.Tensor:
            # uint8-range BGR in, as the edge passes it; logits N x T x classes out.
            x = (image / 255.0 - 0.5) / 0.5
            x = self.features(x).squeeze(2)
            x = x + self.context(x)
            return self.head(x).transpose(1, 2)

    return Net()


def _targets(texts: list[str]) -> tuple[Any, Any]:
    flat = torch.tensor([INDEX[ch] for text in texts for ch in text], dtype=torch.long)
    lengths = torch.tensor([len(text) for text in texts], dtype=torch.long)
    return flat, lengths


def greedy(logits: np.ndarray) -> list[str]:
    """Plain CTC greedy decoding of N x T x classes logits."""
    out = []
    for row in logits.argmax(axis=2):
        keep = np.concatenate([[True], row[1:] != row[:-1]]) & (row != 0)
        out.append("".join(ALPHABET[int(i)] for i in row[keep]))
    return out


def evaluate(model: Any, images: np.ndarray, texts: list[str]) -> float:
    """Share of crops read exactly (greedy, unconstrained)."""
    model.eval()
    right = 0
    with torch.no_grad():
        for start in range(0, len(images), 512):
            batch = torch.from_numpy(images[start : start + 512]).permute(0, 3, 1, 2).float()
            read = greedy(model(batch).numpy())
            right += sum(r == t for r, t in zip(read, texts[start : start + 512], strict=True))
    model.train()
    return right / max(len(images), 1)


def train(
    images: np.ndarray,
    texts: list[str],
    val: tuple[np.ndarray, list[str]],
    epochs: int,
    checkpoints: Path | None = None,
) -> Any:
    """Train with CTC, AdamW and a one-cycle schedule; returns the model."""
    torch.manual_seed(0)
    model = network(len(ALPHABET))
    batch_size = 128
    steps = epochs * (len(images) // batch_size)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    # An exponential average of the weights is what is exported: single
    # checkpoints of this run varied by several points on unseen-font plates.
    average = torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.998), use_buffers=True
    )
    rng = np.random.default_rng(0)
    step = 0
    for epoch in range(epochs):
        started = time.perf_counter()
        order = rng.permutation(len(images))
        losses = []
        for start in range(0, len(order) - batch_size + 1, batch_size):
            idx = order[start : start + batch_size]
            batch = torch.from_numpy(images[idx]).permute(0, 3, 1, 2).float()
            flat, lengths = _targets([texts[i] for i in idx])
            log_probs = model(batch).log_softmax(2).transpose(0, 1)  # T x N x C
            input_lengths = torch.full((len(idx),), log_probs.shape[0], dtype=torch.long)
            loss = ctc(log_probs, flat, input_lengths, lengths)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            average.update_parameters(model)
            losses.append(loss.item())
            step += 1
        logger.info(
            "epoch %s: loss %.4f, validation exact %.4f, %.0f s",
            epoch + 1,
            float(np.mean(losses)),
            evaluate(average.module, *val),
            time.perf_counter() - started,
        )
        if checkpoints is not None:
            average.module.eval()
            export(average.module, checkpoints / f"epoch{epoch + 1}.onnx")
            average.module.train()
    average.module.eval()
    return average.module


def export(model: Any, path: Path) -> None:
    """Write the model as ONNX with a dynamic batch dimension."""
    torch.onnx.export(
        model,
        (torch.zeros(1, 3, *INPUT_HW),),
        str(path),
        dynamo=False,  # the TorchScript exporter needs no onnxscript
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "n"}, "logits": {0: "n"}},
        opset_version=17,
    )


def write_registry(samples: int, epochs: int, validation_exact: float) -> None:
    entry = {
        "name": "plate_recogniser",
        "task": "text_recognition",
        "file": MODEL_PATH.name,
        "sha256": sha256_of(MODEL_PATH),
        "input": {
            "name": "image",
            "layout": "NCHW",
            "colour": "BGR",
            "size": f"height {INPUT_HW[0]}, width {INPUT_HW[1]}; any crop is resized to it",
            "normalise": "inside the graph: (pixel / 255 - 0.5) / 0.5, so pass 0-255 floats",
        },
        "decoder": {
            "type": "ctc",
            "output": f"logits, N x {INPUT_HW[1] // 4} x {len(ALPHABET)} (blank, then PLATE_CHARS)",
            "alphabet": "edge.plates.grammar.PLATE_CHARS after the blank",
            "constraints": "per plate position, as for PP-OCRv4 (edge/plates/decode.py)",
        },
        "licence": "Apache-2.0 (trained by this project on its own synthetic plates)",
        "source": "python -m models.plates.train",
        "training": {
            "samples": samples,
            "epochs": epochs,
            "chunk_seeds": [TRAIN_SEEDS.start, TRAIN_SEEDS.start + -(-samples // CHUNK)],
            "fonts": [Path(p).name for p, _ in synth.CJK_FONTS + synth.LATIN_FONTS],
            "not_trained_on": "WenQuanYi Micro Hei, the font the gate simulator renders with",
            "validation_exact_greedy": round(validation_exact, 4),
        },
    }
    REGISTRY_PATH.write_text(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=82_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path("build/plates"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    images, texts = build(args.cache, args.samples, args.workers)
    val = synth.batch(VALIDATION_SEED, 2000, synth.Fonts.installed())
    model = train(images, texts, val, args.epochs, checkpoints=args.cache)
    export(model, MODEL_PATH)
    write_registry(len(images), args.epochs, evaluate(model, *val))
    logger.info("wrote %s and %s", MODEL_PATH, REGISTRY_PATH)


if __name__ == "__main__":
    main()
