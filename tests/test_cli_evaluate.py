"""The evaluation, aggregation and explanation commands through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TINY_ARTICLE, TINY_ROWS, WriteCorpus, assert_error, noisy_rows
from conftest import run_cli as run

from framing.cli import MODEL_ENV


@pytest.fixture(autouse=True)
def _no_model_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(TINY_ARTICLE, encoding="utf-8")
    return path


@pytest.fixture
def relabeled(write_corpus: WriteCorpus) -> Path:
    rows = [dict(r, label="factual") if i == 0 else r for i, r in enumerate(TINY_ROWS)]
    return write_corpus("relabeled.csv", rows)


# -- evaluate ------------------------------------------------------------------------------------------
def test_evaluate_json_has_every_part_of_the_report(tiny_model_path: Path, relabeled: Path) -> None:
    result = run("evaluate", relabeled, "-m", tiny_model_path, "--format", "json", "--bootstrap", "200")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"n", "accuracy", "macro_f1", "per_frame", "confusion_matrix"} <= set(data)
    assert {"intervals", "calibration", "coverage", "confused_pairs", "per_source", "documents", "top_ngrams"} <= set(
        data
    )
    assert data["intervals"]["bootstrap_samples"] == 200
    assert data["accuracy"] == pytest.approx(23 / 24)
    pair = data["confused_pairs"][0]
    assert (pair["gold"], pair["predicted"], pair["count"]) == ("factual", "conspiracy", 1)
    assert pair["examples"][0]["text"] == TINY_ROWS[0]["text"]


def test_evaluate_table_shows_every_section(tiny_model_path: Path, relabeled: Path, tmp_path: Path) -> None:
    errors = tmp_path / "errors.csv"
    result = run("evaluate", relabeled, "-m", tiny_model_path, "--errors", errors, "--bootstrap", "200")
    assert result.exit_code == 0, result.output
    for text in (
        "95% interval",
        "intervals: 200 bootstrap resamples of 24 sentences (only 6 documents, too few to resample)",
        "Calibration: expected calibration error",
        "Reliability",
        "Choosing --min-confidence",
        "Most confused frames",
        "factual → conspiracy: 1 sentence (11.1% of factual)",
        "Word n-grams that weigh most for each frame (the evaluated model)",
        "Per source",
        "Document level (6 documents)",
        f"1 misclassified sentence written to {errors}",
    ):
        assert text in result.stdout, text
    assert errors.read_text(encoding="utf-8").count("\n") == 2


def test_evaluate_cv_with_learning_curve(tiny_corpus_path: Path) -> None:
    result = run(
        "evaluate", tiny_corpus_path, "--cv", "3", "--learning-curve", "--bootstrap", "100", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["method"] == "3-fold grouped cross-validation"
    assert [p["fraction"] for p in data["learning_curve"]["points"]] == [0.25, 0.5, 0.75, 1.0]
    assert data["top_ngrams"]["from"] == "a model trained on the whole corpus"
    table = run("evaluate", tiny_corpus_path, "--cv", "3", "--learning-curve", "--bootstrap", "100")
    assert "Learning curve (the same 3 folds)" in table.stdout


def test_evaluate_errors_file_errors(tiny_model_path: Path, tiny_corpus_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "errors.txt"
    assert_error(
        run("evaluate", tiny_corpus_path, "-m", tiny_model_path, "--errors", bad),
        f"--errors {bad}: unknown format '.txt'; name the file with .csv or .jsonl",
    )
    missing = tmp_path / "nowhere" / "errors.csv"
    assert_error(
        run("evaluate", tiny_corpus_path, "--cv", "2", "--errors", missing),
        f"--errors {missing}: folder {missing.parent} does not exist; create it first",
    )
    assert run("evaluate", tiny_corpus_path, "-m", tiny_model_path, "--bootstrap", "5").exit_code == 2


def test_evaluate_keeps_an_existing_errors_file_when_it_fails(
    tiny_model_path: Path, write_corpus: WriteCorpus, tmp_path: Path
) -> None:
    errors = tmp_path / "errors.csv"
    errors.write_text("previous\n", encoding="utf-8")
    unknown = write_corpus("unknown.csv", [{"text": "A.", "label": "x"}, {"text": "B.", "label": "proxy"}])
    assert run("evaluate", unknown, "-m", tiny_model_path, "--errors", errors).exit_code == 1
    assert errors.read_text(encoding="utf-8") == "previous\n"


# -- classify --aggregate ----------------------------------------------------------------------------------
def test_aggregate_corrects_a_shifted_collection(noisy_model_path: Path, tmp_path: Path) -> None:
    rows = noisy_rows({"alpha": 700, "beta": 200, "gamma": 100}, seed=1, prefix="t")
    documents: dict[str, list[str]] = {}
    for row in rows:
        documents.setdefault(row["doc_id"], []).append(row["text"])
    path = tmp_path / "docs.jsonl"
    path.write_text(
        "".join(json.dumps({"id": d, "text": " ".join(t)}) + "\n" for d, t in documents.items()), encoding="utf-8"
    )
    result = run("classify", path, "-m", noisy_model_path, "--aggregate", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["aggregate"]
    assert (data["n_documents"], data["n_sentences"]) == (100, 1000)
    estimates = data["estimates"]
    assert list(estimates) == ["classify_and_count", "probabilistic_count", "adjusted", "probabilistic_adjusted"]
    truth = {"alpha": 0.7, "beta": 0.2, "gamma": 0.1}

    def error(method: str) -> float:
        return sum(abs(estimates[method]["proportions"][f] - truth[f]) for f in truth)

    assert error("adjusted") < 0.6 * error("classify_and_count")
    low, high = estimates["adjusted"]["intervals"]["alpha"]
    assert low <= 0.7 <= high
    assert "ACC" in estimates["adjusted"]["label"] and "raw" in estimates["classify_and_count"]["label"]
    table = run("classify", path, "-m", noisy_model_path, "--aggregate")
    assert table.exit_code == 0
    for text in (
        "Frame proportions over 100 documents (1000 sentences)",
        "counted",
        "adjusted (ACC)",
        "adjusted (PACC)",
    ):
        assert text in table.stdout


def test_aggregate_usage_errors(tiny_model_path: Path, article: Path) -> None:
    for args, message in (
        (["--format", "csv"], "--aggregate prints a table or JSON; use --format table or --format json"),
        (["--min-confidence", "0.5"], "--aggregate counts every sentence, so --min-confidence does not apply; drop it"),
        (["--explain"], "use either --aggregate (corpus proportions) or --explain (per sentence), not both"),
    ):
        result = run("classify", article, "-m", tiny_model_path, "--aggregate", *args)
        assert result.exit_code == 2
        assert result.stderr.splitlines()[-1] == f"Error: {message}"


# -- explanations ------------------------------------------------------------------------------------------
def test_classify_explain_json_and_table(tiny_model_path: Path, article: Path) -> None:
    result = run("classify", article, "-m", tiny_model_path, "--explain", "--format", "json")
    assert result.exit_code == 0, result.output
    sentences = json.loads(result.stdout)["documents"][0]["sentences"]
    assert len(sentences) == 4
    for sentence in sentences:
        explanation = sentence["explanation"]
        assert explanation["frame"] == sentence["frame"]
        assert {"runner_up", "margin", "toward", "away"} <= set(explanation)
    lines = run("classify", article, "-m", tiny_model_path, "--explain", "--format", "jsonl").stdout.splitlines()
    assert len(lines) == 1 and "explanation" in json.loads(lines[0])["sentences"][0]
    table = run("classify", article, "-m", tiny_model_path, "--explain")
    assert table.exit_code == 0 and "why: n-grams toward the frame | toward the runner-up" in table.stdout
    csv_result = run("classify", article, "-m", tiny_model_path, "--explain", "--format", "csv")
    assert csv_result.exit_code == 2
    assert csv_result.stderr.splitlines()[-1] == "Error: --explain works with --format table, json or jsonl, not csv"


def test_explain_command(tiny_model_path: Path) -> None:
    text = "Iran-backed militias fired rockets at the base."
    result = run("explain", text, "-m", tiny_model_path, "--top", "3")
    assert result.exit_code == 0, result.output
    assert "→ proxy" in result.stdout and "toward proxy" in result.stdout and "militias" in result.stdout
    data = json.loads(run("explain", text, "-m", tiny_model_path, "--format", "json").stdout)
    (sentence,) = data["sentences"]
    assert sentence["frame"] == "proxy" and len(sentence["toward"]) <= 5
    piped = json.loads(run("explain", "-", "-m", tiny_model_path, "--format", "json", input=text).stdout)
    assert piped["sentences"] == data["sentences"]


def test_explain_errors(tiny_model_path: Path, tmp_path: Path) -> None:
    assert_error(
        run("explain", "  ", "-m", tiny_model_path), "nothing to explain: the text is empty; pass a sentence in quotes"
    )
    assert run("explain", "x", "-m", tiny_model_path, "--top", "0").exit_code == 2
    missing = tmp_path / "none.framing"
    result = run("explain", "x", "-m", missing)
    assert result.exit_code == 1 and "no such model file" in result.stderr
