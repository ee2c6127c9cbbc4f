"""Gold and predicted frames of a labeled corpus, with probabilities: what every evaluation figure uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import defaults
from .bootstrap import unit_index
from .corpus import LabeledSentence


@dataclass(frozen=True)
class Predictions:
    """Per sentence: gold and predicted frame (indices into ``labels``) and probabilities.

    ``proba`` columns follow ``labels``; a frame the predicting model did not know has zeros.
    """

    sentences: tuple[LabeledSentence, ...]
    labels: tuple[str, ...]
    gold: np.ndarray
    predicted: np.ndarray
    proba: np.ndarray

    @property
    def confidence(self) -> np.ndarray:
        """Probability of the predicted frame (what ``--min-confidence`` compares)."""
        return np.asarray(self.proba[np.arange(len(self.gold)), self.predicted])

    @property
    def has_documents(self) -> bool:
        return any(s.doc_id is not None for s in self.sentences)

    def units(self) -> tuple[np.ndarray, int, str]:
        """Resampling unit per sentence, and what it is (see :func:`resampling_units`)."""
        return resampling_units([s.doc_id for s in self.sentences])

    def subset(self, rows: np.ndarray) -> Predictions:
        return Predictions(
            sentences=tuple(self.sentences[i] for i in rows),
            labels=self.labels,
            gold=self.gold[rows],
            predicted=self.predicted[rows],
            proba=self.proba[rows],
        )


def resampling_units(doc_ids: Sequence[str | None]) -> tuple[np.ndarray, int, str]:
    """Resampling unit per sentence, how many units, and what they are.

    Sentences of one document resemble each other, so documents (``doc_id``) are resampled
    when there are enough of them; otherwise sentences, and the description says why.
    """
    if any(d is not None for d in doc_ids):
        groups = [d if d is not None else f"\0{i}" for i, d in enumerate(doc_ids)]
        unit, n = unit_index(groups, len(groups))
        if n >= defaults.MIN_BOOTSTRAP_DOCUMENTS:
            return unit, n, "documents (doc_id)"
        reason = f"only {n} document{'' if n == 1 else 's'}, too few to resample"
    else:
        reason = "no doc_id column"
    unit, n = unit_index(None, len(doc_ids))
    return unit, n, f"sentences ({reason})"


def make_predictions(
    sentences: tuple[LabeledSentence, ...],
    labels: list[str],
    predicted: list[str],
    proba: np.ndarray,
    proba_frames: list[str],
) -> Predictions:
    """Index gold and predicted frames by ``labels`` and reorder ``proba`` columns to match."""
    index = {label: i for i, label in enumerate(labels)}
    columns = np.zeros((len(sentences), len(labels)))
    for j, frame in enumerate(proba_frames):
        columns[:, index[frame]] = proba[:, j]
    return Predictions(
        sentences=sentences,
        labels=tuple(labels),
        gold=np.asarray([index[s.label] for s in sentences], dtype=np.int64),
        predicted=np.asarray([index[p] for p in predicted], dtype=np.int64),
        proba=columns,
    )
