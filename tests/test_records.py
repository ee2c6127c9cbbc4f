"""The compiled JSONL records (framing/_records.c) are byte for byte the Python path's and json.dumps's."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing import defaults, outputs
from framing.classify import frame_proportions
from framing.documents import DocumentText
from framing.native import NATIVE_ENV, native_module
from framing.outputs import ScoredChunk, encode_scored
from framing.segment import Sentence

records_module = native_module("_records")
compiled = pytest.mark.skipif(records_module is None, reason="framing._records is not built, or FRAMING_NATIVE=0")

# Every character JSON escapes, and every width of a code point in UTF-8, Python's three string
# kinds, and lone surrogates (which json.loads gives for "\ud800"), written as \udXXX.
SPECIAL = [chr(c) for c in range(0x20)] + ['"', "\\", "/", "\x7f", "\x80", "é", "ÿ", "Ā", "€", "\u2028", "\ufeff"]
SPECIAL += ["\ud800", "\udbff", "\udc80", "\udfff", "😀", "\U0010ffff", "𝄞"]
character = st.one_of(st.sampled_from(SPECIAL), st.characters(codec="ascii"), st.characters(exclude_categories=()))
text = st.text(character, max_size=40)
# Probabilities as a model gives them, and the values repr writes otherwise: 0, 1, tiny values
# (an exponent), trailing zeros, next to a rounding tie, and ties between frames.
probability = st.one_of(
    st.floats(min_value=0, max_value=1),
    st.sampled_from([0.0, 1.0, 1e-7, 4e-6, 5e-5, 9.99e-5, 1e-4, 1.5e-4, 0.5, 0.25, 0.1, 0.999999, 0.9999996]),
    st.integers(0, 10**6).map(lambda k: (k + 0.5) / 1e6),
)
frame_names = st.lists(text.filter(lambda name: name != defaults.UNCLASSIFIED), min_size=1, max_size=5, unique=True)
offset = st.integers(0, 2**62)


def chunk(
    frames: list[str],
    documents: list[tuple[str, str | None, list[tuple[str, int, int, int, list[float]]]]],
    with_unclassified: bool,
) -> ScoredChunk:
    """A ScoredChunk of documents (id, path, sentences (text, start, end, label, confidence + scores))."""
    k = len(frames)
    names = [*frames, defaults.UNCLASSIFIED]
    rows = [row for _, _, sentences in documents for row in sentences]
    values = np.asarray([row[4] for row in rows], dtype=np.float64).reshape(len(rows), k + 1)
    return ScoredChunk(
        documents=tuple(DocumentText(doc_id, "", path) for doc_id, path, _ in documents),
        sentences=[[Sentence(start, end, t) for t, start, end, _, _ in sentences] for _, _, sentences in documents],
        frames=tuple(frames),
        display=tuple(frames),
        proba=values[:, 1:],
        labels=np.asarray([names[row[3] if with_unclassified else row[3] % k] for row in rows], dtype=object),
        confidence=values[:, 0],
        with_unclassified=with_unclassified,
    )


def json_dumps_lines(scored: ScoredChunk) -> bytes:
    """What ``json.dumps(document.to_dict(), ensure_ascii=False)`` writes for each document, in UTF-8."""
    lines = []
    row = 0
    for document, sentences in zip(scored.documents, scored.sentences, strict=True):
        records = []
        for i, s in enumerate(sentences):
            scores = {f: round(float(p), 6) for f, p in zip(scored.frames, scored.proba[row], strict=True)}
            records.append(
                {
                    "index": i,
                    "start": s.start,
                    "end": s.end,
                    "text": s.text,
                    "frame": scored.labels[row],
                    "confidence": round(float(scored.confidence[row]), 6),
                    "scores": scores,
                }
            )
            row += 1
        labels = scored.labels[row - len(sentences) : row].tolist()
        line: dict[str, Any] = {
            "id": document.id,
            "path": document.path,
            "n_sentences": len(sentences),
            "sentences": records,
            "proportions": frame_proportions(scored.display, labels, scored.with_unclassified),
        }
        lines.append(json.dumps(line, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8", errors="backslashreplace")


def encode(scored: ScoredChunk, *, native: bool) -> bytes:
    """encode_scored's JSONL, with the compiled records or (``native=False``) the Python code."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outputs, "_native_records", lambda: records_module if native else None)
        payload = encode_scored(scored, "jsonl").payload
    assert isinstance(payload, bytes)
    return payload


