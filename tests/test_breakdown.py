"""Confused pairs, per-source scores and document-level proportions on hand-built predictions."""

from __future__ import annotations

import numpy as np
import pytest

from framing.breakdown import NO_SOURCE, confused_pairs, document_level, per_source
from framing.corpus import LabeledSentence
from framing.predictions import Predictions, make_predictions, resampling_units

LABELS = ["a", "b", "c"]


def predictions(
    gold: list[str],
    predicted: list[str],
    confidence: list[float] | None = None,
    doc_ids: list[str | None] | None = None,
    sources: list[str | None] | None = None,
) -> Predictions:
    n = len(gold)
    confidence = confidence or [0.9] * n
    doc_ids = doc_ids or [None] * n
    sources = sources or [None] * n
    sentences = tuple(
        LabeledSentence(f"sentence {i}", gold[i], doc_ids[i], sources[i], "f.csv", i + 2) for i in range(n)
    )
    # Probabilities that make ``predicted`` the top frame with the given confidence.
    proba = np.zeros((n, 3))
    for i, frame in enumerate(predicted):
        proba[i] = (1 - confidence[i]) / 2
        proba[i, LABELS.index(frame)] = confidence[i]
    return make_predictions(sentences, LABELS, predicted, proba, LABELS)


def test_confused_pairs_by_count_with_the_most_confident_examples() -> None:
    result = confused_pairs(
        predictions(
            ["a", "a", "a", "a", "b", "b", "c"],
            ["b", "b", "b", "a", "a", "b", "c"],
            [0.5, 0.9, 0.7, 0.9, 0.6, 0.9, 0.9],
        ),
        examples=2,
    )
    assert [(p.gold, p.predicted, p.count) for p in result] == [("a", "b", 3), ("b", "a", 1)]
    assert result[0].share_of_gold == 0.75 and result[1].share_of_gold == 0.5
    assert [e.text for e in result[0].examples] == ["sentence 1", "sentence 2"]
    assert [e.confidence for e in result[0].examples] == [0.9, 0.7]
    assert result[0].examples[0].where == "f.csv:3"
    assert confused_pairs(predictions(["a", "b"], ["a", "b"])) == []


def test_per_source_scores() -> None:
    rows = per_source(
        predictions(["a", "b", "a", "b", "c"], ["a", "b", "b", "b", "c"], sources=["x", "x", "y", "y", None])
    )
    assert rows is not None
    assert [(r["source"], r["n"], r["accuracy"]) for r in rows] == [("x", 2, 1.0), ("y", 2, 0.5), (NO_SOURCE, 1, 1.0)]
    # y: gold a predicted b, gold b predicted b -> F1(a) = 0, F1(b) = 2/3.
    assert rows[1]["macro_f1"] == pytest.approx(1 / 3)
    assert rows[0]["accuracy_interval"] == [1.0, 1.0]
    assert per_source(predictions(["a"], ["a"])) is None


def test_document_level_proportions_and_mean_absolute_error() -> None:
    # d1: gold a a b b, predicted a a a b -> |.5-.75| = .25 for a and b; d2 is right.
    result = document_level(
        predictions(
            ["a", "a", "b", "b", "b", "b", "c"],
            ["a", "a", "a", "b", "b", "b", "c"],
            doc_ids=["d1"] * 4 + ["d2"] * 2 + [None],
        )
    )
    assert result is not None
    assert result["n_documents"] == 2 and result["n_sentences_without_doc_id"] == 1
    assert result["mae"] == pytest.approx({"a": 0.125, "b": 0.125, "c": 0.0})
    assert result["mae_overall"] == pytest.approx(0.25 / 3)
    first = result["documents"][0]
    assert first["doc_id"] == "d1" and first["n"] == 4
    assert first["gold"] == {"a": 0.5, "b": 0.5, "c": 0.0}
    assert first["predicted"] == {"a": 0.75, "b": 0.25, "c": 0.0}
    assert first["mae"] == pytest.approx(0.5 / 3)
    assert result["documents"][1]["mae"] == 0.0
    low, high = result["mae_overall_interval"]
    assert 0.0 <= low <= result["mae_overall"] <= high
    assert document_level(predictions(["a"], ["a"])) is None


def test_resampling_units_fall_back_to_sentences_when_documents_are_few() -> None:
    unit, n, what = resampling_units(["d1", "d1", "d2"])
    assert (unit.tolist(), n, what) == ([0, 1, 2], 3, "sentences (only 2 documents, too few to resample)")
    unit, n, what = resampling_units([f"d{i // 2}" for i in range(24)])
    assert (n, what) == (12, "documents (doc_id)") and unit.tolist()[:4] == [0, 0, 1, 1]
    assert resampling_units([None, None])[2] == "sentences (no doc_id column)"
