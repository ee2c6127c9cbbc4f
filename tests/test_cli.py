"""The command line through click's CliRunner: happy paths, output shapes, exact errors and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from conftest import TINY_ARTICLE, TINY_ROWS, WriteCorpus, assert_error
from conftest import run_cli as run

from framing import __version__, defaults
from framing.cli import EXIT_SKIPPED, MODEL_ENV, main
from framing.model import FramingModel

FIX = "train one with `framing train` or check the path"


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(TINY_ARTICLE, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_model_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)


# -- general -------------------------------------------------------------------------------------------
def test_version() -> None:
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"framing, version {__version__}\n")


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])
def test_every_help_has_an_example(command: str | None) -> None:
    result = run(*([command] if command else []), "--help")
    assert result.exit_code == 0
    assert "  Example:\n    framing " in result.stdout


def test_core_commands_exist() -> None:
    assert {"train", "classify", "evaluate", "frames"} <= set(main.commands)
    assert all(isinstance(c, click.Command) for c in main.commands.values())


def test_unknown_command_and_option_are_usage_errors() -> None:
    assert run("fly").exit_code == 2
    result = run("classify", "--colour", "red")
    assert result.exit_code == 2
    # click's wording varies between versions ("No such option: --colour", "No such option '--colour'.").
    assert result.stderr.splitlines()[-1].startswith("Error: No such option") and "--colour" in result.stderr


# -- train ---------------------------------------------------------------------------------------------
def test_train_prints_a_summary_and_saves_the_model(
    tiny_corpus_path: Path, codebook_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "m.framing"
    result = run("train", tiny_corpus_path, "--codebook", codebook_path, "--cv-folds", "2", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Trained on 24 sentences from 6 documents, 3 frames\n")
    assert "2-fold grouped cross-validation: accuracy " in result.stdout
    assert f"model saved to {out}" in result.stdout
    for frame in ("conspiracy", "proxy", "factual"):
        assert frame in result.stdout
    model = FramingModel.load(out)
    assert model.display_frames == ["conspiracy", "proxy", "factual"]
    assert model.config.cv_folds == 2


def test_train_binary_reports_its_threshold(write_corpus: WriteCorpus, tmp_path: Path) -> None:
    corpus = write_corpus("b.csv", [r for r in TINY_ROWS if r["label"] != "proxy"])
    result = run("train", corpus, "--cv-folds", "2", "--seed", "3", "-C", "1", "-o", tmp_path / "b.framing")
    assert result.exit_code == 0, result.output
    assert "decision threshold for 'conspiracy': " in result.stdout
    model = FramingModel.load(tmp_path / "b.framing")
    assert (model.config.seed, model.config.C) == (3, 1.0)


def test_train_column_options(write_corpus: WriteCorpus, tmp_path: Path) -> None:
    rows = [{"sentence": r["text"], "frame": r["label"], "article": r["doc_id"]} for r in TINY_ROWS]
    corpus = write_corpus("c.tsv", rows)
    args = ["--text-column", "sentence", "--label-column", "frame", "--group-column", "article"]
    result = run("train", corpus, *args, "--cv-folds", "0", "-o", tmp_path / "m.framing")
    assert result.exit_code == 0, result.output
    assert "from 6 documents" in result.stdout


def test_train_warns_about_duplicates_on_stderr(write_corpus: WriteCorpus, tmp_path: Path) -> None:
    corpus = write_corpus("c.jsonl", [*TINY_ROWS, TINY_ROWS[0]])
    result = run("train", corpus, "--cv-folds", "0", "-o", tmp_path / "m.framing")
    assert result.exit_code == 0
    assert result.stderr == f"Warning: 1 exact duplicate sentence(s) with the same label ignored: {corpus}:25\n"


def test_train_errors(tmp_path: Path, write_corpus: WriteCorpus) -> None:
    missing = tmp_path / "missing.csv"
    assert_error(
        run("train", missing, "-o", tmp_path / "m.framing"), f"{missing}: no such file or folder; check the path"
    )
    corpus = write_corpus("c.csv", [{"sentence": "x", "label": "a"}])
    assert_error(
        run("train", corpus, "-o", tmp_path / "m.framing"),
        f"{corpus}: no 'text' column (columns: 'sentence', 'label'); rename it or pass --text-column NAME",
    )
    nowhere = tmp_path / "no" / "m.framing"
    assert_error(
        run("train", corpus, "-o", nowhere),
        f"cannot write {nowhere}: folder {nowhere.parent} does not exist; create it first",
    )
    good = write_corpus("good.jsonl")
    assert_error(
        run("train", good, "--cv-folds", "1", "-o", tmp_path / "m.framing"),
        "--cv-folds must be 0 (no cross-validation) or at least 2, not 1",
    )
    assert not (tmp_path / "m.framing").exists()


def test_train_usage_errors(tmp_path: Path, tiny_corpus_path: Path) -> None:
    result = run("train", tiny_corpus_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: Missing option '-o' / '--output'."
    assert run("train", "-o", tmp_path / "m.framing").exit_code == 2
    result = run("train", tiny_corpus_path, "-o", tmp_path)
    assert result.exit_code == 2
    assert "is a directory" in result.stderr
    assert run("train", tiny_corpus_path, "--cv-folds", "many", "-o", tmp_path / "m").exit_code == 2


# -- classify --------------------------------------------------------------------------------------------
def test_classify_table_shows_sentences_and_proportions(tiny_model_path: Path, article: Path) -> None:
    result = run("classify", article, "-m", tiny_model_path)
    assert result.exit_code == 0, result.output
    assert f"{article}  (4 sentences)" in result.stdout
    assert "Frame proportions" in result.stdout
    assert "Iran proxy blame" in result.stdout and " 50.0%" in result.stdout
    assert result.stderr == ""


def test_classify_json_shape(tiny_model_path: Path, article: Path) -> None:
    result = run("classify", article, "-m", tiny_model_path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"model", "documents"}
    assert [f["id"] for f in data["model"]["frames"]] == ["conspiracy", "proxy", "factual"]
    assert data["model"]["frames"][1]["title"] == "Iran proxy blame"
    (document,) = data["documents"]
    assert {"id", "sentences", "proportions"} <= set(document)
    assert document["id"] == str(article)
    sentence = document["sentences"][1]
    assert {"start", "end", "text", "frame", "confidence", "scores"} <= set(sentence)
    assert TINY_ARTICLE[sentence["start"] : sentence["end"]] == sentence["text"]
    assert sentence["frame"] == "proxy" and set(sentence["scores"]) == {"conspiracy", "proxy", "factual"}
    assert document["proportions"] == {"conspiracy": 0.25, "proxy": 0.5, "factual": 0.25}


def test_classify_jsonl_is_one_document_per_line(tiny_model_path: Path, tmp_path: Path) -> None:
    for name, text in (("a.txt", TINY_ARTICLE), ("b.txt", "The budget passed.")):
        (tmp_path / "docs").mkdir(exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    result = run("classify", tmp_path / "docs", "-m", tiny_model_path, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [Path(r["id"]).name for r in records] == ["a.txt", "b.txt"]
    assert records[1]["proportions"] == {"conspiracy": 0.0, "proxy": 0.0, "factual": 1.0}


def test_classify_csv_is_one_sentence_per_row(tiny_model_path: Path, article: Path) -> None:
    result = run("classify", article, "-m", tiny_model_path, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["document", "index", "start", "end", "frame", "confidence", "text"]
    assert len(rows) == 5
    assert rows[2][:2] == [str(article), "1"]
    assert TINY_ARTICLE[int(rows[2][2]) : int(rows[2][3])] == rows[2][6]
    assert rows[2][4] == "proxy" and 0 < float(rows[2][5]) <= 1


def test_classify_standard_input(tiny_model_path: Path) -> None:
    result = run("classify", "-", "-m", tiny_model_path, "--format", "json", input=TINY_ARTICLE.encode())
    assert result.exit_code == 0, result.output
    (document,) = json.loads(result.stdout)["documents"]
    assert document["id"] == "-" and len(document["sentences"]) == 4


def test_classify_jsonl_documents_with_field_options(tiny_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text(
        json.dumps({"key": "k1", "body": TINY_ARTICLE})
        + "\n"
        + json.dumps({"key": "k2", "body": "The budget passed."})
        + "\n",
        encoding="utf-8",
    )
    result = run(
        "classify", path, "-m", tiny_model_path, "--text-field", "body", "--id-field", "key", "--format", "jsonl"
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["k1", "k2"]
    assert_error(
        run("classify", path, "-m", tiny_model_path),
        f"{path}:1: no string field 'text'; name the text field with --text-field",
    )


def test_classify_min_confidence(tiny_model_path: Path, article: Path) -> None:
    result = run("classify", article, "-m", tiny_model_path, "--format", "json", "--min-confidence", "1")
    assert result.exit_code == 0, result.output
    (document,) = json.loads(result.stdout)["documents"]
    assert document["proportions"] == {"conspiracy": 0.0, "proxy": 0.0, "factual": 0.0, "unclassified": 1.0}
    assert {s["frame"] for s in document["sentences"]} == {"unclassified"}
    result = run("classify", article, "-m", tiny_model_path, "--min-confidence", "1.5")
    assert result.exit_code == 2
    assert "1.5 is not in the range 0<=x<=1" in result.stderr


def test_classify_model_from_environment(tiny_model_path: Path, article: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tiny_model_path))
    assert run("classify", article, "--format", "csv").exit_code == 0


def test_classify_without_a_default_model(article: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "models" / "default.framing"
    monkeypatch.setattr(defaults, "DEFAULT_MODEL_PATH", missing)
    assert_error(
        run("classify", article), f"no default model at {missing}; build it with `make model` or pass --model FILE"
    )


def test_classify_errors(tiny_model_path: Path, article: Path, tmp_path: Path) -> None:
    missing = tmp_path / "gone.txt"
    assert_error(run("classify", missing, "-m", tiny_model_path), f"{missing}: no such file or folder; check the path")
    assert_error(
        run("classify", article, "-m", tmp_path / "no.framing"), f"{tmp_path / 'no.framing'}: no such model file; {FIX}"
    )
    assert_error(run("classify", article, "-m", article), f"{article}: not a framing model file; {FIX}")
    assert_error(
        run("classify", article, "-m", tiny_model_path, "--encoding", "klingon"),
        "unknown encoding 'klingon'; use a Python codec name such as utf-8 or cp1252",
    )


def test_classify_usage_errors(tiny_model_path: Path) -> None:
    result = run("classify", "-m", tiny_model_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: give at least one file, folder or - for standard input"
    assert run("classify", "-", "--format", "xml").exit_code == 2


def test_classify_skipped_inputs_exit_3_with_a_summary(tiny_model_path: Path, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "ok.txt").write_text("The budget passed.", encoding="utf-8")
    (tmp_path / "docs" / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = run("classify", tmp_path / "docs", "-m", tiny_model_path, "--format", "jsonl")
    assert result.exit_code == EXIT_SKIPPED
    assert [Path(json.loads(line)["id"]).name for line in result.stdout.splitlines()] == ["ok.txt"]
    assert result.stderr.splitlines() == [
        f"Warning: {tmp_path / 'docs' / 'image.txt'}: binary file (contains NUL bytes); skipped",
        "Warning: 1 input(s) skipped; see the warnings above.",
    ]


# -- evaluate ----------------------------------------------------------------------------------------------
def test_evaluate_with_a_model_json_shape(tiny_model_path: Path, write_corpus: WriteCorpus) -> None:
    heldout = write_corpus(
        "heldout.csv",
        [
            {"text": "Iran-backed militias fired rockets at the airport.", "label": "proxy"},
            {"text": "The ministry reported two casualties.", "label": "factual"},
            {"text": "The Americans created ISIS to stay in Iraq.", "label": "conspiracy"},
            {"text": "Parliament will vote on the law next week.", "label": "factual"},
        ],
    )
    result = run("evaluate", heldout, "-m", tiny_model_path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"n", "accuracy", "macro_f1", "per_frame", "confusion_matrix"} <= set(data)
    assert data["n"] == 4
    assert set(data["per_frame"]) == {"conspiracy", "proxy", "factual"}
    assert {"precision", "recall", "f1", "support"} <= set(data["per_frame"]["factual"])
    assert data["per_frame"]["factual"]["support"] == 2
    matrix = data["confusion_matrix"]
    assert matrix["labels"] == ["conspiracy", "proxy", "factual"]
    assert sum(map(sum, matrix["matrix"])) == 4
    assert data["accuracy"] == sum(matrix["matrix"][i][i] for i in range(3)) / 4


def test_evaluate_table_shows_scores_baseline_and_confusion(tiny_model_path: Path, tiny_corpus_path: Path) -> None:
    result = run("evaluate", tiny_corpus_path, "-m", tiny_model_path)
    assert result.exit_code == 0, result.output
    for text in ("accuracy", "macro-F1", "baseline: always", "Per frame", "precision", "Confusion matrix"):
        assert text in result.stdout


def test_evaluate_cross_validation(tiny_corpus_path: Path) -> None:
    result = run("evaluate", tiny_corpus_path, "--cv", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 24
    assert data["method"] == "2-fold grouped cross-validation"


def test_evaluate_errors(tiny_model_path: Path, tiny_corpus_path: Path, write_corpus: WriteCorpus) -> None:
    result = run("evaluate", tiny_corpus_path, "--cv", "2", "-m", tiny_model_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: use either --model (score a trained model) or --cv K (cross-validate), not both"
    )
    assert_error(run("evaluate", tiny_corpus_path, "--cv", "1"), "--cv must be at least 2, not 1")
    other = write_corpus("other.csv", [{"text": "A.", "label": "x"}, {"text": "B.", "label": "proxy"}])
    assert_error(
        run("evaluate", other, "-m", tiny_model_path),
        "corpus labels the model does not know: 'x' (1 sentences); the model's frames are conspiracy, factual, proxy: "
        "relabel or remove those sentences",
    )
    assert run("evaluate", "-m", tiny_model_path).exit_code == 2


# -- frames ------------------------------------------------------------------------------------------------
def test_frames_of_a_model_and_of_a_codebook(tiny_model_path: Path, codebook_path: Path) -> None:
    result = run("frames", "-m", tiny_model_path)
    assert result.exit_code == 0, result.output
    assert "Iran proxy blame" in result.stdout and "Plain reporting." in result.stdout
    data = json.loads(run("frames", "--codebook", codebook_path, "--format", "json").stdout)
    assert [f["id"] for f in data["frames"]] == ["conspiracy", "proxy", "factual"]
    assert data["frames"][0]["definition"] == "The US is blamed for ISIS."


def test_frames_errors(tiny_model_path: Path, codebook_path: Path, tmp_path: Path) -> None:
    result = run("frames", "-m", tiny_model_path, "--codebook", codebook_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: use either --model or --codebook, not both"
    assert_error(
        run("frames", "--codebook", tmp_path / "cb.json"),
        f"{tmp_path / 'cb.json'}: no such codebook file; check the path",
    )
