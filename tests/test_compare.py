"""Two collections compared: the difference per frame, its interval, the permutation test, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import noisy_rows, run_cli

from framing.classify import classify_documents
from framing.compare import _permutation_p_values, compare_collections
from framing.documents import DocumentText
from framing.model import FramingModel
from framing.quantify import PROBABILISTIC


def _documents(mix: dict[str, int], seed: int, prefix: str) -> list[DocumentText]:
    by_document: dict[str, list[str]] = {}
    for row in noisy_rows(mix, seed=seed, prefix=prefix):
        by_document.setdefault(row["doc_id"], []).append(row["text"])
    return [DocumentText(doc, " ".join(sentences)) for doc, sentences in by_document.items()]


def test_a_real_difference_is_found_with_an_interval_around_it(noisy_model_path: Path) -> None:
    model = FramingModel.load(noisy_model_path)
    a = _documents({"alpha": 700, "beta": 200, "gamma": 100}, seed=1, prefix="a")
    b = _documents({"alpha": 300, "beta": 200, "gamma": 500}, seed=2, prefix="b")
    result = compare_collections(
        model, classify_documents(model, a), classify_documents(model, b), samples=300, permutations=500
    )
    assert result.method == PROBABILISTIC
    assert result.n_documents == (100, 100) and result.n_sentences == (1000, 1000)
    rows = {r.frame: r for r in result.frames}
    truth = {"alpha": -0.4, "beta": 0.0, "gamma": 0.4}
    for frame, difference in truth.items():
        row = rows[frame]
        assert row.difference == pytest.approx(row.share_b - row.share_a)
        assert row.low is not None and row.high is not None
        assert row.low <= difference <= row.high
    assert rows["alpha"].p_value < 0.01 and rows["gamma"].p_value < 0.01
    assert rows["beta"].p_value > 0.05


def test_two_halves_of_one_mix_are_not_called_different(noisy_model_path: Path) -> None:
    model = FramingModel.load(noisy_model_path)
    documents = _documents({"alpha": 500, "beta": 300, "gamma": 200}, seed=3, prefix="s")
    result = compare_collections(
        model,
        classify_documents(model, documents[::2]),
        classify_documents(model, documents[1::2]),
        samples=300,
        permutations=500,
    )
    for row in result.frames:
        assert row.p_value > 0.05
        assert row.low is not None and row.high is not None and row.low <= 0.0 <= row.high


def test_permutation_p_values_are_exact_for_a_tiny_case() -> None:
    # Two one-sentence documents per side: A = {x, x}, B = {y, y}. Of the 6 ways to choose which two
    # documents are A, 2 split them as observed (or mirrored): p = 2/6 in the limit.
    proba_a = np.array([[1.0, 0.0], [1.0, 0.0]])
    proba_b = np.array([[0.0, 1.0], [0.0, 1.0]])
    sizes = np.ones(2)
    p = _permutation_p_values(proba_a, proba_b, sizes, sizes, 20_000, seed=0)
    assert p == pytest.approx([1 / 3, 1 / 3], abs=0.01)


def test_cli_compare_table_and_json(tiny_model_path: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    texts = ["Militias fired rockets at the base.", "The parliament met on Monday to discuss the budget."]
    first.write_text("".join(json.dumps({"id": f"a{i}", "text": texts[0]}) + "\n" for i in range(12)), encoding="utf-8")
    second.write_text(
        "".join(json.dumps({"id": f"b{i}", "text": texts[i % 2]}) + "\n" for i in range(12)), encoding="utf-8"
    )
    result = run_cli("compare", first, second, "-m", tiny_model_path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["comparison"]["n_documents"] == [12, 12]
    assert {f["frame"] for f in data["comparison"]["frames"]} >= {"factual"}
    table = run_cli("compare", first, second, "-m", tiny_model_path)
    assert table.exit_code == 0, table.output
    assert f"{second} (12 documents, 12 sentences) against {first} (12 documents, 12 sentences)" in " ".join(
        table.stdout.split()
    )


def test_cli_compare_an_empty_side_is_one_error(tiny_model_path: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("Militias fired rockets at the base.", encoding="utf-8")
    second.write_text("   ", encoding="utf-8")
    result = run_cli("compare", first, second, "-m", tiny_model_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Error: the second collection has no sentences; give documents with text"


def test_a_side_with_few_documents_gets_a_note(noisy_model_path: Path) -> None:
    model = FramingModel.load(noisy_model_path)
    few = _documents({"alpha": 20, "beta": 10, "gamma": 0}, seed=4, prefix="f")  # 3 documents
    many = _documents({"alpha": 100, "beta": 100, "gamma": 100}, seed=5, prefix="m")
    result = compare_collections(
        model, classify_documents(model, few), classify_documents(model, many), samples=50, permutations=50
    )
    assert result.notes == (
        "the first collection has only 3 documents: its interval and the permutation test rest on too few "
        "documents to trust; compare collections of 10 documents or more",
    )
