"""Evaluation with details: numbers known by construction on the tiny corpus and model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_ROWS, write_corpus_file

from framing.corpus import Corpus, load_corpus
from framing.errors import OutputError
from framing.evaluate import EvaluationOptions, check_errors_path, cross_validate, evaluate_model
from framing.model import FramingModel, ModelConfig

#: Two sentences relabeled on purpose: the model (trained on the true labels) will "disagree".
RELABELED = {0: "factual", 8: "conspiracy"}
DETAIL_KEYS = {
    "intervals",
    "calibration",
    "coverage",
    "confused_pairs",
    "per_source",
    "documents",
    "learning_curve",
    "top_ngrams",
}


def corpus_of(tmp_path: Path, rows: list[dict[str, str]], name: str = "c.jsonl") -> Corpus:
    return load_corpus([write_corpus_file(tmp_path / name, rows)])


@pytest.fixture
def relabeled(tmp_path: Path) -> Corpus:
    rows = [dict(r, label=RELABELED.get(i, r["label"])) for i, r in enumerate(TINY_ROWS)]
    return corpus_of(tmp_path, rows)


def test_without_options_only_the_headline_scores(tiny_model: FramingModel, tmp_path: Path) -> None:
    report = evaluate_model(tiny_model, corpus_of(tmp_path, list(TINY_ROWS)))
    assert report.extras == {}
    assert {"n", "accuracy", "macro_f1", "per_frame", "confusion_matrix"} <= set(report.to_dict())


def test_seen_sentences_perfect_scores_and_calibration_identity(tiny_model: FramingModel, tmp_path: Path) -> None:
    corpus = corpus_of(tmp_path, list(TINY_ROWS))
    report = evaluate_model(tiny_model, corpus, EvaluationOptions(samples=200))
    assert report.accuracy == 1.0
    extras = report.extras
    assert set(extras) >= DETAIL_KEYS
    assert extras["intervals"]["accuracy"] == [1.0, 1.0]
    assert extras["intervals"]["resampled"] == "sentences (only 6 documents, too few to resample)"
    # Every prediction right: ECE is 1 minus the mean confidence; Brier follows from the probabilities.
    proba = tiny_model.predict_proba(corpus.texts)
    gold = np.asarray([tiny_model.frames.index(label) for label in corpus.labels])
    assert extras["calibration"]["ece"] == pytest.approx(1 - proba.max(axis=1).mean())
    truth = np.eye(3)[gold]
    assert extras["calibration"]["brier"] == pytest.approx(((proba - truth) ** 2).sum(axis=1).mean())
    assert extras["confused_pairs"] == []
    assert extras["coverage"][0] == {"min_confidence": 0.0, "n": 24, "coverage": 1.0, "accuracy": 1.0, "macro_f1": 1.0}
    assert extras["per_source"][0]["source"] == "test" and extras["per_source"][0]["n"] == 24
    assert extras["documents"]["mae_overall"] == 0.0
    assert extras["learning_curve"] is None
    assert extras["top_ngrams"]["from"] == "the evaluated model"
    assert list(extras["top_ngrams"]["frames"]) == tiny_model.display_frames
    json.dumps(report.to_dict(), allow_nan=False)


def test_relabeled_sentences_are_the_errors(tiny_model: FramingModel, relabeled: Corpus, tmp_path: Path) -> None:
    errors = tmp_path / "errors.csv"
    report = evaluate_model(tiny_model, relabeled, EvaluationOptions(samples=200, errors=str(errors)))
    assert report.accuracy == pytest.approx(22 / 24)
    with errors.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["text"], r["gold"], r["predicted"]) for r in rows] == [
        (TINY_ROWS[i]["text"], RELABELED[i], TINY_ROWS[i]["label"]) for i in sorted(RELABELED)
    ]
    assert rows[0]["doc_id"] == "conspiracy-0" and rows[0]["source"] == "test" and rows[0]["line"] == "1"
    assert 0 < float(rows[0]["confidence"]) <= 1
    assert report.extras["errors"] == {"n": 2, "file": str(errors)}
    pairs = {(p["gold"], p["predicted"]): p["count"] for p in report.extras["confused_pairs"]}
    assert pairs == {("factual", "conspiracy"): 1, ("conspiracy", "proxy"): 1}
    # Two documents of 4 sentences each have one sentence off: |0.25| on two of three frames.
    documents = report.extras["documents"]
    assert documents["mae_overall"] == pytest.approx(2 * (0.5 / 3) / 6)
    assert documents["mae"]["conspiracy"] == pytest.approx(0.5 / 6)


def test_errors_as_jsonl(tiny_model: FramingModel, relabeled: Corpus, tmp_path: Path) -> None:
    errors = tmp_path / "errors.jsonl"
    evaluate_model(tiny_model, relabeled, EvaluationOptions(samples=100, errors=str(errors)))
    records = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [r["gold"] for r in records] == ["factual", "conspiracy"]
    assert set(records[0]) == {"file", "line", "doc_id", "source", "gold", "predicted", "confidence", "text"}


def test_errors_path_is_checked_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"name the file with \.csv or \.jsonl"):
        check_errors_path(tmp_path / "errors.txt")
    with pytest.raises(OutputError, match="does not exist; create it first"):
        check_errors_path(tmp_path / "missing" / "errors.csv")


def test_a_frame_absent_from_gold_and_predictions_is_named_undefined(tiny_model: FramingModel, tmp_path: Path) -> None:
    rows = [r for r in TINY_ROWS if r["label"] != "factual"]
    report = evaluate_model(tiny_model, corpus_of(tmp_path, rows), EvaluationOptions(samples=100))
    assert report.per_frame["factual"].f1 is None
    assert "precision, recall and F1 of 'factual': no gold examples and never predicted" in report.undefined
    assert report.extras["intervals"]["per_frame_f1"]["factual"] == [None, None]
    json.dumps(report.to_dict(), allow_nan=False)


def test_cross_validation_details_and_learning_curve(tmp_path: Path) -> None:
    corpus = corpus_of(tmp_path, list(TINY_ROWS))
    errors = tmp_path / "cv-errors.csv"
    options = EvaluationOptions(samples=100, learning_curve=True, errors=str(errors))
    report = cross_validate(corpus, 3, ModelConfig(cv_folds=3), options=options)
    plain = cross_validate(corpus, 3, ModelConfig(cv_folds=3))
    assert (report.accuracy, report.matrix) == (plain.accuracy, plain.matrix)
    assert set(report.extras) >= DETAIL_KEYS
    curve = report.extras["learning_curve"]
    assert [p["fraction"] for p in curve["points"]] == [0.25, 0.5, 0.75, 1.0]
    assert curve["points"][-1]["macro_f1"] == report.macro_f1
    assert report.extras["top_ngrams"]["from"] == "a model trained on the whole corpus"
    n_wrong = report.n - sum(report.matrix[i][i] for i in range(len(report.labels)))
    assert report.extras["errors"]["n"] == n_wrong
    assert len(errors.read_text(encoding="utf-8").splitlines()) == n_wrong + 1
    coverage = report.extras["coverage"][0]
    assert (coverage["n"], coverage["accuracy"]) == (24, report.accuracy)
    json.dumps(report.to_dict(), allow_nan=False)


def test_learning_curve_on_a_held_out_corpus_uses_the_models_settings(tiny_model: FramingModel, tmp_path: Path) -> None:
    report = evaluate_model(
        tiny_model, corpus_of(tmp_path, list(TINY_ROWS)), EvaluationOptions(samples=100, learning_curve=True)
    )
    curve = report.extras["learning_curve"]
    assert curve["on"] == "3-fold cross-validation on the evaluated corpus, with the model's settings"
    assert [p["n_train"] for p in curve["points"]][-1] == 16.0
