"""`classify --output`: JSONL/CSV/SQLite files, atomic completion, and --resume after interruption or SIGKILL."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import TINY_ARTICLE

from framing import stream
from framing.cli import main
from framing.documents import JsonlBlock
from framing.outputs import journal_path, partial_path, proportion_columns

TEXTS = [TINY_ARTICLE, "Iran arms the factions. The budget passed.", "", "Washington armed them! Really?"]


def write_documents(path: Path, n: int) -> Path:
    lines = [json.dumps({"id": f"d{i}", "text": TEXTS[i % len(TEXTS)] + f" Item {i}."}) for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str | Path, input: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def classify(model: Path, source: Path, output: Path, *extra: str) -> Result:
    return run("classify", source, "-m", model, "-o", output, "-j", "1", *extra)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return write_documents(tmp_path / "docs.jsonl", 12)


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_output_file_holds_what_format_prints(tiny_model_path: Path, docs: Path, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"out.{kind}"
    result = classify(tiny_model_path, docs, out)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"12 documents (36 sentences) written to {out}\n"
    printed = run("classify", docs, "-m", tiny_model_path, "--format", kind)
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert not partial_path(out).exists() and not journal_path(out).exists()


def test_sqlite_tables_indexes_and_content(tiny_model_path: Path, docs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sqlite"
    assert classify(tiny_model_path, docs, out, "--min-confidence", "0.5").exit_code == 0
    printed = [
        json.loads(line)
        for line in run(
            "classify", docs, "-m", tiny_model_path, "--format", "jsonl", "--min-confidence", "0.5"
        ).stdout.splitlines()
    ]
    with sqlite3.connect(out) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(documents)")]
        assert columns == ["doc", "id", "path", "n_sentences", "conspiracy", "proxy", "factual", "unclassified"]
        rows = db.execute("SELECT * FROM documents ORDER BY doc").fetchall()
        assert rows == [
            (i + 1, d["id"], str(docs), d["n_sentences"], *d["proportions"].values()) for i, d in enumerate(printed)
        ]
        sentences = db.execute(
            'SELECT doc, sentence_index, start, "end", text, frame, confidence FROM sentences '
            "ORDER BY doc, sentence_index"
        ).fetchall()
        assert sentences == [
            (i + 1, s["index"], s["start"], s["end"], s["text"], s["frame"], s["confidence"])
            for i, d in enumerate(printed)
            for s in d["sentences"]
        ]
        plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN SELECT * FROM sentences WHERE frame = 'proxy'"))
        assert "sentences_frame" in plan
        assert db.execute("SELECT value FROM run WHERE key = 'completed'").fetchone() is not None


def test_frame_columns_never_clash_with_document_columns() -> None:
    assert proportion_columns(["proxy", "ID", "path"]) == ["proxy", "ID_proportion", "path_proportion"]


def test_unknown_output_kind_and_option_clashes(tiny_model_path: Path, docs: Path, tmp_path: Path) -> None:
    result = classify(tiny_model_path, docs, tmp_path / "out.txt")
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {tmp_path / 'out.txt'}: unknown output kind '.txt'; name the file .jsonl, .csv, .sqlite\n",
    )
    result = run("classify", docs, "-m", tiny_model_path, "-o", tmp_path / "o.jsonl", "--format", "csv")
    assert result.exit_code == 2 and "drop --format" in result.stderr
    result = run("classify", docs, "-m", tiny_model_path, "--resume")
    assert result.exit_code == 2 and "--resume continues an --output file; give --output FILE" in result.stderr
    result = run("classify", docs, "-m", tiny_model_path, "-o", tmp_path / "o.jsonl", "--aggregate")
    assert result.exit_code == 2 and "drop --aggregate/--explain/--html" in result.stderr
    result = run("classify", docs, "-m", tiny_model_path, "--jobs", "2")
    assert result.exit_code == 2 and "give --output FILE, or --format jsonl or csv" in result.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_output_in_a_missing_folder_fails_before_any_work(tiny_model_path: Path, docs: Path, tmp_path: Path) -> None:
    result = classify(tiny_model_path, docs, tmp_path / "nope" / "out.jsonl")
    assert result.exit_code == 1
    assert "folder" in result.stderr and "does not exist; create it first" in result.stderr


# -- interruption and resume -------------------------------------------------------------------------------
def interrupt_after(monkeypatch: pytest.MonkeyPatch, documents: int) -> None:
    """Make the next run stop with Ctrl-C before reading the block that goes past ``documents`` documents."""
    original = stream.Inputs.items

    def items(self: stream.Inputs, warn: object = None, **sizes: int) -> Iterator[object]:
        read = 0
        for item in original(self, warn, **sizes):  # type: ignore[arg-type]
            read += len(item.parse()[0]) if isinstance(item, JsonlBlock) else 1
            if read > documents:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(stream.Inputs, "items", items)


@pytest.mark.parametrize("kind", ["jsonl", "csv", "sqlite"])
def test_interrupted_run_resumes_to_the_same_file(
    tiny_model_path: Path, docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    clean = tmp_path / f"clean.{kind}"
    assert classify(tiny_model_path, docs, clean).exit_code == 0
    out = tmp_path / f"out.{kind}"
    monkeypatch.setattr("framing.defaults.CHUNK_DOCUMENTS", 3)
    monkeypatch.setattr("framing.defaults.COMMIT_SECONDS", 0.0)
    with monkeypatch.context() as patch:
        interrupt_after(patch, 7)
        result = classify(tiny_model_path, docs, out)
    assert result.exit_code == 130
    assert not out.exists() and partial_path(out).exists()
    result = classify(tiny_model_path, docs, out)
    assert result.exit_code == 1
    assert (
        result.stderr == f"Error: {partial_path(out)} holds an interrupted run; "
        "pass --resume to continue it, or delete it to start over\n"
    )
    result = classify(tiny_model_path, docs, out, "--resume")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"Resuming {out}: 6 documents already done."
    assert result.stderr.splitlines()[1].startswith("6 documents (")
    if kind == "sqlite":
        assert sqlite_content(out) == sqlite_content(clean)
    else:
        assert out.read_bytes() == clean.read_bytes()
    assert not partial_path(out).exists() and not journal_path(out).exists()
    result = classify(tiny_model_path, docs, out, "--resume")
    assert result.stderr == f"Error: {out} is already complete; there is nothing to resume (drop --resume to redo it)\n"


def sqlite_content(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        return (
            db.execute("SELECT * FROM documents ORDER BY doc").fetchall(),
            db.execute("SELECT * FROM sentences ORDER BY doc, sentence_index").fetchall(),
        )


def test_resume_cuts_a_torn_record_and_refuses_other_settings(
    tiny_model_path: Path, binary_model_path: Path, docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = tmp_path / "clean.jsonl"
    assert classify(tiny_model_path, docs, clean).exit_code == 0
    out = tmp_path / "out.jsonl"
    monkeypatch.setattr("framing.defaults.CHUNK_DOCUMENTS", 4)
    with monkeypatch.context() as patch:
        interrupt_after(patch, 5)
        assert classify(tiny_model_path, docs, out).exit_code == 130
    with partial_path(out).open("ab") as handle:
        handle.write(b'{"id": "torn", "sent')  # what a kill mid-write leaves
    result = classify(binary_model_path, docs, out, "--resume")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {journal_path(out)} was started with a different model (")
    assert result.stderr.endswith("resume with the same command, or delete it to start over\n")
    result = classify(tiny_model_path, docs, out, "--resume", "--min-confidence", "0.3")
    assert "was started with a different min_confidence (0.0, now 0.3)" in result.stderr
    assert classify(tiny_model_path, docs, out, "--resume").exit_code == 0
    assert out.read_bytes() == clean.read_bytes()


def test_resume_refuses_changed_input(
    tiny_model_path: Path, docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.jsonl"
    monkeypatch.setattr("framing.defaults.CHUNK_DOCUMENTS", 4)
    with monkeypatch.context() as patch:
        interrupt_after(patch, 5)
        assert classify(tiny_model_path, docs, out).exit_code == 130
    lines = docs.read_text(encoding="utf-8").splitlines()
    docs.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")  # the first document was removed
    result = classify(tiny_model_path, docs, out, "--resume")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: document 4 of the input is 'd4', but the interrupted run ended with 'd3'; "
        "resume with the same inputs, or start over"
    )
    docs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert classify(tiny_model_path, docs, out, "--resume").exit_code == 0
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == [
        f"d{i}" for i in range(12)
    ]


# -- a run killed with SIGKILL ------------------------------------------------------------------------------
# Runs the CLI slowly (2 documents per chunk, a commit after each, a pause per chunk) so the
# test can kill it part-way through.
SLOW_CLI = """
import sys, time
import framing.defaults as d
d.CHUNK_DOCUMENTS = 2
d.COMMIT_SECONDS = 0.0
from framing.model import FramingModel
score = FramingModel.predict_proba
def slow(self, texts):
    time.sleep(0.1)
    return score(self, texts)
