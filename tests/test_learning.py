"""The learning curve: the full-data point is cross-validation itself; smaller shares train on less."""

from __future__ import annotations

from pathlib import Path

from conftest import TINY_ROWS, write_corpus_file

from framing.corpus import load_corpus
from framing.evaluate import cross_validate
from framing.learning import fit_part, learning_curve
from framing.model import FramingModel, ModelConfig


def test_learning_curve_on_the_tiny_corpus(tmp_path: Path) -> None:
    corpus = load_corpus([write_corpus_file(tmp_path / "tiny.jsonl", TINY_ROWS)])
    config = ModelConfig(cv_folds=3)
    labels = sorted(corpus.label_counts())
    points = learning_curve(corpus, 3, config, labels, fractions=(0.5, 1.0), samples=100)
    assert [p.fraction for p in points] == [0.5, 1.0]
    # 6 documents of 4 sentences; each fold trains on 4 documents, half of them at 50%.
    assert [p.n_train for p in points] == [8.0, 16.0]
    assert points[-1].macro_f1 == cross_validate(corpus, 3, config).macro_f1
    for point in points:
        low, high = point.macro_f1_interval
        assert low is not None and high is not None and low <= point.macro_f1 <= high


def test_a_training_share_with_one_frame_predicts_that_frame(tmp_path: Path) -> None:
    rows = [r for r in TINY_ROWS if r["label"] == "proxy"] + [TINY_ROWS[0]]
    corpus = load_corpus([write_corpus_file(tmp_path / "c.jsonl", rows)])
    part = type(corpus)(sentences=corpus.sentences[:3], files=corpus.files, sha256="", n_bytes=0)
    assert fit_part(part, ModelConfig(cv_folds=0)) == "proxy"
    assert isinstance(fit_part(corpus, ModelConfig(cv_folds=0)), FramingModel)