sentence = st.tuples(text, offset, offset, st.integers(0, 5))
document = st.tuples(text, st.one_of(st.none(), text), st.lists(sentence, max_size=6))


@settings(max_examples=300, deadline=None)
@given(frame_names, st.lists(document, max_size=5), st.booleans(), st.data())
def test_compiled_records_are_the_python_paths_and_json_dumps(
    frames: list[str],
    documents: list[tuple[str, str | None, list[tuple[str, int, int, int]]]],
    with_unclassified: bool,
    data: st.DataObject,
) -> None:
    k = len(frames)
    filled = [
        (
            doc_id,
            path,
            [
                (t, s, e, label % (k + 1), data.draw(st.lists(probability, min_size=k + 1, max_size=k + 1)))
                for t, s, e, label in sentences
            ],
        )
        for doc_id, path, sentences in documents
    ]
    scored = chunk(frames, filled, with_unclassified)
    expected = json_dumps_lines(scored)
    assert encode(scored, native=False) == expected
    if records_module is not None:
        assert encode(scored, native=True) == expected


@compiled
def test_encode_scored_takes_the_compiled_path_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert outputs._native_records() is records_module
    monkeypatch.setenv(NATIVE_ENV, "0")
    assert outputs._native_records() is None


def test_ci_builds_the_records_module() -> None:
    """CI sets FRAMING_REQUIRE_NATIVE=1: there, a module that failed to compile is a failure, not a skip."""
    if os.environ.get("FRAMING_REQUIRE_NATIVE") == "1":
        assert native_module("_records") is not None


# -- the C function's own contract ---------------------------------------------------------------
def arguments(n: int = 2, k: int = 2) -> dict[str, Any]:
    return {
        "texts": ["A text.", "Another, with é and \ud800."][:n] + ["x"] * max(0, n - 2),
        "numbers": np.arange(3 * n, dtype=np.int64).reshape(n, 3),
        "label_index": np.zeros(n, dtype=np.int64),
        "rounded": np.full((n, k + 1), 0.25),
        "labels": [b'"a"', b'"unclassified"'],
        "keys": [f'"f{j}"'.encode() for j in range(k)],
        "sizes": [n],
    }


def call(**changes: Any) -> list[bytes]:
    assert records_module is not None
    args = {**arguments(), **changes}
    return records_module.sentence_records(*args.values())


@compiled
def test_a_call_gives_the_records_of_each_document() -> None:
    assert call(sizes=[0, 1, 0, 1]) == [
        b"",
        b'{"index": 0, "start": 1, "end": 2, "text": "A text.", "frame": "a", "confidence": 0.25, '
        b'"scores": {"f0": 0.25, "f1": 0.25}}',
        b"",
        b'{"index": 3, "start": 4, "end": 5, "text": "Another, with \xc3\xa9 and \\ud800.", "frame": "a", '
        b'"confidence": 0.25, "scores": {"f0": 0.25, "f1": 0.25}}',
    ]
    assert call(**{**arguments(n=0, k=0), "sizes": []}) == []
    assert call(**arguments(n=1, k=0))[0].endswith(b'"scores": {}}')


@compiled
def test_every_latin1_character_at_every_place_of_an_eight_character_word() -> None:
    """ASCII text is copied eight bytes at a time; a character to escape anywhere in them is caught."""
    characters = [*map(chr, range(0x100)), "\u2028", "\ud800", "😀"]
    texts = ["a" * place + c + "b" * (16 - place) for c in characters for place in range(9)]
    n = len(texts)
    zeros = np.zeros((n, 3), dtype=np.int64)
    (part,) = call(
        texts=texts, numbers=zeros, label_index=np.zeros(n, dtype=np.int64), rounded=np.full((n, 3), 0.5), sizes=[n]
    )
    records = [
        {
            "index": 0,
            "start": 0,
            "end": 0,
            "text": text,
            "frame": "a",
            "confidence": 0.5,
            "scores": {"f0": 0.5, "f1": 0.5},
        }
        for text in texts
    ]
    assert part == ", ".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8", "backslashreplace")


