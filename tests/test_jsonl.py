"""Sentence records built with numpy are byte for byte what json.dumps writes for the same values."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.jsonl import SentenceSuffixes, sentence_prefixes
from framing.outputs import round6

FRAMES = ["conspiracy", "proxy", "factual"]
LABELS = [*FRAMES, "unclassified"]

# Probabilities as the model gives them, plus the values repr writes differently: 0, 1, tiny
# values (exponent notation), values with trailing zeros, and values next to a rounding tie.
probability = st.one_of(
    st.floats(min_value=0, max_value=1),
    st.sampled_from([0.0, 1.0, 1e-7, 4e-6, 5e-5, 9.99e-5, 1e-4, 0.5, 0.25, 0.1, 0.999999, 0.9999996]),
    st.integers(0, 10**6).map(lambda k: (k + 0.5) / 1e6),
)
row = st.tuples(st.integers(0, 3), st.lists(probability, min_size=4, max_size=4))
record_number = st.integers(0, 10**9)


def expected(index: int, start: int, end: int, text: str, label: str, values: list[float], frames: list[str]) -> str:
    record = {
        "index": index,
        "start": start,
        "end": end,
        "text": text,
        "frame": label,
        "confidence": round(values[0], 6),
        "scores": {frame: round(v, 6) for frame, v in zip(frames, values[1:], strict=True)},
    }
    return json.dumps(record, ensure_ascii=False, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(row, record_number, record_number, record_number), min_size=1, max_size=30))
def test_records_are_json_dumps(rows: list[tuple[tuple[int, list[float]], int, int, int]]) -> None:
    text = 'A "quoted" text\twith\\ escapes \u2028 and ünïcode'
    labels = np.asarray([r[0][0] for r in rows])
    values = np.asarray([r[0][1] for r in rows])
    numbers = np.asarray([r[1:] for r in rows], dtype=np.int64)
    suffixes = SentenceSuffixes(FRAMES, LABELS).render(labels, round6(values))
    prefixes = sentence_prefixes(numbers)
    quoted = json.dumps(text, ensure_ascii=False)
    for i, ((label, probs), index, start, end) in enumerate(rows):
        assert prefixes[i] + quoted + suffixes[i] == expected(index, start, end, text, LABELS[label], probs, FRAMES)


def test_frame_names_that_are_not_ascii_take_the_template() -> None:
    frames = ["conspiración", "proxy"]
    suffixes = SentenceSuffixes(frames, [*frames, "unclassified"]).render(
        np.asarray([0, 2]), round6(np.full((2, 3), 0.25))
    )
    assert (
        suffixes[0] == ', "frame": "conspiración", "confidence": 0.25, "scores": {"conspiración": 0.25, "proxy": 0.25}}'
    )
    assert suffixes[1].startswith(', "frame": "unclassified"')


def test_no_rows_give_no_records() -> None:
    assert SentenceSuffixes(FRAMES, LABELS).render(np.zeros(0, dtype=int), np.zeros((0, 4))) == []
    assert sentence_prefixes(np.zeros((0, 3), dtype=np.int64)) == []
