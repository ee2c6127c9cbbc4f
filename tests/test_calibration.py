"""Calibration and coverage on hand-computed examples."""

from __future__ import annotations

import numpy as np
import pytest

from framing.calibration import bin_index, calibration, coverage_table

# Four sentences, two frames. Confidence of the predicted frame: 0.9 (right), 0.8 (wrong),
# 0.6 (right), 0.7 (right).
PROBA = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7]])
GOLD = np.array([0, 1, 0, 1])
PREDICTED = np.array([0, 0, 0, 1])


def test_ece_and_brier_by_hand() -> None:
    result = calibration(PROBA, GOLD, PREDICTED, np.arange(4), 4, samples=100)
    # ECE: one sentence per bin, |1-0.9| + |0-0.8| + |1-0.6| + |1-0.7| over 4.
    assert result.ece == pytest.approx((0.1 + 0.8 + 0.4 + 0.3) / 4)
    # Brier: 0.01+0.01, 0.64+0.64, 0.16+0.16, 0.09+0.09 over 4.
    assert result.brier == pytest.approx(1.8 / 4)
    filled = {(round(b.low, 1), b.n, b.confidence, b.accuracy) for b in result.bins if b.n}
    assert filled == {(0.9, 1, 0.9, 1.0), (0.8, 1, 0.8, 0.0), (0.6, 1, 0.6, 1.0), (0.7, 1, 0.7, 1.0)}
    assert sum(b.n for b in result.bins) == 4 and len(result.bins) == 10
    empty = next(b for b in result.bins if not b.n)
    assert (empty.confidence, empty.accuracy) == (None, None)


def test_certain_and_right_is_perfectly_calibrated() -> None:
    proba = np.eye(3)[[0, 1, 2, 2]]
    gold = np.array([0, 1, 2, 2])
    result = calibration(proba, gold, gold, np.arange(4), 4, samples=100)
    assert (result.ece, result.brier) == (0.0, 0.0)
    assert result.ece_interval.to_list() == [0.0, 0.0]


def test_intervals_bracket_the_estimates() -> None:
    rng = np.random.default_rng(1)
    proba = rng.dirichlet([1, 1, 1], 200)
    predicted = proba.argmax(axis=1)
    gold = np.where(rng.random(200) < proba.max(axis=1), predicted, (predicted + 1) % 3)
    result = calibration(proba, gold, predicted, np.arange(200) // 4, 50, samples=300)
    assert result.ece_interval.low is not None and result.ece_interval.high is not None
    assert result.ece_interval.low <= result.ece <= result.ece_interval.high
    assert result.brier_interval.low <= result.brier <= result.brier_interval.high  # type: ignore[operator]
    assert set(result.to_dict()) == {"ece", "ece_interval", "brier", "brier_interval", "brier_scale", "bins"}


def test_a_confidence_of_one_falls_in_the_last_bin() -> None:
    assert bin_index(np.array([0.0, 0.05, 0.1, 0.99, 1.0]), 10).tolist() == [0, 0, 1, 9, 9]


def test_coverage_by_hand() -> None:
    confidence = PROBA[np.arange(4), PREDICTED]
    rows = coverage_table(confidence, GOLD, PREDICTED, 2, thresholds=(0.0, 0.65, 0.85, 0.95))
    assert [(r.min_confidence, r.n, r.coverage) for r in rows] == [
        (0.0, 4, 1.0),
        (0.65, 3, 0.75),
        (0.85, 1, 0.25),
        (0.95, 0, 0.0),
    ]
    assert [r.accuracy for r in rows] == pytest.approx([0.75, 2 / 3, 1.0, None])
    assert rows[-1].macro_f1 is None
    # At 0.85 only a right 'a' is left: F1(a) = 1 and b is neither gold nor predicted.
    assert rows[2].macro_f1 == 1.0
