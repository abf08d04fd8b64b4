"""The plate recogniser's training crops: fonts kept apart from the benchmark's, shapes, seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.plates.grammar import parse
from edge.plates.platerec import INPUT_HW
from models.plates import synth
from models.plates.synth import TRAIN_SEEDS, VALIDATION_SEED
from simulators.gate.plates import FONT_PATH


def test_no_training_font_is_the_benchmark_font() -> None:
    fonts = synth.Fonts.installed()
    assert all(Path(path) != FONT_PATH for path, _ in fonts.cjk + fonts.alnum)
    # Droid Sans Fallback has no Latin letters; it must not draw them.
    assert all("Droid" not in path for path, _ in fonts.alnum)


def test_batches_are_valid_plates_of_the_input_size_and_repeat_by_seed() -> None:
    fonts = synth.Fonts.installed()
    images, texts = synth.batch(12, 6, fonts)
    again, texts_again = synth.batch(12, 6, fonts)
    assert images.shape == (6, *INPUT_HW, 3) and images.dtype == np.uint8
    assert texts == texts_again and np.array_equal(images, again)
    assert all(parse(text).text == text for text in texts)
    # Not blank: every crop has contrast.
    assert (images.reshape(6, -1).std(axis=1) > 5).all()


def test_validation_seed_is_not_a_training_seed() -> None:
    assert VALIDATION_SEED not in TRAIN_SEEDS
    assert 20261123 not in TRAIN_SEEDS  # the gate benchmark's seed
