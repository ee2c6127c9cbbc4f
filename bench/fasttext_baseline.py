"""fastText (the `fasttext-numpy2` wheel) as the baseline beside framing: train, score, choose a threshold."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: The fastText tutorial's settings for small text-classification sets (lr 1.0, 25 epochs, word
#: bigrams); its defaults (lr 0.1, 5 epochs) never leave the majority class on 800 headlines.
#: Fixed in advance, not tuned on any evaluation data. One thread keeps runs reproducible.
PARAMS: dict[str, Any] = {"lr": 1.0, "epoch": 25, "wordNgrams": 2, "thread": 1, "seed": 0, "verbose": 0}
PREFIX = "__label__"


def one_line(text: str) -> str:
    """fastText reads one example per line: newlines inside a text become spaces."""
    return " ".join(text.split())


def write_training_file(path: Path, texts: Sequence[str], labels: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for text, label in zip(texts, labels, strict=True):
            handle.write(f"{PREFIX}{label} {one_line(text)}\n")


def train(texts: Sequence[str], labels: Sequence[str], work: Path, **params: Any) -> Any:
    import fasttext

    fd, name = tempfile.mkstemp(prefix="fasttext-", suffix=".txt", dir=work)
    os.close(fd)
    path = Path(name)
    try:
        write_training_file(path, texts, labels)
        return fasttext.train_supervised(input=str(path), **{**PARAMS, **params})
    finally:
        path.unlink()


def probabilities(model: Any, texts: Sequence[str], frames: Sequence[str]) -> np.ndarray:
    """Columns in ``frames`` order; a frame fastText never saw gets probability 0."""
    labels, probs = model.predict([one_line(t) for t in texts], k=-1)
    column = {PREFIX + f: j for j, f in enumerate(frames)}
    out = np.zeros((len(texts), len(frames)))
    for i, (names, values) in enumerate(zip(labels, probs, strict=True)):
        for name, value in zip(names, values, strict=True):
            if name in column:
                out[i, column[name]] = value
    return out
