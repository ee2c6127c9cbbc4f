"""The corpus audit: planted label errors are found by confident learning; near-duplicate conflicts; CLI."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_error, noisy_rows, run_cli, write_corpus_file

from framing.audit import LABEL_ERROR, NEAR_DUPLICATE, audit_corpus, confident_errors
from framing.corpus import load_corpus
from framing.errors import CorpusError
from framing.model import FramingModel


def test_confident_learning_by_hand() -> None:
    # Thresholds: a = mean p(a) over sentences labeled a = (0.9 + 0.8 + 0.1) / 3 = 0.6; b = (0.7 + 0.6) / 2.
    frames = ["a", "b"]
    labels = ["a", "a", "a", "b", "b"]
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.3, 0.7], [0.4, 0.6]])
    ranked, suggested = confident_errors(labels, proba, frames)
    assert ranked == [2]  # labeled a, but p(b) = 0.9 >= 0.65 and p(a) = 0.1 < 0.6
    assert suggested[2] == 1


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[int]]:
    rows = noisy_rows({"alpha": 200, "beta": 200, "gamma": 200}, seed=7, prefix="p")
    rng = random.Random(3)
    flipped = set(rng.sample(range(len(rows)), 30))  # 5% of the labels made wrong
    for i in flipped:
        rows[i]["label"] = rng.choice([f for f in ("alpha", "beta", "gamma") if f != rows[i]["label"]])
    return write_corpus_file(tmp_path_factory.mktemp("audit") / "c.jsonl", rows), flipped


def test_planted_label_errors_are_found(planted: tuple[Path, set[int]]) -> None:
    path, flipped = planted
    corpus = load_corpus([path])
    found = audit_corpus(corpus, folds=5)
    flagged = {int(f.where.rsplit(":", 1)[1]) - 1 for f in found.label_errors}
    hits = flagged & flipped
    # Most planted errors are found, and most of what is flagged was planted (the rest are the
    # generator's own ambiguous sentences).
    assert len(hits) >= 0.6 * len(flipped)
    assert len(hits) >= 0.4 * len(flagged)
    # The top of the ranking is nearly all planted errors.
    top = [int(f.where.rsplit(":", 1)[1]) - 1 for f in found.label_errors[:10]]
    assert sum(i in flipped for i in top) >= 7
    assert found.method.startswith("5-fold grouped cross-validation")


def test_near_duplicates_with_different_frames_are_listed(tmp_path: Path) -> None:
    rows = [
        {"text": "Kataib Hezbollah fired rockets at the base near Baghdad airport.", "label": "proxy", "doc_id": "a"},
        {"text": "Kataib Hezbollah fired rockets at the base near Baghdad airport!", "label": "factual", "doc_id": "b"},
        {"text": "The parliament met on Monday to discuss the budget.", "label": "factual", "doc_id": "b"},
        {"text": "The parliament met on Monday to discuss the budget again.", "label": "factual", "doc_id": "c"},
    ]
    filler = ["Militias {} attacked convoy number {}.", "Officials {} said the meeting {} went well."]
    for i in range(20):
        label = ("proxy", "factual")[i % 2]
        rows.append({"text": filler[i % 2].format(f"w{i}", i), "label": label, "doc_id": f"f{i}"})
    corpus = load_corpus([write_corpus_file(tmp_path / "c.jsonl", rows)])
    found = audit_corpus(corpus, folds=2)
    duplicates = found.duplicates
    assert len(duplicates) == 1  # the parliament pair agrees on its frame
    assert (duplicates[0].label, duplicates[0].suggested) == ("proxy", "factual")
    assert duplicates[0].kind == NEAR_DUPLICATE and duplicates[0].score > 0.99


def test_cli_audit_writes_csv_and_jsonl(planted: tuple[Path, set[int]], tmp_path: Path) -> None:
    path, _ = planted
    out = tmp_path / "suspects.csv"
    result = run_cli("audit", path, "--cv", "3", "-o", out, "--show", "3")
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and rows[0]["kind"] == LABEL_ERROR
    assert set(rows[0]) == {"kind", "where", "text", "label", "suggested", "score", "other_where", "other_text"}
    assert f"findings written to {out}" in result.stderr
    assert "likely label errors" in result.stdout
    jsonl = tmp_path / "suspects.jsonl"
    assert run_cli("audit", path, "--cv", "3", "-o", jsonl, "--format", "json").exit_code == 0
    first = jsonl.read_text(encoding="utf-8").splitlines()[0]
    assert json.loads(first)["kind"] == LABEL_ERROR


def test_cli_audit_errors(planted: tuple[Path, set[int]], tmp_path: Path, tiny_model_path: Path) -> None:
    path, _ = planted
    assert_error(
        run_cli("audit", path, "-o", tmp_path / "suspects.txt"),
        f"{tmp_path / 'suspects.txt'}: the audit is written as .csv or .jsonl; name the file with one of them",
    )
    assert_error(
        run_cli("audit", path, "-m", tiny_model_path),
        "the corpus has frames the model does not know (alpha, beta, gamma); audit with cross-validation",
    )


def test_audit_with_a_model_uses_its_probabilities(noisy_model_path: Path, planted: tuple[Path, set[int]]) -> None:
    path, flipped = planted
    found = audit_corpus(load_corpus([path]), model=FramingModel.load(noisy_model_path))
    assert found.method.startswith("the given model's probabilities")
    flagged = {int(f.where.rsplit(":", 1)[1]) - 1 for f in found.label_errors}
    assert len(flagged & flipped) >= 0.6 * len(flipped)


def test_too_few_folds_is_an_error(planted: tuple[Path, set[int]]) -> None:
    path, _ = planted
    with pytest.raises(CorpusError, match="cross-validation needs at least 2 folds, not 1"):
        audit_corpus(load_corpus([path]), folds=1)
