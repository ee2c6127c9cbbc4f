"""Property-based fuzzing: segmenter, corpus loaders, document reader and model loader on arbitrary input.

Each property allows only the documented errors (CorpusError, InputError, ModelError) and checks the
invariants of whatever does load. ``FRAMING_FUZZ_SCALE`` multiplies the number of examples: the long
campaign (tests/fuzz/run_campaign.py) runs these same properties with a large scale.
"""

from __future__ import annotations

import csv
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import write_corpus_file
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from model_files import members_of, seal

from framing.classify import classify_text
from framing.corpus import load_corpus
from framing.documents import decode_text, looks_binary, read_documents
from framing.errors import CorpusError, InputError, ModelError
from framing.model import FramingModel
from framing.segment import split_sentences

SCALE = int(os.environ.get("FRAMING_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Tokens that reach the segmenter's special cases: abbreviations, initials, numbers, quotes, breaks.
TOKENS = st.sampled_from(
    [
        "word",
        "Word",
        "U.S.",
        "Mr.",
        "No.",
        "5",
        "3.5",
        "a.m.",
        "J.",
        "The",
        "He",
        "etc.",
        "...",
        "\u2026",
        ". . .",
        ".",
        "!",
        "?",
        "?!",
        "\u203d",
        '"',
        "'",
        "\u201c",
        "\u201d",
        "(",
        ")",
        "]",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "\u2028",
        "\x85",
        "\x0c",
        "\u00a0",
        "\u3000",
        "e.g.",
        "Inc.",
        "x" * 30,
    ]
)
NEWSY = st.lists(TOKENS, max_size=80).map(lambda parts: " ".join(parts))
ANY_TEXT = st.one_of(st.text(max_size=300), NEWSY)


def check_sentences(text: str, max_chars: int) -> None:
    previous = 0
    for sentence in split_sentences(text, max_chars=max_chars):
        assert previous <= sentence.start < sentence.end <= len(text)
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()
        assert len(sentence.text) <= max_chars
        # Everything between sentences is whitespace: no character is lost.
        assert text[previous : sentence.start].strip() == ""
        previous = sentence.end
    assert text[previous:].strip() == ""


# -- segmenter ------------------------------------------------------------------------------------------
@fuzz(300)
@given(ANY_TEXT, st.integers(1, 40))
def test_segmenter_offsets_cover_all_text_with_small_limits(text: str, max_chars: int) -> None:
    check_sentences(text, max_chars)


@fuzz(300)
@given(ANY_TEXT)
def test_segmenter_offsets_cover_all_text_with_the_default_limit(text: str) -> None:
    check_sentences(text, 2000)


# -- documents ------------------------------------------------------------------------------------------
@fuzz(200)
@given(st.binary(max_size=400))
def test_decoding_arbitrary_bytes_never_fails_and_warns_when_lossy(data: bytes) -> None:
    warnings: list[str] = []
    text = decode_text(data, "x", warnings.append)
    assert isinstance(text, str)
    assert ("\ufffd" in text and "\ufffd".encode() not in data) <= bool(warnings)
    looks_binary(data)


@fuzz(100)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".jsonl"]))
def test_reading_arbitrary_files_gives_documents_or_a_clear_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"doc{suffix}"
    path.write_bytes(data)
    try:
        documents = list(read_documents([str(path)], warn=lambda message: None))
    except InputError as exc:
        assert suffix == ".jsonl" and str(exc).startswith(f"{path}:")
        return
    assert all(isinstance(d.text, str) for d in documents)


# -- corpus loaders --------------------------------------------------------------------------------------
@fuzz(150)
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".tsv", ".jsonl"]))
def test_loading_arbitrary_bytes_gives_a_corpus_or_a_corpus_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"corpus{suffix}"
    path.write_bytes(data)
    try:
        corpus = load_corpus([path])
    except CorpusError as exc:
        message = str(exc)
        assert "\n" not in message.replace("\\n", "") or "conflicting" in message or "labels" in message
        return
    n_lines = data.count(b"\n") + data.count(b"\r") + 1
    assert len({s.label for s in corpus.sentences}) >= 2
    for sentence in corpus.sentences:
        assert sentence.text and sentence.text == sentence.text.strip() and sentence.label.strip()
        assert 1 <= sentence.line <= n_lines


TEXTS = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=60)


