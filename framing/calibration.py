"""How far to trust the model's confidence: calibration error, Brier score, coverage by threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import defaults
from .bootstrap import Interval, percentile_interval, resampled_sums, safe_divide, sum_by_unit


@dataclass(frozen=True)
class ReliabilityBin:
    """Sentences whose confidence falls in [low, high): how confident the model was, how often right."""

    low: float
    high: float
    n: int
    confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class Calibration:
    """Expected calibration error (ECE), multi-class Brier score and the reliability table."""

    ece: float
    ece_interval: Interval
    brier: float
    brier_interval: Interval
    bins: tuple[ReliabilityBin, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ece": self.ece,
            "ece_interval": self.ece_interval.to_list(),
            "brier": self.brier,
            "brier_interval": self.brier_interval.to_list(),
            "brier_scale": "sum over frames of the squared probability error: 0 is perfect, 2 the worst",
            "bins": [asdict(b) for b in self.bins],
        }


@dataclass(frozen=True)
class CoverageRow:
    """Keeping only sentences with confidence >= ``min_confidence``: how many remain, how accurate."""

    min_confidence: float
    n: int
    coverage: float
    accuracy: float | None
    macro_f1: float | None


def bin_index(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-width bins over [0, 1]; a confidence of exactly 1 falls in the last bin."""
    return np.minimum((np.asarray(confidence) * n_bins).astype(np.int64), n_bins - 1)


def calibration(
    proba: np.ndarray,
    gold: np.ndarray,
    predicted: np.ndarray,
    unit: np.ndarray,
    n_units: int,
    *,
    n_bins: int = defaults.CALIBRATION_BINS,
    samples: int = defaults.BOOTSTRAP_SAMPLES,
    seed: int = defaults.SEED,
    level: float = defaults.CONFIDENCE_LEVEL,
) -> Calibration:
    """Calibration of the probability of each sentence's predicted frame.

    ECE = Σ_b (n_b / n) |accuracy_b − mean confidence_b| over ``n_bins`` equal-width bins.
    Brier = mean over sentences of Σ_k (p_k − 1[gold = k])². Intervals resample ``unit``s.
    """
    n = len(gold)
    rows = np.arange(n)
    confidence = proba[rows, predicted]
    correct = (gold == predicted).astype(float)
    truth = np.zeros_like(proba)
    truth[rows, gold] = 1.0
    brier_item = ((proba - truth) ** 2).sum(axis=1)
    which = bin_index(confidence, n_bins)
    members = np.zeros((n, n_bins))
    members[rows, which] = 1.0
    # Per sentence: bin membership, correct-in-bin, confidence-in-bin, Brier term, count.
    items = np.hstack(
        [members, members * correct[:, None], members * confidence[:, None], brier_item[:, None], np.ones((n, 1))]
    )
    totals = items.sum(axis=0)
    ece, brier = _ece_brier(totals[None, :], n_bins)
    boot = (
        resampled_sums(sum_by_unit(unit, n_units, items), samples, seed) if samples else np.zeros((0, items.shape[1]))
    )
    boot_ece, boot_brier = _ece_brier(boot, n_bins)
    counts = totals[:n_bins]
    bins = tuple(
        ReliabilityBin(
            low=b / n_bins,
            high=(b + 1) / n_bins,
            n=int(counts[b]),
            confidence=float(totals[2 * n_bins + b] / counts[b]) if counts[b] else None,
            accuracy=float(totals[n_bins + b] / counts[b]) if counts[b] else None,
        )
        for b in range(n_bins)
    )
    return Calibration(
        ece=float(ece[0]),
        ece_interval=percentile_interval(boot_ece, level),
        brier=float(brier[0]),
        brier_interval=percentile_interval(boot_brier, level),
        bins=bins,
    )


def _ece_brier(sums: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    total = sums[:, -1]
    gap = np.abs(sums[:, n_bins : 2 * n_bins] - sums[:, 2 * n_bins : 3 * n_bins]).sum(axis=1)
    return safe_divide(gap, total), safe_divide(sums[:, -2], total)


def coverage_table(
    confidence: np.ndarray,
    gold: np.ndarray,
    predicted: np.ndarray,
    k: int,
    thresholds: Sequence[float] = defaults.COVERAGE_THRESHOLDS,
) -> list[CoverageRow]:
    """Share of sentences kept and their accuracy and macro-F1 at each ``--min-confidence``."""
    from .metrics import frame_scores, macro_f1

    n = len(gold)
    out = []
    for threshold in thresholds:
        kept = confidence >= threshold
        m = int(kept.sum())
        if m == 0:
            out.append(CoverageRow(float(threshold), 0, 0.0, None, None))
            continue
        matrix = np.zeros((k, k), dtype=np.int64)
        np.add.at(matrix, (gold[kept], predicted[kept]), 1)
        scores, _ = frame_scores(matrix, [str(i) for i in range(k)])
        out.append(CoverageRow(float(threshold), m, m / n, float(np.trace(matrix) / m), macro_f1(scores)))
    return out
