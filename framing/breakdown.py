"""Where the errors are: most confused frame pairs, scores per source, proportions per document."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import defaults
from .bootstrap import intervals_by_column, percentile_interval, resampled_sums, sum_by_unit, unit_index
from .intervals import score_intervals
from .metrics import frame_scores, macro_f1
from .predictions import Predictions

NO_SOURCE = "(no source)"


@dataclass(frozen=True)
class Example:
    """A misclassified sentence and where it is."""

    text: str
    confidence: float
    doc_id: str | None
    where: str


@dataclass(frozen=True)
class ConfusedPair:
    """Sentences of frame ``gold`` predicted as ``predicted``; the most confident mistakes as examples."""

    gold: str
    predicted: str
    count: int
    share_of_gold: float
    examples: tuple[Example, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "examples": [asdict(e) for e in self.examples]}


def confused_pairs(
    predictions: Predictions, top: int = defaults.CONFUSED_PAIRS, examples: int = defaults.PAIR_EXAMPLES
) -> list[ConfusedPair]:
    """The ``top`` largest off-diagonal cells of the confusion matrix, largest first."""
    k = len(predictions.labels)
    gold, predicted = predictions.gold, predictions.predicted
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (gold, predicted), 1)
    cells = [(int(matrix[i, j]), i, j) for i in range(k) for j in range(k) if i != j and matrix[i, j]]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    confidence = predictions.confidence
    out = []
    for count, i, j in cells[:top]:
        rows = np.flatnonzero((gold == i) & (predicted == j))
        rows = rows[np.argsort(-confidence[rows], kind="stable")][:examples]
        shown = tuple(
            Example(
                predictions.sentences[r].text,
                round(float(confidence[r]), 6),
                predictions.sentences[r].doc_id,
                predictions.sentences[r].where,
            )
            for r in rows
        )
        out.append(
            ConfusedPair(predictions.labels[i], predictions.labels[j], count, count / int(matrix[i].sum()), shown)
        )
    return out


def macro_f1_of(gold: np.ndarray, predicted: np.ndarray, k: int) -> float:
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (gold, predicted), 1)
    scores, _ = frame_scores(matrix, [str(i) for i in range(k)])
    return macro_f1(scores)


def per_source(
    predictions: Predictions,
    *,
    samples: int = defaults.BOOTSTRAP_SAMPLES,
    seed: int = defaults.SEED,
    level: float = defaults.CONFIDENCE_LEVEL,
) -> list[dict[str, Any]] | None:
    """Accuracy and macro-F1 (with intervals) per ``source``; ``None`` when the corpus has no sources."""
    sources = [s.source for s in predictions.sentences]
    if all(s is None for s in sources):
        return None
    k = len(predictions.labels)
    names = np.asarray([s if s is not None else NO_SOURCE for s in sources], dtype=object)
    out = []
    for name in sorted(set(names.tolist()), key=lambda s: (s == NO_SOURCE, s)):
        part = predictions.subset(np.flatnonzero(names == name))
        unit, n_units, resampled = part.units()
        intervals = score_intervals(
            part.gold, part.predicted, part.labels, unit, n_units, resampled, samples=samples, seed=seed, level=level
        )
        out.append(
            {
                "source": name,
                "n": len(part.gold),
                "n_documents": len({s.doc_id for s in part.sentences if s.doc_id is not None}) or None,
                "accuracy": float(np.mean(part.gold == part.predicted)),
                "accuracy_interval": intervals.accuracy.to_list(),
                "macro_f1": macro_f1_of(part.gold, part.predicted, k),
                "macro_f1_interval": intervals.macro_f1.to_list(),
            }
        )
    return out


def document_level(
    predictions: Predictions,
    *,
    samples: int = defaults.BOOTSTRAP_SAMPLES,
    seed: int = defaults.SEED,
    level: float = defaults.CONFIDENCE_LEVEL,
) -> dict[str, Any] | None:
    """Gold vs predicted frame proportions per document, and their mean absolute error.

    Per frame, MAE is the mean over documents of |gold share − predicted share|; overall, the
    mean over frames and documents. Sentences without ``doc_id`` are left out (named in the
    result); ``None`` when no sentence has one.
    """
    has_doc = np.asarray([s.doc_id is not None for s in predictions.sentences])
    if not has_doc.any():
        return None
    part = predictions.subset(np.flatnonzero(has_doc))
    labels = list(part.labels)
    k = len(labels)
    doc_ids = [s.doc_id or "" for s in part.sentences]
    unit, n_docs = unit_index(doc_ids, len(doc_ids))
    gold_counts = sum_by_unit(unit, n_docs, np.eye(k)[part.gold])
    pred_counts = sum_by_unit(unit, n_docs, np.eye(k)[part.predicted])
    sizes = gold_counts.sum(axis=1, keepdims=True)
    gold_share, pred_share = gold_counts / sizes, pred_counts / sizes
    error = np.abs(gold_share - pred_share)
    mae = error.mean(axis=0)
    boot = resampled_sums(np.hstack([error, np.ones((n_docs, 1))]), samples, seed) if samples else np.zeros((0, k + 1))
    boot_mae = boot[:, :k] / boot[:, k:]
    order = list(dict.fromkeys(doc_ids))
    documents = [
        {
            "doc_id": doc,
            "n": int(sizes[d, 0]),
            "gold": {f: float(gold_share[d, j]) for j, f in enumerate(labels)},
            "predicted": {f: float(pred_share[d, j]) for j, f in enumerate(labels)},
            "mae": float(error[d].mean()),
        }
        for d, doc in enumerate(order)
    ]
    return {
        "n_documents": n_docs,
        "n_sentences_without_doc_id": int((~has_doc).sum()),
        "mae": {f: float(mae[j]) for j, f in enumerate(labels)},
        "mae_interval": {f: i.to_list() for f, i in zip(labels, intervals_by_column(boot_mae, level), strict=True)},
        "mae_overall": float(error.mean()),
        "mae_overall_interval": percentile_interval(boot_mae.mean(axis=1), level).to_list(),
        "documents": documents,
    }