@fuzz(150)
@given(texts=st.lists(TEXTS, min_size=2, max_size=12), suffix=st.sampled_from([".csv", ".tsv", ".jsonl"]))
def test_corpus_files_written_by_standard_writers_load_back(tmp_path: Path, texts: list[str], suffix: str) -> None:
    """Whatever csv.writer (default dialect) or json.dumps writes, the loader reads back (texts stripped)."""
    rows = [{"text": f"s{i} {t}", "label": "ab"[i % 2]} for i, t in enumerate(texts)]
    path = tmp_path / f"corpus{suffix}"
    if suffix == ".jsonl":
        write_corpus_file(path, rows)
    else:
        # The default line terminator is \r\n, so csv.writer quotes fields holding a lone \r too.
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t" if suffix == ".tsv" else ",")
            writer.writerow(["text", "label"])
            writer.writerows([r["text"], r["label"]] for r in rows)
    corpus = load_corpus([path])
    assert corpus.texts == [r["text"].strip() for r in rows]
    assert corpus.labels == [r["label"] for r in rows]
    if suffix == ".jsonl":
        assert [s.line for s in corpus.sentences] == list(range(1, len(rows) + 1))


# -- model loader ----------------------------------------------------------------------------------------
@fuzz(200)
@given(st.one_of(st.binary(max_size=500), st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b)))
def test_loading_arbitrary_bytes_as_a_model_is_a_model_error(data: bytes) -> None:
    with pytest.raises(ModelError):
        FramingModel.from_bytes(data, "fuzz.framing")


@fuzz(100)
@given(
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=4),
    cut=st.none() | st.integers(min_value=0),
)
def test_damaged_model_files_are_refused(tiny_model_path: Path, edits: list[tuple[int, int]], cut: int | None) -> None:
    original = tiny_model_path.read_bytes()
    data = bytearray(original)
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data)]
    assume(bytes(data) != original)
    with pytest.raises(ModelError):
        FramingModel.from_bytes(bytes(data), "fuzz.framing")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
META_KEYS = ["format", "format_version", "classes", "positive", "threshold", "config", "features", "codebook", "info"]


@fuzz(150)
@given(key=st.sampled_from(META_KEYS), value=JSON)
def test_hostile_metadata_in_a_sealed_file_is_a_model_error_or_a_working_model(
    tiny_model_path: Path, key: str, value: object
) -> None:
    members = members_of(tiny_model_path)
    meta = json.loads(members["meta.json"])
    meta[key] = value
    data = seal({**members, "meta.json": json.dumps(meta).encode()})
    try:
        model = FramingModel.from_bytes(data, "fuzz.framing")
    except ModelError:
        return
    document = classify_text(model, "Rockets hit the base. The budget passed.")
    assert sum(document.proportions.values()) == pytest.approx(1)


@fuzz(100)
@given(
    name=st.sampled_from(["coef.npy", "intercept.npy", "word.terms.npy", "char.idf.npy"]),
    payload=st.binary(max_size=300),
)
def test_hostile_arrays_in_a_sealed_file_are_model_errors(tiny_model_path: Path, name: str, payload: bytes) -> None:
    members = members_of(tiny_model_path)
    header = members[name][:128]
    with pytest.raises(ModelError):
        FramingModel.from_bytes(seal({**members, name: header[: len(payload) % 129] + payload}), "fuzz.framing")


@fuzz(50)
@given(
    st.lists(
        st.sampled_from(["meta.json", "coef.npy", "word.idf.npy", "extra.bin"]), min_size=1, max_size=3, unique=True
    )
)
def test_members_missing_or_added_are_model_errors(tiny_model_path: Path, changes: list[str]) -> None:
    members = members_of(tiny_model_path)
    for name in changes:
        if name in members:
            del members[name]
        else:
            members[name] = b"\x93NUMPY"
    try:
        model = FramingModel.from_bytes(seal(members), "fuzz.framing")
    except ModelError:
        return
    assert changes == ["extra.bin"]  # an unknown extra member is ignored; nothing else may go missing
    assert model.frames == ["conspiracy", "factual", "proxy"]


# -- end to end ----------------------------------------------------------------------------------------
@fuzz(60)
@given(st.one_of(st.text(max_size=200), NEWSY), st.floats(0, 1))
def test_classifying_any_text_gives_valid_offsets_and_proportions(
    tiny_model_path: Path, text: str, threshold: float
) -> None:
    model = _model(tiny_model_path)
    document = classify_text(model, text, min_confidence=threshold)
    for s in document.sentences:
        assert text[s.start : s.end] == s.text
        assert np.isfinite(s.confidence) and 0 <= s.confidence <= 1
    total = sum(document.proportions.values())
    assert total == pytest.approx(1) if document.sentences else total == 0
    json.dumps(document.to_dict(), allow_nan=False)


_MODELS: dict[Path, FramingModel] = {}


def _model(path: Path) -> FramingModel:
    if path not in _MODELS:
        _MODELS[path] = FramingModel.load(path)
    return _MODELS[path]


def test_model_files_used_here_are_zip_files(tiny_model_path: Path) -> None:
    assert zipfile.is_zipfile(tiny_model_path)
