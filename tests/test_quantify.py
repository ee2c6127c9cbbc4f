"""Corpus-level proportions: the adjustment's algebra, its intervals, and a synthetic prior shift."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_ROWS, noisy_rows
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.classify import classify_documents
from framing.corpus import load_corpus
from framing.documents import DocumentText
from framing.errors import InputError
from framing.model import FramingModel, ModelConfig
from framing.quantify import (
    ADJUSTED,
    COUNTED,
    PROBABILISTIC,
    PROBABILISTIC_COUNT,
    ConfusionRates,
    adjust,
    aggregate_documents,
    estimate_proportions,
    rates_from_model,
)
from framing.train import train_model

RATES = np.array([[0.8, 0.15, 0.05], [0.1, 0.7, 0.2], [0.05, 0.25, 0.7]])


def test_adjust_recovers_the_true_shares_exactly() -> None:
    truth = np.array([0.7, 0.2, 0.1])
    observed = RATES.T @ truth  # what a classifier with these rates would count
    assert observed == pytest.approx([0.585, 0.27, 0.145])
    assert adjust(observed, RATES) == pytest.approx(truth)


def test_adjust_clips_below_zero_and_renormalises() -> None:
    # 0.8 p + 0.2 (1 - p) = 0.9 gives p = 7/6: beyond what these rates can produce.
    rates = np.array([[0.8, 0.2], [0.2, 0.8]])
    assert adjust(np.array([0.9, 0.1]), rates) == pytest.approx([1.0, 0.0])


def test_adjust_works_on_stacks_of_observations_and_rates() -> None:
    truths = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    observed = truths @ RATES
    assert adjust(observed, np.stack([RATES, RATES])) == pytest.approx(truths)


def test_adjust_survives_a_singular_rates_matrix() -> None:
    # A classifier that says "a" for everything carries no information: no crash, shares sum to 1.
    useless = np.array([[1.0, 0.0], [1.0, 0.0]])
    shares = adjust(np.array([1.0, 0.0]), useless)
    assert shares.sum() == pytest.approx(1.0)
    assert (shares >= 0).all()


@st.composite
def simplex(draw: st.DrawFn, k: int) -> np.ndarray:
    weights = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k)))
    return weights / weights.sum()


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5).flatmap(lambda k: st.tuples(simplex(k), st.lists(simplex(k), min_size=k, max_size=k))))
def test_adjust_inverts_any_diagonally_dominant_classifier(case: tuple[np.ndarray, list[np.ndarray]]) -> None:
    truth, noise = case
    k = len(truth)
    rates = 0.6 * np.eye(k) + 0.4 * np.array(noise)  # rows sum to 1, diagonal dominates
    assert adjust(rates.T @ truth, rates) == pytest.approx(truth, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5).flatmap(lambda k: st.tuples(simplex(k), st.lists(simplex(k), min_size=k, max_size=k))))
def test_adjusted_shares_are_always_proportions(case: tuple[np.ndarray, list[np.ndarray]]) -> None:
    observed, rows = case
    shares = adjust(observed, np.array(rows))
    assert shares.sum() == pytest.approx(1.0)
    assert (shares >= 0).all()


def rates_of(matrix: np.ndarray, n: float = 100) -> ConfusionRates:
    frames = tuple("abc"[: len(matrix)])
    return ConfusionRates(frames, matrix, matrix, np.full(len(matrix), float(n)))


def test_counted_shares_are_sentence_weighted_over_documents() -> None:
    counts = np.array([[3, 1, 0], [0, 0, 4], [1, 1, 0]])
    estimate = estimate_proportions(counts, counts, "abc", None, samples=200)
    counted = estimate.get(COUNTED)
    assert counted is not None
    assert counted.proportions == pytest.approx({"a": 0.4, "b": 0.2, "c": 0.4})
    assert estimate.n_documents == 3 and estimate.n_sentences == 10
    assert [e.method for e in estimate.estimates] == [COUNTED, PROBABILISTIC_COUNT]  # no rates, no adjustment


def test_identical_documents_give_degenerate_counted_intervals() -> None:
    # Resampling documents that all look alike cannot change the shares.
    counts = np.tile([6.0, 3.0, 1.0], (12, 1))
    counted = estimate_proportions(counts, counts, "abc", None, samples=200).get(COUNTED)
    assert counted is not None
    for frame, share in counted.proportions.items():
        assert (counted.intervals[frame].low, counted.intervals[frame].high) == pytest.approx((share, share))


def test_adjusted_estimates_and_intervals_from_known_rates() -> None:
    truth = np.array([0.7, 0.2, 0.1])
    per_document = 100 * (RATES.T @ truth)  # each of 20 documents counts exactly what the rates predict
    counts = np.tile(per_document, (20, 1))
    estimate = estimate_proportions(counts, counts, "abc", rates_of(RATES, n=10_000), samples=300)
    for method in (ADJUSTED, PROBABILISTIC):
        found = estimate.get(method)
        assert found is not None
        assert list(found.proportions.values()) == pytest.approx(truth)
        for frame, share in zip("abc", truth, strict=True):
            interval = found.intervals[frame]
            assert interval.low is not None and interval.high is not None
            # Rates measured on 10,000 sentences each: a narrow interval around the truth.
            assert interval.low <= share <= interval.high
            assert interval.high - interval.low < 0.05
    assert estimate.notes == ()


def test_adjusted_intervals_widen_when_rates_rest_on_few_sentences() -> None:
    counts = np.tile(100 * (RATES.T @ np.array([0.7, 0.2, 0.1])), (20, 1))
    width = {}
    for n in (20, 10_000):
        found = estimate_proportions(counts, counts, "abc", rates_of(RATES, n), samples=300).get(ADJUSTED)
        assert found is not None
        width[n] = found.intervals["a"].high - found.intervals["a"].low  # type: ignore[operator]
    assert width[20] > 3 * width[10_000]


def test_notes_name_clipped_frames_and_nearly_singular_rates() -> None:
    rates = np.array([[0.51, 0.49], [0.49, 0.51]])
    counts = np.tile([90.0, 10.0], (12, 1))
    notes = estimate_proportions(counts, counts, "ab", rates_of(rates), samples=100).notes
    assert any("nearly singular" in note for note in notes)
    assert any("b solved below 0, clipped to 0" in note for note in notes)


def test_empty_documents_are_an_error_not_a_division_by_zero() -> None:
    with pytest.raises(InputError, match="no sentences to aggregate"):
        estimate_proportions(np.zeros((2, 3)), np.zeros((2, 3)), "abc", None)


def test_rates_from_model_reorders_to_the_models_frames(tiny_model: FramingModel) -> None:
    rates = rates_from_model(tiny_model)
    assert isinstance(rates, ConfusionRates)
    assert rates.frames == tuple(tiny_model.frames)
    assert rates.hard.sum(axis=1) == pytest.approx(np.ones(3))
    assert rates.counts.tolist() == [8.0, 8.0, 8.0]


def test_a_model_without_cross_validation_gives_counted_shares_and_says_why(tmp_path: Path) -> None:
    from conftest import write_corpus_file

    corpus = load_corpus([write_corpus_file(tmp_path / "c.jsonl", TINY_ROWS)])
    model = train_model(corpus, config=ModelConfig(cv_folds=0))
    documents = classify_documents(model, [DocumentText("x", "Tehran's proxies fired rockets. Parliament met.")])
    estimate = aggregate_documents(model, documents, samples=100)
    assert [e.method for e in estimate.estimates] == [COUNTED, PROBABILISTIC_COUNT]
    assert "retrain it with --cv-folds 5" in estimate.notes[0]


def test_few_documents_resample_sentences_and_say_so(tiny_model: FramingModel) -> None:
    documents = classify_documents(tiny_model, [DocumentText("x", "Tehran's proxies fired rockets. Parliament met.")])
    estimate = aggregate_documents(tiny_model, documents, samples=100)
    assert estimate.n_documents == 1 and estimate.n_sentences == 2
    assert estimate.resampled == "sentences (only 1 document, too few to resample)"
    assert estimate.to_dict()["interval"]["resampled"].startswith("sentences")


def test_binary_threshold_decides_the_count(binary_model: FramingModel) -> None:
    # Counts must follow the model's decisions (threshold included), as `classify` reports them.
    texts = [r["text"] for r in TINY_ROWS[:16]]
    documents = list(classify_documents(binary_model, [DocumentText(str(i), t) for i, t in enumerate(texts)]))
    counted = aggregate_documents(binary_model, documents, samples=100).get(COUNTED)
    assert counted is not None
    frames = [s.frame for d in documents for s in d.sentences]
    assert counted.proportions == pytest.approx({f: frames.count(f) / len(frames) for f in counted.proportions})


def test_adjustment_corrects_a_synthetic_prior_shift(noisy_model_path: Path) -> None:
    """Trained on a balanced mix, applied to a 70/20/10 mix: the raw count drifts toward the
    training mix (each frame loses ~12% of its sentences to the others, evenly), the adjusted
    estimates undo it."""
    model = FramingModel.load(noisy_model_path)
    rows = noisy_rows({"alpha": 700, "beta": 200, "gamma": 100}, seed=1, prefix="t")
    truth = {f: sum(r["label"] == f for r in rows) / len(rows) for f in ("alpha", "beta", "gamma")}
    by_document: dict[str, list[str]] = {}
    for row in rows:
        by_document.setdefault(row["doc_id"], []).append(row["text"])
    texts = [DocumentText(doc, " ".join(sentences)) for doc, sentences in by_document.items()]
    estimate = aggregate_documents(model, classify_documents(model, texts))
    assert estimate.n_sentences == 1000 and estimate.n_documents == 100

    def error(method: str) -> float:
        found = estimate.get(method)
        assert found is not None
        return sum(abs(found.proportions[f] - truth[f]) for f in truth)

    raw = error(COUNTED)
    assert raw > 0.08  # the shift really biases the count
    # Here the raw count is off by 0.13 in total; ACC by 0.06 and PACC by 0.07.
    assert error(ADJUSTED) < 0.6 * raw
    assert error(PROBABILISTIC) < 0.6 * raw
    for method in (ADJUSTED, PROBABILISTIC):
        found = estimate.get(method)
        assert found is not None
        for frame, share in truth.items():
            assert found.intervals[frame].low <= share <= found.intervals[frame].high  # type: ignore[operator]
    counted = estimate.get(COUNTED)
    assert counted is not None
    assert not counted.intervals["alpha"].low <= truth["alpha"] <= counted.intervals["alpha"].high  # type: ignore[operator]


def test_rows_are_kept_in_blocks_without_changing_the_result(
    tiny_model: FramingModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from framing import quantify

    texts = [DocumentText(str(i), r["text"]) for i, r in enumerate(TINY_ROWS[:13])]
    expected = aggregate_documents(tiny_model, classify_documents(tiny_model, texts), samples=50)
    monkeypatch.setattr(quantify._Rows, "BLOCK", 2)
    blocked = aggregate_documents(tiny_model, classify_documents(tiny_model, texts), samples=50)
    assert blocked == expected
    assert blocked.n_documents == 13 and blocked.resampled == "documents"
