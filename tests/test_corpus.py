"""Corpus loading: formats, column mapping, files and folders, and every validation error's exact text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import TINY_ROWS, WriteCorpus

from framing.corpus import Columns, check_trainable, find_corpus_files, load_corpus
from framing.errors import CorpusError

ROWS = [
    {"text": "Rockets hit the base.", "label": "proxy"},
    {"text": "The budget passed.", "label": "factual"},
    {"text": "The CIA made ISIS.", "label": "conspiracy"},
]


def _error(paths: list[Path], columns: Columns | None = None) -> str:
    with pytest.raises(CorpusError) as caught:
        load_corpus(paths, columns)
    return str(caught.value)


# -- formats -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["c.csv", "c.tsv", "c.jsonl", "C.CSV"])
def test_each_format_loads_text_label_doc_id_and_source(write_corpus: WriteCorpus, name: str) -> None:
    path = write_corpus(name, TINY_ROWS)
    corpus = load_corpus([path])
    assert len(corpus) == len(TINY_ROWS)
    first = corpus.sentences[0]
    assert (first.text, first.label, first.doc_id, first.source) == (
        TINY_ROWS[0]["text"],
        TINY_ROWS[0]["label"],
        TINY_ROWS[0]["doc_id"],
        "test",
    )
    assert (first.file, first.line) == (str(path), 1 if name.endswith("jsonl") else 2)
    assert corpus.label_counts() == {"conspiracy": 8, "factual": 8, "proxy": 8}
    assert corpus.has_groups and corpus.has_sources


def test_tsv_keeps_commas_and_csv_keeps_tabs(tmp_path: Path) -> None:
    tsv = tmp_path / "c.tsv"
    tsv.write_text("text\tlabel\nOne, two, three.\ta\nFour.\tb\n", encoding="utf-8")
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("text,label\nOne\ttwo.,a\nFour.,b\n", encoding="utf-8")
    assert load_corpus([tsv]).texts == ["One, two, three.", "Four."]
    assert load_corpus([csv_file]).texts == ["One\ttwo.", "Four."]


def test_other_columns_are_ignored_and_optional_columns_may_be_absent(write_corpus: WriteCorpus) -> None:
    rows = [{"id": str(i), "text": r["text"], "label": r["label"], "notes": "x"} for i, r in enumerate(ROWS)]
    corpus = load_corpus([write_corpus("c.csv", rows)])
    assert corpus.labels == ["proxy", "factual", "conspiracy"]
    assert not corpus.has_groups and not corpus.has_sources
    # Without doc_id every sentence is its own group.
    assert len(set(corpus.groups())) == 3


def test_column_mapping_options(write_corpus: WriteCorpus) -> None:
    rows = [
        {"sentence": r["text"], "frame": r["label"], "article": f"a{i % 2}", "outlet": "wire"}
        for i, r in enumerate(ROWS)
    ]
    path = write_corpus("c.jsonl", rows)
    corpus = load_corpus([path], Columns(text="sentence", label="frame", group="article", source="outlet"))
    assert corpus.texts == [r["text"] for r in ROWS]
    assert [s.doc_id for s in corpus.sentences] == ["a0", "a1", "a0"]
    assert corpus.sentences[0].source == "wire"


def test_text_is_stripped_and_blank_lines_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("text,label\n\n  Padded sentence.  ,a\n\nOther.,b\n", encoding="utf-8")
    corpus = load_corpus([path])
    assert corpus.texts == ["Padded sentence.", "Other."]
    assert [s.line for s in corpus.sentences] == [3, 5]


def test_json_numbers_become_strings(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "One.", "label": 1, "doc_id": 7}\n{"text": "Two.", "label": 2}\n', encoding="utf-8")
    corpus = load_corpus([path])
    assert corpus.labels == ["1", "2"]
    assert corpus.sentences[0].doc_id == "7"


# -- files and folders -----------------------------------------------------------------------------
def test_several_files_in_the_given_order(write_corpus: WriteCorpus) -> None:
    b = write_corpus("b.csv", ROWS[:2])
    a = write_corpus("a.jsonl", ROWS[2:])
    corpus = load_corpus([b, a])
    assert corpus.files == (str(b), str(a))
    assert corpus.texts == [r["text"] for r in ROWS]


def test_a_folder_is_searched_recursively_in_sorted_order(tmp_path: Path, write_corpus: WriteCorpus) -> None:
    write_corpus("data/z.tsv", ROWS[:1])
    write_corpus("data/sub/a.jsonl", ROWS[1:2])
    write_corpus("data/m.csv", ROWS[2:])
    (tmp_path / "data" / "README.md").write_text("not a corpus", encoding="utf-8")
    files = find_corpus_files([tmp_path / "data"])
    assert [p.relative_to(tmp_path / "data").as_posix() for p in files] == ["m.csv", "sub/a.jsonl", "z.tsv"]
    assert len(load_corpus([tmp_path / "data"])) == 3


def test_fingerprint_is_sha256_over_file_digests_and_counts_bytes(write_corpus: WriteCorpus) -> None:
    a = write_corpus("a.csv", ROWS[:2])
    b = write_corpus("b.csv", ROWS[2:])
    corpus = load_corpus([a, b])
    inner = hashlib.sha256(a.read_bytes()).digest() + hashlib.sha256(b.read_bytes()).digest()
    assert corpus.sha256 == hashlib.sha256(inner).hexdigest()
    assert corpus.n_bytes == a.stat().st_size + b.stat().st_size
    assert load_corpus([b, a]).sha256 != corpus.sha256


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert _error([missing]) == f"{missing}: no such file or folder; check the path"


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "corpus.xlsx"
    path.write_bytes(b"PK")
    assert _error([path]) == f"{path}: unknown corpus format '.xlsx'; use a .csv, .tsv or .jsonl file"


def test_folder_without_corpus_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    assert (
        _error([tmp_path]) == f"{tmp_path}: no corpus files in this folder; expected files ending in .csv, .tsv, .jsonl"
    )


def test_no_paths() -> None:
    assert _error([]) == "no corpus files given; pass one or more .csv, .tsv or .jsonl files or folders"


# -- validation errors -------------------------------------------------------------------------------
def test_missing_text_column_lists_columns_and_option(write_corpus: WriteCorpus) -> None:
    path = write_corpus("c.csv", [{"sentence": "x", "label": "a"}])
    assert (
        _error([path])
        == f"{path}: no 'text' column (columns: 'sentence', 'label'); rename it or pass --text-column NAME"
    )


def test_missing_label_column_in_jsonl(write_corpus: WriteCorpus) -> None:
    path = write_corpus("c.jsonl", [{"text": "x", "frame": "a"}])
    assert (
        _error([path]) == f"{path}: no 'label' column (columns: 'text', 'frame'); rename it or pass --label-column NAME"
    )


def test_mapped_column_that_does_not_exist(write_corpus: WriteCorpus) -> None:
    path = write_corpus("c.tsv", ROWS)
    assert (
        _error([path], Columns(text="body"))
        == f"{path}: no 'body' column (columns: 'text', 'label'); rename it or pass --text-column NAME"
    )


@pytest.mark.parametrize("name", ["c.csv", "c.jsonl"])
def test_empty_text_names_file_and_line(write_corpus: WriteCorpus, name: str) -> None:
    path = write_corpus(name, [*ROWS, {"text": "   ", "label": "proxy"}])
    line = 4 if name.endswith("jsonl") else 5
    assert _error([path]) == f"{path}:{line}: empty text; fill it in or delete the row"


@pytest.mark.parametrize("name", ["c.tsv", "c.jsonl"])
def test_empty_label_names_file_and_line(write_corpus: WriteCorpus, name: str) -> None:
    path = write_corpus(name, [ROWS[0], {"text": "Unlabeled.", "label": ""}, *ROWS[1:]])
    line = 2 if name.endswith("jsonl") else 3
    assert _error([path]) == f"{path}:{line}: empty label; label the sentence or delete the row"


def test_null_label_in_jsonl_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "One.", "label": null}\n', encoding="utf-8")
    assert _error([path]) == f"{path}:1: empty label; label the sentence or delete the row"


def test_undecodable_bytes_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"text,label\nOne.,a\nCaf\xe9 owners.,b\n")
    assert _error([path]) == f"{path}:3: not valid UTF-8 (byte 0xe9); re-save the file as UTF-8"


def test_conflicting_labels_list_every_line(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "text,label\nThe base was hit.,proxy\nOther.,factual\nThe  base was hit. ,conspiracy\n"
        "The base was hit.,proxy\n",
        encoding="utf-8",
    )
    assert _error([path]) == (
        f"the same sentence has conflicting labels at {path}:2 (proxy), {path}:4 (conspiracy), {path}:5 (proxy); "
        "keep one label per sentence"
    )


def test_conflicts_across_files_are_counted(write_corpus: WriteCorpus) -> None:
    a = write_corpus("a.jsonl", [{"text": "One.", "label": "x"}, {"text": "Two.", "label": "x"}])
    b = write_corpus("b.jsonl", [{"text": "One.", "label": "y"}, {"text": "Two.", "label": "y"}])
    assert _error([a, b]) == (
        f"the same sentence has conflicting labels at {a}:1 (x), {b}:1 (y) (and 1 more such sentences); "
        "keep one label per sentence"
    )


def test_exact_duplicates_are_kept_once_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("text,label\nOne.,a\nTwo.,b\nOne.,a\n One. ,a\n", encoding="utf-8")
    corpus = load_corpus([path])
    assert corpus.texts == ["One.", "Two."]
    assert corpus.notes == (f"2 exact duplicate sentence(s) with the same label ignored: {path}:4, {path}:5",)


def test_one_frame_is_not_enough(write_corpus: WriteCorpus) -> None:
    path = write_corpus("c.csv", [{"text": "One.", "label": "a"}, {"text": "Two.", "label": "a"}])
    assert _error([path]) == (
        f"{path}: the corpus has only one frame ('a'); a classifier needs at least two frames: "
        "add labeled sentences of another frame"
    )


def test_a_frame_with_too_few_examples_is_named_with_its_count(write_corpus: WriteCorpus) -> None:
    corpus = load_corpus([write_corpus("c.jsonl", [*TINY_ROWS, {"text": "A lone sentence.", "label": "rare"}])])
    with pytest.raises(CorpusError) as caught:
        check_trainable(corpus, 5, "5-fold cross-validation")
    assert str(caught.value) == (
        "too few examples: 'rare' has 1; 5-fold cross-validation needs at least 5 per frame: "
        "add examples, merge the frame into another, or lower --cv-folds"
    )
    check_trainable(corpus, 1, "training")


def test_empty_file_and_header_only_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert _error([empty]) == f"{empty}: empty file; a corpus needs a header row and labeled sentences"
    header = tmp_path / "header.csv"
    header.write_text("text,label\n", encoding="utf-8")
    assert _error([header]) == f"{header}: no labeled sentences found; add rows with text and label"


def test_json_value_that_is_not_a_string(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": ["a", "b"], "label": "x"}) + "\n", encoding="utf-8")
    assert _error([path]) == f"{path}:1: field 'text' is a JSON list; use a string"


def test_json_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "One.", "label": "a"}\n["Two.", "b"]\n', encoding="utf-8")
    assert _error([path]) == f"{path}:2: a JSON list, expected an object with text and label"
