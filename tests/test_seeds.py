"""The seed article's gold labels line up with framing's own sentences and use codebook frames."""

from __future__ import annotations

import json

from framing import defaults
from framing.codebook import load_codebook
from framing.segment import split_sentences

SEED = defaults.PROJECT_ROOT / "seeds" / "000_f1f53ae782e7b667"


def test_gold_labels_match_the_segmentation_and_the_codebook() -> None:
    text = SEED.with_suffix(".txt").read_text(encoding="utf-8")
    gold = [json.loads(line) for line in SEED.with_suffix(".gold.jsonl").read_text(encoding="utf-8").splitlines()]
    sentences = split_sentences(text)
    assert [(g["start"], g["end"], g["text"]) for g in gold] == [(s.start, s.end, s.text) for s in sentences]
    assert [g["index"] for g in gold] == list(range(len(sentences)))
    frames = set(load_codebook(defaults.DEFAULT_CODEBOOK_PATH).ids)
    assert {g["label"] for g in gold} <= frames
    # Every frame of the codebook occurs in the seed, so its proportions are a real comparison.
    assert {g["label"] for g in gold} == frames
