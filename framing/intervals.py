"""Bootstrap 95% intervals for accuracy, macro-F1 and each frame's F1, resampling documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import defaults
from .bootstrap import Interval, intervals_by_column, nan_mean, percentile_interval, resampled_sums, safe_divide


@dataclass(frozen=True)
class ScoreIntervals:
    """Intervals of the headline scores; ``resampled`` says what the bootstrap drew."""

    accuracy: Interval
    macro_f1: Interval
    per_frame_f1: dict[str, Interval]
    resampled: str
    n_units: int
    samples: int
    level: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "bootstrap_samples": self.samples,
            "resampled": self.resampled,
            "n_units": self.n_units,
            "accuracy": self.accuracy.to_list(),
            "macro_f1": self.macro_f1.to_list(),
            "per_frame_f1": {frame: i.to_list() for frame, i in self.per_frame_f1.items()},
        }


def scores_from_matrices(matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Accuracy, macro-F1 and per-frame F1 of a stack of confusion matrices (rows gold).

    F1 = 2 tp / (support + predicted) is NaN (undefined) where a frame is neither in the gold
    labels nor predicted; macro-F1 averages the defined ones, as :func:`framing.metrics.macro_f1`.
    """
    tp = np.diagonal(matrices, axis1=1, axis2=2)
    support = matrices.sum(axis=2)
    predicted = matrices.sum(axis=1)
    total = matrices.sum(axis=(1, 2))
    accuracy = safe_divide(tp.sum(axis=1), total)
    f1 = safe_divide(2 * tp, support + predicted)
    return accuracy, nan_mean(f1, axis=1), f1


def score_intervals(
    gold: np.ndarray,
    predicted: np.ndarray,
    labels: Sequence[str],
    unit: np.ndarray,
    n_units: int,
    resampled: str,
    *,
    samples: int = defaults.BOOTSTRAP_SAMPLES,
    seed: int = defaults.SEED,
    level: float = defaults.CONFIDENCE_LEVEL,
) -> ScoreIntervals:
    """Percentile intervals from ``samples`` resamples of the units (documents or sentences).

    Each unit contributes its own confusion counts, so a resample's matrix is a weighted sum.
    """
    k = len(labels)
    cells = np.asarray(gold) * k + np.asarray(predicted)
    per_unit = np.bincount(np.asarray(unit) * k * k + cells, minlength=n_units * k * k).reshape(n_units, k * k)
    boot = resampled_sums(per_unit.astype(float), samples, seed).reshape(-1, k, k)
    accuracy, macro, f1 = scores_from_matrices(boot)
    return ScoreIntervals(
        accuracy=percentile_interval(accuracy, level),
        macro_f1=percentile_interval(macro, level),
        per_frame_f1=dict(zip(labels, intervals_by_column(f1, level), strict=True)),
        resampled=resampled,
        n_units=n_units,
        samples=samples,
        level=level,
    )
