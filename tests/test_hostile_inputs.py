"""Hostile and broken input: text to classify, folders, corpus files and the segmenter's worst cases."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import TINY_ROWS, WriteCorpus

from framing import classify as classify_module
from framing.cli import EXIT_SKIPPED, main
from framing.corpus import load_corpus
from framing.defaults import MAX_SENTENCE_CHARS
from framing.documents import decode_text, read_documents
from framing.errors import CorpusError
from framing.model import FramingModel
from framing.segment import iter_sentences, split_sentences

ARTICLE = "Rockets hit the base. The ministry reported three casualties.\nIran arms the militias."


def run(*args: str | Path, input: bytes | None = None) -> Result:
    return CliRunner(env={"COLUMNS": "250"}).invoke(main, [str(a) for a in args], input=input)


def classify_json(model: Path, *paths: str | Path, input: bytes | None = None, extra: tuple[str, ...] = ()) -> Result:
    return run("classify", *paths, "-m", model, "--format", "jsonl", *extra, input=input)


def documents_of(result: Result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def warnings_of(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]


def assert_offsets(text: str, sentences: list[dict] | list) -> None:
    for s in sentences:
        start, end, body = (s["start"], s["end"], s["text"]) if isinstance(s, dict) else (s.start, s.end, s.text)
        assert text[start:end] == body


# -- text to classify ------------------------------------------------------------------------------------
def test_binary_file_given_by_name_is_skipped_with_a_warning(tiny_model_path: Path, tmp_path: Path) -> None:
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.7\n\x00\x01\x02 binary")
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    result = classify_json(tiny_model_path, binary, good)
    assert result.exit_code == EXIT_SKIPPED
    assert [d["id"] for d in documents_of(result)] == [str(good)]
    assert warnings_of(result) == [
        f"Warning: {binary}: binary file (contains NUL bytes); skipped",
        "Warning: 1 input(s) skipped; see the warnings above.",
    ]


def test_binary_data_on_stdin_is_skipped_like_a_binary_file(tiny_model_path: Path) -> None:
    result = classify_json(tiny_model_path, "-", input=b"%PDF-1.7\n\x00\x01 scan")
    assert result.exit_code == EXIT_SKIPPED
    assert documents_of(result) == []
    assert warnings_of(result) == [
        "Warning: <stdin>: binary data (contains NUL bytes); skipped",
        "Warning: 1 input(s) skipped; see the warnings above.",
    ]


def test_invalid_utf8_is_replaced_with_a_warning_naming_file_and_line(tiny_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"Rockets hit the base.\nThe caf\xe9 was closed.")
    result = classify_json(tiny_model_path, path)
    assert result.exit_code == 0
    assert warnings_of(result) == [
        f"Warning: {path}:2: invalid UTF-8; undecodable bytes replaced by U+FFFD "
        "(pass --encoding if the file uses another encoding)"
    ]
    (document,) = documents_of(result)
    assert document["sentences"][1]["text"] == "The caf\ufffd was closed."


def test_encoding_option_decodes_without_warning(tiny_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("The café was closed.".encode("cp1252"))
    result = classify_json(tiny_model_path, path, extra=("--encoding", "cp1252"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert documents_of(result)[0]["sentences"][0]["text"] == "The café was closed."


def test_wrong_encoding_option_is_an_error(tiny_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xff\xfe\xfd")
    result = classify_json(tiny_model_path, path, extra=("--encoding", "ascii"))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: not valid ascii (ordinal not in range(128)); pass the right --encoding\n"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_byte_order_marks_are_honoured_and_not_part_of_the_text(
    tiny_model_path: Path, tmp_path: Path, bom: bytes, codec: str
) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(bom + ARTICLE.encode(codec))
    result = classify_json(tiny_model_path, path)
    assert (result.exit_code, result.stderr) == (0, "")
    (document,) = documents_of(result)
    assert [s["text"] for s in document["sentences"]] == [s.text for s in split_sentences(ARTICLE)]
    assert_offsets(ARTICLE, document["sentences"])


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n", "\u2028"])
def test_crlf_and_lone_cr_are_line_breaks(tiny_model_path: Path, tmp_path: Path, newline: str) -> None:
    text = newline.join(["Headline without a period", "Rockets hit the base. It burned", "", "Photo: AP"]) + newline
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode("utf-8"))
    result = classify_json(tiny_model_path, path)
    assert result.exit_code == 0
    (document,) = documents_of(result)
    assert [s["text"] for s in document["sentences"]] == [
        "Headline without a period",
        "Rockets hit the base.",
        "It burned",
        "Photo: AP",
    ]
    assert_offsets(text, document["sentences"])


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n \x0c  "])
def test_empty_and_whitespace_documents_are_reported_with_zero_sentences(
    tiny_model_path: Path, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    result = classify_json(tiny_model_path, path)
    assert result.exit_code == 0
    assert warnings_of(result) == [f"Warning: {path}: empty document (no text); it has zero sentences"]
    (document,) = documents_of(result)
    assert document["sentences"] == [] and document["n_sentences"] == 0
    assert document["proportions"] == {"conspiracy": 0.0, "proxy": 0.0, "factual": 0.0}


def test_empty_document_in_every_format_and_on_stdin(tiny_model_path: Path) -> None:
    for fmt in ("table", "json", "csv"):
        result = run("classify", "-", "-m", tiny_model_path, "--format", fmt, input=b" \n ")
        assert result.exit_code == 0, result.output
        assert warnings_of(result) == ["Warning: <stdin>: empty document (no text); it has zero sentences"]
    assert result.stdout == "document,index,start,end,frame,confidence,text\n"


def test_empty_jsonl_record_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text('{"id": "a", "text": ""}\n{"id": "b", "text": "Hello."}\n', encoding="utf-8")
    warnings: list[str] = []
    documents = list(read_documents([str(path)], warn=warnings.append))
    assert [d.id for d in documents] == ["a", "b"]
    assert warnings == [f"{path}:1: empty document (no text); it has zero sentences"]


def test_jsonl_documents_may_hold_raw_line_separators(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    text = "First line\u2028second line\x85third."
    path.write_text(json.dumps({"id": "a", "text": text}, ensure_ascii=False) + "\r\n", encoding="utf-8")
    assert [d.text for d in read_documents([str(path)])] == [text]


def test_deeply_nested_jsonl_document_is_a_clear_error(tiny_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text("[" * 100_000 + "\n", encoding="utf-8")
    result = classify_json(tiny_model_path, path)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}:1: JSON nested too deeply; each line must be one JSON object\n"


def test_a_50_mb_single_line_is_segmented_into_bounded_pieces(tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    words = b"militias fired rockets at the base near the airport while officials said "
    path.write_bytes(words * (50_000_000 // len(words)))
    (document,) = read_documents([str(path)])
    count, covered, previous_end = 0, 0, 0
    for sentence in iter_sentences(document.text):
        assert 0 < len(sentence.text) <= MAX_SENTENCE_CHARS
        assert sentence.start >= previous_end
        previous_end = sentence.end
        covered += len(sentence.text)
        count += 1
    assert len(document.text) == 49_999_963
    # Pieces are nearly full (cut at the last space that fits), and only the spaces at the cuts are left out.
    assert (MAX_SENTENCE_CHARS - 80) * count <= covered <= MAX_SENTENCE_CHARS * count
    assert covered == len(document.text) - count


def test_a_100000_character_sentence_is_split_at_the_maximum_length(tiny_model_path: Path, tmp_path: Path) -> None:
    text = " ".join(["militias"] * 11_112)[:100_000]
    assert len(text) == 100_000 and "." not in text
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    result = classify_json(tiny_model_path, path)
    assert result.exit_code == 0
    (document,) = documents_of(result)
    pieces = document["sentences"]
    assert len(pieces) == 51  # 50 pieces of 1997 characters (222 whole words) and the rest
    assert all(len(p["text"]) <= MAX_SENTENCE_CHARS for p in pieces)
    assert all(p["text"].endswith("militias") or p is pieces[-1] for p in pieces)  # cut at whitespace
    assert_offsets(text, pieces)
    assert sum(document["proportions"].values()) == pytest.approx(1)


def test_a_long_word_without_spaces_is_cut_exactly_at_the_maximum() -> None:
    text = "x" * (3 * MAX_SENTENCE_CHARS + 5)
    assert [len(s.text) for s in split_sentences(text)] == [MAX_SENTENCE_CHARS] * 3 + [5]


def test_huge_documents_are_scored_in_bounded_slices(tiny_model: FramingModel, monkeypatch: pytest.MonkeyPatch) -> None:
    """One document with thousands of pieces never becomes one giant feature matrix."""
    sizes: list[int] = []
    original = FramingModel.predict_proba

    def spy(self: FramingModel, texts: list[str]) -> object:
        sizes.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(classify_module, "BATCH_SENTENCES", 7)
    monkeypatch.setattr(FramingModel, "predict_proba", spy)
    document = classify_module.classify_text(tiny_model, "Rockets hit the base. " * 50)
    assert document.n_sentences == 50
    assert sizes == [7] * 7 + [1]


# -- folders ----------------------------------------------------------------------------------------------
@pytest.fixture
def hostile_folder(tmp_path: Path) -> Path:
    """A folder with good files, a symlink loop, a self-referencing link, a dangling link and a FIFO."""
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "sub" / "b.txt").write_text("The budget passed.", encoding="utf-8")
    (root / "sub" / "notes.md").write_text("ignored", encoding="utf-8")
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    (root / "self.txt").symlink_to(root / "self.txt")
    (root / "dangling.txt").symlink_to(root / "missing-target.txt")
    os.mkfifo(root / "pipe.txt")
    return root


def test_symlink_loops_dangling_links_and_fifos_are_reported_and_the_rest_processed(
    tiny_model_path: Path, hostile_folder: Path
) -> None:
    result = classify_json(tiny_model_path, hostile_folder)
    assert result.exit_code == EXIT_SKIPPED
    assert [Path(d["id"]).relative_to(hostile_folder).as_posix() for d in documents_of(result)] == [
        "a.txt",
        "sub/b.txt",
    ]
    root = hostile_folder
    assert warnings_of(result) == [
        f"Warning: {root / 'dangling.txt'}: broken symlink; skipped",
        f"Warning: {root / 'pipe.txt'}: not a regular file; skipped",
        f"Warning: {root / 'self.txt'}: cannot open (Too many levels of symbolic links); skipped",
        f"Warning: {root / 'sub' / 'loop'}: folder already visited (symlink loop); skipped",
        "Warning: 4 input(s) skipped; see the warnings above.",
    ]


def test_unreadable_file_and_folder_are_reported_and_the_rest_processed(
    tiny_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "docs"
    (root / "locked").mkdir(parents=True)
    (root / "locked" / "c.txt").write_text("Hidden.", encoding="utf-8")
    (root / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "secret.txt").write_text("Secret.", encoding="utf-8")
    (root / "z.txt").write_text("The budget passed.", encoding="utf-8")
    if os.geteuid() == 0:
        # root reads everything: make the permission errors happen where chmod would cause them.
        real_read, real_scandir = Path.read_bytes, os.scandir

        def read_bytes(self: Path) -> bytes:
            if self.name == "secret.txt":
                raise PermissionError(13, "Permission denied", str(self))
            return real_read(self)

        def scandir(path: object) -> object:
            if str(path).endswith("locked"):
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)  # type: ignore[call-overload]

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
        monkeypatch.setattr(os, "scandir", scandir)
    else:
        (root / "secret.txt").chmod(0)
        (root / "locked").chmod(0)
    try:
        result = classify_json(tiny_model_path, root)
    finally:
        (root / "secret.txt").chmod(0o644)
        (root / "locked").chmod(0o755)
    assert result.exit_code == EXIT_SKIPPED
    assert [Path(d["id"]).name for d in documents_of(result)] == ["a.txt", "z.txt"]
    assert warnings_of(result) == [
        f"Warning: {root / 'locked'}: cannot list folder (Permission denied); skipped",
        f"Warning: {root / 'secret.txt'}: cannot read (Permission denied); skipped",
        "Warning: 2 input(s) skipped; see the warnings above.",
    ]


def test_a_fifo_given_by_name_is_refused_without_blocking(tiny_model_path: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = classify_json(tiny_model_path, fifo)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {fifo}: not a regular file or folder; pass text files, folders or -\n"


def test_decode_text_never_fails_without_an_encoding() -> None:
    assert decode_text(b"\xff\xfe" + "hé".encode("utf-16-le")[:-1], "x") == "h\ufffd"  # odd UTF-16 length
    assert decode_text(codecs.BOM_UTF8 + b"ok", "x") == "ok"


# -- corpus files -----------------------------------------------------------------------------------------
def _corpus_error(path: Path) -> str:
    with pytest.raises(CorpusError) as caught:
        load_corpus([path])
    return str(caught.value)


@pytest.mark.parametrize(("row", "count"), [("Extra field.,proxy,surplus", 3), ("No label here.", 1)])
def test_ragged_csv_rows(tmp_path: Path, row: str, count: int) -> None:
    path = tmp_path / "c.csv"
    path.write_text(f"text,label\nOne.,a\n{row}\nTwo.,b\n", encoding="utf-8")
    assert _corpus_error(path) == (
        f"{path}:3: {count} fields but the header has 2; quote fields that contain the delimiter"
    )


def test_quoted_fields_with_newlines_load_and_later_lines_stay_right(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('text,label\n"First line,\nsecond line.",a\n"Quote ""inside"".",b\nThird.,\n', encoding="utf-8")
    assert _corpus_error(path) == f"{path}:5: empty label; label the sentence or delete the row"
    path.write_text('text,label\n"First line,\nsecond line.",a\n"Quote ""inside"".",b\n', encoding="utf-8")
    corpus = load_corpus([path])
    assert corpus.texts == ["First line,\nsecond line.", 'Quote "inside".']
    assert [s.line for s in corpus.sentences] == [2, 4]


def test_unterminated_quote_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('text,label\nOne.,a\n"Never closed,b\nTwo.,b\n', encoding="utf-8")
    assert _corpus_error(path) == f"{path}:3: malformed row (unexpected end of data); fix the quoting"


def test_stray_quote_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('text,label\nOne.,a\n"Quoted" then text,b\n', encoding="utf-8")
    assert _corpus_error(path) == f"{path}:3: malformed row (',' expected after '\"'); fix the quoting"


def test_bad_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "One.", "label": "a"}\n{"text": "Two.", "label": "b"\n', encoding="utf-8")
    assert _corpus_error(path) == f"{path}:2: invalid JSON (Expecting ',' delimiter); each line must be one JSON object"


def test_deeply_nested_jsonl_corpus_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "One.", "label": "a"}\n' + "[" * 50_000 + "\n", encoding="utf-8")
    assert _corpus_error(path) == f"{path}:2: JSON nested too deeply; each line must be one JSON object"


def test_jsonl_corpus_text_may_hold_raw_line_separators(write_corpus: WriteCorpus) -> None:
    rows = [{"text": "Before\u2028after.", "label": "a"}, {"text": "Next\x85line.", "label": "b"}]
    corpus = load_corpus([write_corpus("c.jsonl", rows)])
    assert corpus.texts == ["Before\u2028after.", "Next\x85line."]
    assert [s.line for s in corpus.sentences] == [1, 2]


def test_labels_differing_only_by_case_suggest_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("text,label\nOne.,Proxy\nTwo.,factual\nThree.,proxy\n", encoding="utf-8")
    assert _corpus_error(path) == (
        f"labels 'Proxy' ({path}:2) and 'proxy' ({path}:4) differ only by case or surrounding spaces; "
        "spell them the same, e.g. 'Proxy'"
    )


def test_labels_differing_only_by_spaces_suggest_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "c.tsv"
    path.write_text("text\tlabel\nOne.\tproxy\nTwo.\tfactual\nThree.\tproxy \n", encoding="utf-8")
    assert _corpus_error(path) == (
        f"labels 'proxy' ({path}:2) and 'proxy ' ({path}:4) differ only by case or surrounding spaces; "
        "spell them the same, e.g. 'proxy'"
    )


def test_a_label_with_surrounding_spaces(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "One.", "label": " proxy"}\n{"text": "Two.", "label": "factual"}\n', encoding="utf-8")
    assert _corpus_error(path) == f"{path}:1: label ' proxy' has surrounding spaces; remove them"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_header_with_a_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.tsv"
    path.write_bytes("text\tlabel\nOne.\ta\nTwo.\tb\n".encode(encoding))
    assert path.read_bytes()[:2] in (b"\xef\xbb", b"\xff\xfe", b"\xfe\xff")
    assert load_corpus([path]).texts == ["One.", "Two."]


def test_a_one_row_corpus(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("text,label\nThe only sentence.,proxy\n", encoding="utf-8")
    assert _corpus_error(path) == (
        f"{path}:2: the corpus has a single labeled sentence; a classifier needs sentences of at least two "
        "frames: add labeled sentences"
    )


def test_nul_bytes_in_a_corpus(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"text,label\nOne.,a\nT\x00wo.,b\n")
    assert _corpus_error(path) == f"{path}:3: contains NUL bytes, so it is not a text corpus; check the file"


def test_invalid_utf16_corpus(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "text,label\n".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    assert _corpus_error(path) == f"{path}: not valid UTF-16 despite its byte-order mark; re-save it as UTF-8"


def test_corpus_errors_reach_the_cli_as_one_line(tmp_path: Path, write_corpus: WriteCorpus) -> None:
    path = tmp_path / "c.csv"
    path.write_text("text,label\nOne.,a\nExtra,a,b\n", encoding="utf-8")
    result = run("train", path, "-o", tmp_path / "m.framing")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}:3: 3 fields but the header has 2; quote fields that contain the delimiter\n"
    )
    assert not (tmp_path / "m.framing").exists()
    assert len(load_corpus([write_corpus("ok.jsonl", TINY_ROWS)])) == 24


# -- segmenter worst cases ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "!" * 200_000,
        "." * 200_000,
        ". " * 100_000,
        "U.S. " * 40_000,
        " " * 500_000,
        "\n" * 200_000,
        "\r\n" * 100_000,
        "a" * 100_000 + " " + "b" * 100_000,
        '"' * 100_000 + ". A",
        "\u2026 " * 100_000,
        "Mr. " * 50_000,
    ],
    ids=[
        "bangs",
        "periods",
        "spaced-periods",
        "initialisms",
        "spaces",
        "newlines",
        "crlf",
        "two-words",
        "quotes",
        "ellipses",
        "titles",
    ],
)
def test_segmenter_worst_cases_keep_their_invariants(text: str) -> None:
    sentences = split_sentences(text)
    previous = 0
    for s in sentences:
        assert previous <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text == s.text.strip()
        assert len(s.text) <= MAX_SENTENCE_CHARS
        assert text[previous : s.start].strip() == ""
        previous = s.end
    assert text[previous:].strip() == ""