FramingModel.predict_proba = slow
from framing.cli import main
from framing.documents import JsonlBlock
main(sys.argv[1:], prog_name="framing")
"""


def committed_documents(out: Path) -> int:
    try:
        if out.suffix == ".sqlite":
            with sqlite3.connect(f"file:{partial_path(out)}?mode=ro", uri=True) as db:
                return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
        return int(json.loads(journal_path(out).read_text(encoding="utf-8"))["documents"])
    except (OSError, ValueError, KeyError, sqlite3.Error):
        return 0


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_a_killed_run_leaves_a_consistent_file_and_resumes(tiny_model_path: Path, tmp_path: Path, kind: str) -> None:
    docs = write_documents(tmp_path / "docs.jsonl", 40)
    clean = tmp_path / f"clean.{kind}"
    assert classify(tiny_model_path, docs, clean).exit_code == 0
    out = tmp_path / f"out.{kind}"
    command = [
        sys.executable,
        "-c",
        SLOW_CLI,
        "classify",
        str(docs),
        "-m",
        str(tiny_model_path),
        "-o",
        str(out),
        "-j",
        "1",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while committed_documents(out) < 6 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert not out.exists()
    done = committed_documents(out)
    assert 6 <= done < 40
    if kind == "sqlite":
        with sqlite3.connect(partial_path(out)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            (documents,) = db.execute("SELECT count(*) FROM documents").fetchone()
            assert documents == done
            # Every committed document has all its sentences, and no sentence lacks its document.
            assert db.execute(
                "SELECT count(*) FROM documents d "
                "WHERE n_sentences != (SELECT count(*) FROM sentences s WHERE s.doc = d.doc)"
            ).fetchone() == (0,)
            assert db.execute(
                "SELECT count(*) FROM sentences WHERE doc NOT IN (SELECT doc FROM documents)"
            ).fetchone() == (0,)
    else:
        journal = json.loads(journal_path(out).read_text(encoding="utf-8"))
        committed = partial_path(out).read_bytes()[: journal["bytes"]]
        records = [json.loads(line) for line in committed.decode("utf-8").splitlines()]
        assert len(records) == journal["documents"] and records[-1]["id"] == journal["last_id"]
        assert committed == clean.read_bytes()[: len(committed)]
    result = classify(tiny_model_path, docs, out, "--resume")
    assert result.exit_code == 0, result.output
    if kind == "sqlite":
        assert sqlite_content(out) == sqlite_content(clean)
    else:
        assert out.read_bytes() == clean.read_bytes()


def test_a_previous_result_survives_until_the_new_one_is_complete(
    tiny_model_path: Path, docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n", encoding="utf-8")
    monkeypatch.setattr("framing.defaults.CHUNK_DOCUMENTS", 3)
    with monkeypatch.context() as patch:
        interrupt_after(patch, 4)
        assert classify(tiny_model_path, docs, out).exit_code == 130
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert classify(tiny_model_path, docs, out, "--resume").exit_code == 0
    assert out.read_text(encoding="utf-8").count("\n") == 12
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", "out.jsonl"]


@pytest.mark.parametrize("kind", ["jsonl", "csv", "sqlite"])
def test_lone_surrogates_from_json_escapes_are_written_as_escapes(
    tiny_model_path: Path, tmp_path: Path, kind: str
) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": "a\\ud800", "text": "Iran arms the militias \\udfff. Next."}\n', encoding="utf-8")
    out = tmp_path / f"out.{kind}"
    result = classify(tiny_model_path, docs, out)
    assert result.exit_code == 0, result.output
    if kind == "sqlite":
        with sqlite3.connect(out) as db:
            assert db.execute("SELECT id FROM documents").fetchall() == [("a\\ud800",)]
            assert db.execute("SELECT text FROM sentences").fetchall()[0] == ("Iran arms the militias \\udfff.",)
    elif kind == "jsonl":
        record = json.loads(out.read_text(encoding="utf-8"))
        assert (record["id"], record["sentences"][0]["text"]) == ("a\ud800", "Iran arms the militias \udfff.")
    else:
        assert "Iran arms the militias \\udfff." in out.read_text(encoding="utf-8")
