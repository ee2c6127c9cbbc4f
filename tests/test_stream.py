"""Streaming classification: lazy reading (folders, JSONL, .gz, stdin), chunking, skipping, identical records."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import TINY_ARTICLE
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.classify import classify_documents
from framing.cli import main
from framing.documents import (
    BlockNotes,
    DocumentText,
    JsonlBlock,
    JsonlSource,
    NoticeBoard,
    jsonl_blocks,
    read_documents,
)
from framing.errors import InputError
from framing.model import FramingModel
from framing.outputs import EncodedBatch, StreamOutput, encode_scored, round6
from framing.report import document_jsonl, write_csv_rows
from framing.stream import (
    Chunk,
    Inputs,
    chunk_documents,
    classify_stream,
    count_documents,
    score_chunk,
    skip_documents,
)

DOCUMENTS = [
    DocumentText("a", TINY_ARTICLE, "x.jsonl"),
    DocumentText("empty", "", "x.jsonl"),
    DocumentText("b", "Tehran's proxies attacked the convoy. The ministry reported three casualties.", None),
    DocumentText("c", "The CIA planned the attacks.\n\nSchools reopened. " * 3, "y.txt"),
]


def write_jsonl(path: Path, documents: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    return path


def many_documents(n: int) -> list[dict[str, str]]:
    texts = [TINY_ARTICLE, "Iran arms the factions. The budget passed.", "", "Washington armed them! Really?"]
    return [{"id": f"d{i}", "text": texts[i % len(texts)] + f" Item {i}."} for i in range(n)]


# -- records ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("min_confidence", [0.0, 0.6])
def test_encoded_records_equal_classify_documents(tiny_model: FramingModel, min_confidence: float) -> None:
    expected = list(classify_documents(tiny_model, DOCUMENTS, min_confidence=min_confidence))
    scored = score_chunk(tiny_model, DOCUMENTS, min_confidence)
    jsonl = encode_scored(scored, "jsonl")
    assert jsonl.payload == "".join(document_jsonl(d) + "\n" for d in expected).encode("utf-8")
    assert (jsonl.documents, jsonl.sentences, jsonl.last_id) == (4, sum(d.n_sentences for d in expected), "c")
    buffer = io.StringIO()
    write_csv_rows(buffer, expected, header=False)
    assert encode_scored(scored, "csv").payload == buffer.getvalue().encode("utf-8")
    doc_rows, sentence_rows = encode_scored(scored, "sqlite").payload  # type: ignore[misc]
    assert [r[:4] for r in doc_rows] == [(1 + i, d.id, d.path, d.n_sentences) for i, d in enumerate(expected)]
    assert [r[4:] for r in doc_rows] == [tuple(d.proportions.values()) for d in expected]
    assert sentence_rows == [
        (1 + i, s.index, s.start, s.end, s.text, s.frame, s.confidence)
        for i, d in enumerate(expected)
        for s in d.sentences
    ]


def test_binary_model_threshold_is_applied_as_in_classify_documents(binary_model: FramingModel) -> None:
    expected = "".join(document_jsonl(d) + "\n" for d in classify_documents(binary_model, DOCUMENTS))
    assert encode_scored(score_chunk(binary_model, DOCUMENTS, 0.0), "jsonl").payload == expected.encode("utf-8")


def test_no_documents_encode_to_nothing(tiny_model: FramingModel) -> None:
    batch = encode_scored(score_chunk(tiny_model, [], 0.0), "jsonl")
    assert (batch.documents, batch.sentences, batch.last_id, batch.payload) == (0, 0, None, b"")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1) | st.integers(0, 10**6).map(lambda k: (k + 0.5) / 1e6), min_size=1))
def test_round6_is_pythons_round(values: list[float]) -> None:
    near = [np.nextafter(v, 2) for v in values] + [np.nextafter(v, -1) for v in values]
    for group in (values, near):
        array = np.asarray(group, dtype=np.float64)
        assert round6(array).tolist() == [round(v, 6) for v in array.tolist()]


# -- chunks ------------------------------------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 30) | st.none(), max_size=40), st.integers(1, 5), st.integers(1, 60))
def test_chunks_keep_order_and_bounds(sizes: list[int | None], max_documents: int, max_chars: int) -> None:
    """Documents are grouped within bounds; JSONL blocks (``None`` here) pass through, in place."""
    block = JsonlBlock(JsonlSource("x.jsonl", "x.jsonl"), 1, b"{}")
    items = [block if n is None else DocumentText(str(i), "x" * n) for i, n in enumerate(sizes)]
    chunks = list(chunk_documents(items, max_documents=max_documents, max_chars=max_chars))
    assert [d for c in chunks for d in (c.documents if isinstance(c, Chunk) else [c])] == items
    for chunk in chunks:
        if isinstance(chunk, Chunk):
            assert 1 <= len(chunk.documents) <= max_documents
            assert len(chunk.documents) == 1 or sum(len(d.text) for d in chunk.documents) <= max_chars


def test_documents_read_before_a_bad_input_are_still_chunked() -> None:
    def source() -> Iterator[DocumentText]:
        yield DOCUMENTS[0]
        raise InputError("bad line")

    chunks = chunk_documents(source(), max_documents=10)
    assert next(chunks) == Chunk((DOCUMENTS[0],))
    with pytest.raises(InputError, match="bad line"):
        next(chunks)


def test_skip_documents_checks_the_last_id() -> None:
    board = NoticeBoard(None)
    assert [d.id for d in skip_documents(DOCUMENTS, 2, "empty", board)] == ["b", "c"]  # type: ignore[union-attr]
    with pytest.raises(InputError) as caught:
        list(skip_documents(DOCUMENTS, 2, "zzz", board))
    assert str(caught.value) == (
        "document 2 of the input is 'empty', but the interrupted run ended with 'zzz'; "
        "resume with the same inputs, or start over"
    )
    with pytest.raises(InputError) as caught:
        list(skip_documents(DOCUMENTS, 9, "c", board))
    assert str(caught.value) == (
        "the input has 4 documents, fewer than the 9 the interrupted run wrote; "
        "resume with the same inputs, or start over"
    )


def test_skipping_parses_the_blocks_it_goes_into(tmp_path: Path) -> None:
    """The documents after the skipped ones in the same block come out one by one; later blocks stay blocks."""
    path = write_jsonl(tmp_path / "docs.jsonl", [{"id": f"d{i}", "text": "" if i == 2 else "Text."} for i in range(7)])
    warnings: list[str] = []
    items = list(Inputs((str(path),)).items(warnings.append, max_lines=3, max_bytes=10**6))
    assert [type(item) for item in items] == [JsonlBlock] * 3
    rest = list(skip_documents(items, 4, "d3", NoticeBoard(warnings.append)))
    assert [d.id for d in rest[:2]] == ["d4", "d5"]  # type: ignore[union-attr]
    assert rest[2] == items[2]
    assert warnings == [f"{path}:3: empty document (no text); it has zero sentences"]


# -- reading ------------------------------------------------------------------------------------------
def test_jsonl_is_read_a_block_at_a_time() -> None:
    class Stream(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            reads.append(size)
            return super().read(size)

    reads: list[int | None] = []
    data = b"".join(json.dumps({"id": i, "text": f"Document {i}."}).encode() + b"\n" for i in range(1000))
    blocks = jsonl_blocks(Stream(data), JsonlSource("<test>", None), max_lines=10**6, max_bytes=100)
    first = next(blocks)
    assert reads == [100] and first.data.endswith(b"\n") and first.data.count(b"\n") == 4  # 33-byte lines
    documents, notes = first.parse()
    assert [d.id for d in documents] == ["0", "1", "2", "3"] and notes == BlockNotes(first.source)
    assert b"".join(block.data for block in [first, *blocks]) == data


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["", "  ", '{"text": "a"}', '{"text": "\u00e9t\u00e9"}', "bad"]), max_size=30),
    st.integers(1, 4),
    st.integers(1, 40),
    st.booleans(),
)
def test_blocks_cut_at_line_ends_and_number_lines(
    lines: list[str], max_lines: int, max_bytes: int, final_newline: bool
) -> None:
    data = "\n".join(lines).encode("utf-8") + (b"\n" if final_newline and lines else b"")
    blocks = list(jsonl_blocks(io.BytesIO(data), JsonlSource("<t>", None), max_lines=max_lines, max_bytes=max_bytes))
    assert b"".join(block.data for block in blocks) == data
    number = 1
    for block in blocks:
        assert block.first_line == number
        assert block.data.count(b"\n") <= max_lines
        assert block.data.endswith(b"\n") or block is blocks[-1]
        number += block.data.count(b"\n")
    # Parsing block by block finds the documents and the first bad line that a whole reading finds.
    expected: list[str] = []
    for number, line in enumerate(lines, 1):
        if line == "bad":
            expected.append(f"<t>:{number}: invalid JSON")
            break
        if line.strip():
            expected.append(json.loads(line)["text"])
    found: list[str] = []
    for block in blocks:
        documents, notes = block.parse()
        found += [d.text for d in documents]
        if notes.failure:
            found.append(str(notes.failure).split(" (")[0])
            break
    assert found == expected


def test_invalid_utf8_is_said_once_per_reading(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b'{"text": "caf\xe9"}\n' * 5)
    warnings: list[str] = []
    for _ in range(2):  # two readings of the same file: each says it once
        texts = [d.text for d in read_documents([str(path)], warn=warnings.append)]
        assert texts == ["caf\ufffd"] * 5
    message = (
        f"{path}:1: invalid UTF-8; undecodable bytes replaced by U+FFFD "
        "(pass --encoding if the file uses another encoding)"
    )
    assert warnings == [message, message]


def test_gzipped_jsonl_reads_like_plain_jsonl(tmp_path: Path) -> None:
    plain = write_jsonl(tmp_path / "docs.jsonl", many_documents(5))
    packed = tmp_path / "docs.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert [(d.id, d.text) for d in read_documents([str(packed)])] == [
        (d.id, d.text) for d in read_documents([str(plain)])
    ]
    assert {d.path for d in read_documents([str(packed)])} == {str(packed)}


def test_damaged_gzip_is_a_clear_error(tmp_path: Path) -> None:
    packed = tmp_path / "docs.jsonl.gz"
    packed.write_bytes(gzip.compress(b'{"text": "x"}\n' * 1000)[:60])
    with pytest.raises(InputError, match=r"docs.jsonl.gz: damaged or truncated gzip file .*; compress it again"):
        list(read_documents([str(packed)]))


def test_stdin_as_jsonl(tmp_path: Path) -> None:
    data = b'{"id": "one", "text": "First."}\n\n{"text": "Second."}\n'
    documents = list(read_documents(["-"], stdin=lambda: data, stdin_jsonl=True))
    assert [(d.id, d.text, d.path) for d in documents] == [("one", "First.", None), ("<stdin>:3", "Second.", None)]


def test_utf16_jsonl_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes('{"id": "a", "text": "Caf\u00e9."}\n'.encode("utf-16"))
    assert [d.text for d in read_documents([str(path)])] == ["Caf\u00e9."]


def test_count_documents_for_the_eta(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.txt", "sub/b.txt", "sub/c.md"):
        (folder / name).write_text("Text.", encoding="utf-8")
    jsonl = write_jsonl(tmp_path / "docs.jsonl", many_documents(7))
    assert count_documents(Inputs((str(folder), str(jsonl), str(folder / "a.txt")))) == 2 + 7 + 1
    assert count_documents(Inputs((str(jsonl), "-"))) is None
    assert count_documents(Inputs((str(tmp_path / "x.jsonl.gz"),))) is None


# -- the run --------------------------------------------------------------------------------------------
class ListOutput:
    """An Output that keeps batches in memory."""

    def __init__(self) -> None:
        self.batches: list[EncodedBatch] = []
        self.documents_done = 0
        self.last_id: str | None = None
        self.commits = 0
        self.finished = self.closed = False

    def write(self, batch: EncodedBatch) -> None:
        self.batches.append(batch)
        self.documents_done += batch.documents

    def commit(self) -> None:
        self.commits += 1

    def finish(self) -> None:
        self.finished = True

    def close(self) -> None:
        self.closed = True


def test_classify_stream_writes_chunks_in_order(tiny_model: FramingModel, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "docs.jsonl", many_documents(23))
    output = ListOutput()
    summary = classify_stream(
        tiny_model, Inputs((str(path),)), output, kind="jsonl", chunk_documents_max=5, commit_seconds=0
    )
    assert [b.documents for b in output.batches] == [5, 5, 5, 5, 3]
    assert output.finished and output.commits == 5
    expected = [document_jsonl(d) for d in classify_documents(tiny_model, read_documents([str(path)]))]
    assert b"".join(b.payload for b in output.batches).decode().splitlines() == expected  # type: ignore[misc]
    assert (summary.documents, summary.resumed, summary.sentences) == (23, 0, sum(b.sentences for b in output.batches))


def test_an_input_error_keeps_the_documents_before_it(tiny_model: FramingModel, tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in many_documents(7)) + "not json\n", encoding="utf-8")
    output = ListOutput()
    with pytest.raises(InputError, match=r"docs\.jsonl:8: invalid JSON"):
        classify_stream(tiny_model, Inputs((str(path),)), output, kind="jsonl", chunk_documents_max=5)
    assert output.documents_done == 7 and output.closed and not output.finished


def test_stdout_stream_output_is_the_format_output(tiny_model_path: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "docs.jsonl", many_documents(4))
    model = FramingModel.load(tiny_model_path)
    for kind in ("jsonl", "csv"):
        stream = io.StringIO()
        classify_stream(model, Inputs((str(path),)), StreamOutput(stream, kind), kind=kind)
        result = CliRunner().invoke(main, ["classify", str(path), "-m", str(tiny_model_path), "--format", kind])
        assert result.exit_code == 0
        assert stream.getvalue() == result.stdout


def test_cli_streams_stdin_jsonl(tiny_model_path: Path) -> None:
    data = b'{"id": "one", "text": "Iran arms the militias."}\n{"id": "two", "text": "The budget passed."}\n'
    result = CliRunner().invoke(
        main, ["classify", "-", "--stdin-jsonl", "-m", str(tiny_model_path), "--format", "jsonl"], input=data
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["one", "two"]
    assert result.stderr == ""  # no progress line when stderr is not a terminal
