"""Score intervals: hand-computed scores, and documents (not sentences) as the resampling unit."""

from __future__ import annotations

import numpy as np
import pytest

from framing.intervals import score_intervals, scores_from_matrices


def test_scores_of_a_hand_computed_matrix() -> None:
    # gold a: 2 right, 1 called b; gold b: 1 right. F1(a) = 4/5, F1(b) = 2/3.
    accuracy, macro, f1 = scores_from_matrices(np.array([[[2, 1], [0, 1]]]))
    assert accuracy[0] == pytest.approx(0.75)
    assert f1[0] == pytest.approx([0.8, 2 / 3])
    assert macro[0] == pytest.approx((0.8 + 2 / 3) / 2)


def test_a_frame_neither_gold_nor_predicted_is_left_out_of_macro_f1() -> None:
    _, macro, f1 = scores_from_matrices(np.array([[[2, 0, 0], [0, 1, 0], [0, 0, 0]]]))
    assert np.isnan(f1[0, 2])
    assert macro[0] == pytest.approx(1.0)


def test_perfect_predictions_have_degenerate_intervals() -> None:
    gold = np.array([0, 1, 2, 0, 1, 2])
    intervals = score_intervals(gold, gold, ["a", "b", "c"], np.arange(6), 6, "sentences", samples=200)
    assert intervals.accuracy.to_list() == [1.0, 1.0]
    assert intervals.macro_f1.to_list() == [1.0, 1.0]
    # A resample can miss a frame entirely; its F1 is then undefined, not zero.
    assert all(i.to_list() == [1.0, 1.0] for i in intervals.per_frame_f1.values())


def test_documents_are_resampled_whole() -> None:
    # Every document has one right and one wrong sentence: any resample of documents has
    # accuracy exactly 0.5, while resampling sentences would vary.
    gold = np.array([0, 0] * 20)
    predicted = np.array([0, 1] * 20)
    documents = np.repeat(np.arange(20), 2)
    by_document = score_intervals(gold, predicted, ["a", "b"], documents, 20, "documents", samples=300)
    assert by_document.accuracy.to_list() == pytest.approx([0.5, 0.5])
    by_sentence = score_intervals(gold, predicted, ["a", "b"], np.arange(40), 40, "sentences", samples=300)
    low, high = by_sentence.accuracy.to_list()
    assert low is not None and high is not None and low < 0.45 and high > 0.55


def test_interval_brackets_the_point_estimate_and_serialises() -> None:
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 3, 300)
    predicted = np.where(rng.random(300) < 0.7, gold, rng.integers(0, 3, 300))
    intervals = score_intervals(gold, predicted, ["a", "b", "c"], np.arange(300) // 10, 30, "documents", samples=500)
    low, high = intervals.accuracy.to_list()
    assert low is not None and high is not None
    assert low < float(np.mean(gold == predicted)) < high
    data = intervals.to_dict()
    assert data["resampled"] == "documents" and data["n_units"] == 30 and data["bootstrap_samples"] == 500
    assert set(data["per_frame_f1"]) == {"a", "b", "c"}