@compiled
def test_integers_and_floats_beyond_the_fast_paths() -> None:
    numbers = np.asarray([[-(2**63), 2**63 - 1, -1]], dtype=np.int64)
    values = [0.0, -0.0, 1.0, 1e-7, 0.1234567, 123.456, 1e300, 5e-324, 0.0001, 9.9e-5]
    (record,) = call(
        texts=[""],
        numbers=numbers,
        label_index=np.ones(1, dtype=np.int64),
        rounded=np.asarray([values]),
        keys=[f'"{j}"'.encode() for j in range(len(values) - 1)],
        sizes=[1],
    )
    expected = {"index": -(2**63), "start": 2**63 - 1, "end": -1, "text": "", "frame": "unclassified"}
    expected |= {"confidence": 0.0, "scores": {str(j): v for j, v in enumerate(values[1:])}}
    assert record == json.dumps(expected).encode()


@compiled
@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"texts": ["one", 2]}, TypeError, r"texts\[1\] must be str, not int"),
        ({"texts": 3}, TypeError, "texts must be a sequence of str"),
        ({"texts": ["one"]}, ValueError, r"numbers must have shape \(1, 3\)"),
        ({"numbers": [[0, 1, 2], [3, 4, 5]]}, TypeError, "numbers must be a C-contiguous int64 array, not list"),
        ({"numbers": np.zeros((2, 3), dtype=np.int32)}, TypeError, "numbers must be a 2D int64 array"),
        ({"numbers": np.zeros((2, 3), dtype=np.uint64)}, TypeError, "numbers must be a 2D int64 array"),
        ({"numbers": np.zeros(6, dtype=np.int64)}, TypeError, "numbers must be a 2D int64 array"),
        ({"numbers": np.zeros((3, 2), dtype=np.int64).T}, TypeError, "numbers must be a C-contiguous int64 array"),
        ({"numbers": np.zeros((2, 4), dtype=np.int64)}, ValueError, r"numbers must have shape \(2, 3\)"),
        ({"label_index": np.zeros(2)}, TypeError, "label_index must be a 1D int64 array"),
        ({"label_index": np.zeros(3, dtype=np.int64)}, ValueError, r"one label per text \(2\), not 3"),
        ({"label_index": np.asarray([0, 2])}, ValueError, r"label_index\[1\] is 2, not an index of labels \(0 to 1\)"),
        ({"label_index": np.asarray([-1, 0])}, ValueError, r"label_index\[0\] is -1"),
        ({"rounded": np.full((2, 3), 0.25, dtype=np.float32)}, TypeError, "rounded must be a 2D float64 array"),
        ({"rounded": np.full((2, 2), 0.25)}, ValueError, r"rounded must have shape \(2, 3\)"),
        ({"rounded": np.full((2, 3), np.nan)}, ValueError, "rounded holds nan, which JSON cannot write"),
        ({"rounded": np.full((2, 3), -np.inf)}, ValueError, "rounded holds an infinity"),
        ({"labels": ['"a"']}, TypeError, r"labels\[0\] must be bytes \(a quoted, encoded name\), not str"),
        ({"keys": None}, TypeError, "keys must be a sequence of bytes"),
        ({"keys": [b'"f0"', bytearray(b'"f1"')]}, TypeError, r"keys\[1\] must be bytes"),
        ({"keys": [b'"f0"']}, ValueError, r"rounded must have shape \(2, 2\)"),
        ({"sizes": [1]}, ValueError, r"sizes must add up to the number of texts \(2\)"),
        ({"sizes": [1, 2]}, ValueError, "sizes must add up"),
        ({"sizes": [3, -1]}, ValueError, r"sizes\[1\] is -1; a number of sentences cannot be negative"),
        ({"sizes": [2**62, 2**62, 2]}, ValueError, "sizes must add up"),
        ({"sizes": [2.0]}, TypeError, r"sizes\[0\] must be an int \(a number of sentences\), not float"),
        ({"sizes": [2**70]}, OverflowError, "too large"),
        ({"sizes": 2}, TypeError, "sizes must be a sequence of sentence counts"),
    ],
)
def test_bad_arguments_are_clear_errors(changes: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call(**changes)
    assert call() == call()  # and the module still works


@compiled
def test_wrong_number_of_arguments() -> None:
    assert records_module is not None
    with pytest.raises(TypeError, match="sentence_records"):
        records_module.sentence_records([], [])
