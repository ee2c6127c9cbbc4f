"""Training: grouped folds, out-of-fold probabilities, the binary threshold, recorded scores, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_ROWS, WriteCorpus
from hypothesis import given
from hypothesis import strategies as st

from framing.codebook import codebook_from_dict
from framing.corpus import Corpus, load_corpus
from framing.errors import CodebookError, CorpusError
from framing.model import ModelConfig
from framing.train import (
    choose_threshold,
    confusion_rates,
    decide_labels,
    make_splits,
    out_of_fold_proba,
    rarer_frame,
    train_model,
)


@pytest.fixture
def corpus(tiny_corpus_path: Path) -> Corpus:
    return load_corpus([tiny_corpus_path])


def _f1(is_positive: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((is_positive & predicted).sum())
    return 2 * tp / (int(is_positive.sum()) + int(predicted.sum()))


# -- folds ----------------------------------------------------------------------------------------
def test_grouped_splits_never_put_a_document_on_both_sides(corpus: Corpus) -> None:
    groups = corpus.groups()
    splits = make_splits(corpus.labels, groups, 3, seed=0)
    assert len(splits) == 3
    tested = np.concatenate([test for _, test in splits])
    assert sorted(tested) == list(range(len(corpus)))
    for train, test in splits:
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_ungrouped_splits_are_stratified(corpus: Corpus) -> None:
    for _, test in make_splits(corpus.labels, None, 4, seed=0):
        assert sorted(corpus.labels[i] for i in test) == ["conspiracy"] * 2 + ["factual"] * 2 + ["proxy"] * 2


def test_splits_depend_on_the_seed(corpus: Corpus) -> None:
    first = [list(t) for _, t in make_splits(corpus.labels, None, 4, seed=0)]
    assert first == [list(t) for _, t in make_splits(corpus.labels, None, 4, seed=0)]
    assert first != [list(t) for _, t in make_splits(corpus.labels, None, 4, seed=1)]


def test_too_few_documents_for_the_folds(corpus: Corpus) -> None:
    with pytest.raises(CorpusError) as caught:
        make_splits(corpus.labels, corpus.groups(), 7, seed=0)
    assert (
        str(caught.value) == "only 6 documents (doc_id) for 7-fold cross-validation; add documents or lower --cv-folds"
    )


def test_out_of_fold_probabilities_come_from_models_that_never_saw_the_sentence(corpus: Corpus) -> None:
    config = ModelConfig(cv_folds=3)
    splits = make_splits(corpus.labels, None, 3, seed=0)
    messages: list[str] = []
    proba, frames = out_of_fold_proba(corpus.texts, corpus.labels, splits, config, messages.append)
    assert frames == ["conspiracy", "factual", "proxy"]
    assert np.allclose(proba.sum(axis=1), 1)
    assert messages == ["cross-validation fold 1/3", "cross-validation fold 2/3", "cross-validation fold 3/3"]
    # Sentence 0 is scored by the model trained on the other folds, not on everything.
    from framing.model import FramingModel

    train, test = next((tr, te) for tr, te in splits if 0 in te)
    fold_model = FramingModel(config).fit([corpus.texts[i] for i in train], [corpus.labels[i] for i in train])
    row = int(np.where(test == 0)[0][0])
    assert np.allclose(proba[0], fold_model.predict_proba([corpus.texts[i] for i in test])[row])


# -- threshold ------------------------------------------------------------------------------------
def test_choose_threshold_maximises_f1() -> None:
    is_positive = np.array([True, False, True, False, False, True])
    score = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    threshold, f1 = choose_threshold(is_positive, score)
    assert threshold == pytest.approx(0.5)  # between 0.7 and 0.3: two of three found, one false alarm
    assert f1 == pytest.approx(_f1(is_positive, score >= threshold))


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 20)), min_size=1, max_size=40))
def test_choose_threshold_is_optimal_and_respects_ties(pairs: list[tuple[bool, int]]) -> None:
    is_positive = np.array([p for p, _ in pairs])
    if not is_positive.any():
        return
    score = np.array([s / 20 for _, s in pairs])
    threshold, f1 = choose_threshold(is_positive, score)
    assert f1 == pytest.approx(_f1(is_positive, score >= threshold))
    best = max(_f1(is_positive, score >= t) for t in np.unique(score))
    assert f1 == pytest.approx(best)


def test_decide_labels_with_and_without_threshold() -> None:
    proba = np.array([[0.3, 0.7], [0.6, 0.4]])
    assert decide_labels(proba, ["a", "b"], None, None) == ["b", "a"]
    assert decide_labels(proba, ["a", "b"], "a", 0.25) == ["a", "a"]
    assert decide_labels(proba, ["a", "b"], "b", 0.5) == ["b", "a"]


def test_rarer_frame_breaks_ties_alphabetically() -> None:
    assert rarer_frame(["x", "y", "y"]) == "x"
    assert rarer_frame(["b", "a"]) == "a"


def test_confusion_rates_rows_are_distributions() -> None:
    gold = ["a", "a", "b", "b"]
    predicted = ["a", "b", "b", "b"]
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.0, 1.0]])
    rates = confusion_rates(gold, predicted, proba, ["a", "b"])
    assert rates == {"frames": ["a", "b"], "hard": [[0.5, 0.5], [0.0, 1.0]], "soft": [[0.65, 0.35], [0.1, 0.9]]}


# -- train_model -----------------------------------------------------------------------------------
def test_binary_training_stores_the_threshold_chosen_on_out_of_fold_scores(write_corpus: WriteCorpus) -> None:
    rows = [r for r in TINY_ROWS if r["label"] != "proxy"][:14]
    corpus = load_corpus([write_corpus("b.jsonl", rows)])
    config = ModelConfig(cv_folds=3)
    model = train_model(corpus, config=config)
    assert rarer_frame(corpus.labels) == "factual"
    assert model.frames[model.positive_ or 0] == "factual"
    splits = make_splits(corpus.labels, corpus.groups(), 3, 0)
    proba, frames = out_of_fold_proba(corpus.texts, corpus.labels, splits, config)
    expected, _ = choose_threshold(
        np.array([label == "factual" for label in corpus.labels]), proba[:, frames.index("factual")]
    )
    assert model.threshold_ == expected
    assert model.info_["cv"]["n"] == len(corpus)


def test_training_records_corpus_scores_rates_and_progress(corpus: Corpus, codebook_path: Path) -> None:
    from framing.codebook import load_codebook

    messages: list[str] = []
    model = train_model(corpus, load_codebook(codebook_path), ModelConfig(cv_folds=2), progress=messages.append)
    assert messages[-1] == "fitting the final model" and len(messages) == 3
    assert model.display_frames == ["conspiracy", "proxy", "factual"]  # codebook order
    info = model.info_
    assert info["corpus"]["files"] == ["tiny.jsonl"]
    assert info["corpus"]["n_documents"] == 6
    assert info["cv"]["method"] == "2-fold grouped cross-validation"
    assert info["cv_rates"]["frames"] == ["conspiracy", "factual", "proxy"]
    assert np.allclose(np.array(info["cv_rates"]["hard"]).sum(axis=1), 1)


def test_no_cross_validation_with_zero_folds(corpus: Corpus) -> None:
    model = train_model(corpus, config=ModelConfig(cv_folds=0))
    assert model.info_["cv"] is None and model.info_["cv_rates"] is None
    assert model.threshold_ is None


def test_one_fold_is_refused(corpus: Corpus) -> None:
    with pytest.raises(CorpusError) as caught:
        train_model(corpus, config=ModelConfig(cv_folds=1))
    assert str(caught.value) == "--cv-folds must be 0 (no cross-validation) or at least 2, not 1"


def test_too_few_examples_for_the_folds(corpus: Corpus) -> None:
    with pytest.raises(CorpusError) as caught:
        train_model(corpus, config=ModelConfig(cv_folds=10))
    assert str(caught.value) == (
        "too few examples: 'conspiracy' has 8, 'factual' has 8, 'proxy' has 8; 10-fold cross-validation needs "
        "at least 10 per frame: add examples, merge the frame into another, or lower --cv-folds"
    )


def test_a_frame_needs_two_examples_even_without_cv(write_corpus: WriteCorpus) -> None:
    corpus = load_corpus([write_corpus("c.jsonl", [*TINY_ROWS, {"text": "Only one.", "label": "rare"}])])
    with pytest.raises(CorpusError, match=r"^too few examples: 'rare' has 1; training needs at least 2 per frame"):
        train_model(corpus, config=ModelConfig(cv_folds=0))


def test_labels_missing_from_the_codebook(corpus: Corpus) -> None:
    book = codebook_from_dict({"frames": [{"id": "proxy"}, {"id": "factual"}]})
    with pytest.raises(CodebookError) as caught:
        train_model(corpus, book, ModelConfig(cv_folds=0))
    assert str(caught.value) == (
        "corpus labels not in the codebook: 'conspiracy' (8 sentences); known frames: proxy, factual; "
        "relabel those sentences or add the frames to the codebook"
    )
