"""Classification metrics computed from a confusion matrix, with undefined values kept explicit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class FrameScore:
    """Precision, recall and F1 of one frame; ``None`` where the metric is undefined."""

    precision: float | None
    recall: float | None
    f1: float | None
    support: int
    predicted: int


@dataclass(frozen=True)
class Baseline:
    """Predicting one frame (the majority frame) for every sentence."""

    frame: str
    accuracy: float
    macro_f1: float


@dataclass(frozen=True)
class EvaluationReport:
    """Scores of predicted against gold frames. Rows of ``matrix`` are gold, columns predicted."""

    n: int
    accuracy: float
    macro_f1: float
    per_frame: dict[str, FrameScore]
    labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]
    baseline: Baseline
    method: str = "held-out"
    undefined: tuple[str, ...] = ()
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "method": self.method,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_frame": {frame: asdict(score) for frame, score in self.per_frame.items()},
            "confusion_matrix": {"labels": list(self.labels), "matrix": [list(r) for r in self.matrix]},
            "baseline": asdict(self.baseline),
            "undefined": list(self.undefined),
            **self.extras,
        }


def confusion(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Counts of (gold, predicted) pairs; labels outside ``labels`` are an error."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g], index[p]] += 1
    return matrix


def frame_scores(matrix: np.ndarray, labels: Sequence[str]) -> tuple[dict[str, FrameScore], list[str]]:
    """Per-frame scores, and a note for each metric that is undefined (e.g. a frame never predicted)."""
    scores: dict[str, FrameScore] = {}
    undefined: list[str] = []
    for i, label in enumerate(labels):
        tp = int(matrix[i, i])
        support = int(matrix[i].sum())
        predicted = int(matrix[:, i].sum())
        precision = tp / predicted if predicted else None
        recall = tp / support if support else None
        denominator = support + predicted
        f1 = 2 * tp / denominator if denominator else None
        if predicted == 0 and support:
            undefined.append(f"precision of {label!r}: never predicted")
        if support == 0 and predicted:
            undefined.append(f"recall of {label!r}: no gold examples")
        if support == 0 and not predicted:
            undefined.append(f"precision, recall and F1 of {label!r}: no gold examples and never predicted")
        scores[label] = FrameScore(precision, recall, f1, support, predicted)
    return scores, undefined


def macro_f1(scores: dict[str, FrameScore]) -> float:
    """Mean F1 over frames that occur in the gold labels or the predictions."""
    values = [s.f1 for s in scores.values() if s.f1 is not None]
    return float(np.mean(values)) if values else 0.0


def compute_report(
    gold: Sequence[str],
    predicted: Sequence[str],
    labels: Sequence[str],
    *,
    baseline_frame: str | None = None,
    method: str = "held-out",
) -> EvaluationReport:
    """Accuracy, macro-F1, per-frame scores, confusion matrix and the majority baseline."""
    if len(gold) == 0:
        raise ValueError("nothing to evaluate")
    labels = list(labels)
    matrix = confusion(gold, predicted, labels)
    scores, undefined = frame_scores(matrix, labels)
    frame = baseline_frame or Counter(gold).most_common(1)[0][0]
    base_matrix = confusion(gold, [frame] * len(gold), labels)
    base_scores, _ = frame_scores(base_matrix, labels)
    return EvaluationReport(
        n=len(gold),
        accuracy=float(np.trace(matrix) / len(gold)),
        macro_f1=macro_f1(scores),
        per_frame=scores,
        labels=tuple(labels),
        matrix=tuple(tuple(int(v) for v in row) for row in matrix),
        baseline=Baseline(frame, float(np.trace(base_matrix) / len(gold)), macro_f1(base_scores)),
        method=method,
        undefined=tuple(undefined),
    )
