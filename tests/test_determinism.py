"""Determinism: the same corpus and seed give the same model bytes, predictions and scores."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_ARTICLE, TINY_ROWS

from framing import defaults
from framing.codebook import codebook_from_dict
from framing.corpus import load_corpus
from framing.model import FramingModel, ModelConfig
from framing.segment import split_sentences
from framing.train import train_model

SENTENCES = [s.text for s in split_sentences(TINY_ARTICLE)] + [str(r["text"]) for r in TINY_ROWS]


def test_same_corpus_and_seed_give_identical_bytes_with_source_date_epoch(
    tiny_corpus_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    corpus = load_corpus([tiny_corpus_path])
    first = train_model(corpus, config=ModelConfig(cv_folds=3)).to_bytes()
    second = train_model(load_corpus([tiny_corpus_path]), config=ModelConfig(cv_folds=3)).to_bytes()
    assert first == second
    assert FramingModel.from_bytes(first).info_["created"] == "2023-11-14T22:13:20+00:00"


def test_without_source_date_epoch_predictions_and_scores_are_identical(
    tiny_corpus_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    corpus = load_corpus([tiny_corpus_path])
    a = train_model(corpus, config=ModelConfig(cv_folds=3))
    b = train_model(corpus, config=ModelConfig(cv_folds=3))
    assert np.array_equal(a.predict_proba(SENTENCES), b.predict_proba(SENTENCES))
    assert a.info_["cv"] == b.info_["cv"] and a.info_["cv_rates"] == b.info_["cv_rates"]
    meta_a, meta_b = (json.loads(zipfile.ZipFile(io.BytesIO(m.to_bytes())).read("meta.json")) for m in (a, b))
    for meta in (meta_a, meta_b):
        meta["info"].pop("created")
    assert meta_a == meta_b


def test_identical_model_files_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    """Set and dict ordering change with PYTHONHASHSEED; the model file must not."""
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in TINY_ROWS), encoding="utf-8")
    codebook = tmp_path / "cb.json"
    codebook.write_text(
        json.dumps(codebook_from_dict({"frames": [{"id": f} for f in ("proxy", "factual", "conspiracy")]}).to_dict()),
        encoding="utf-8",
    )
    processes = []
    for hash_seed in ("1", "2"):
        env = {
            **os.environ,
            "PYTHONHASHSEED": hash_seed,
            "SOURCE_DATE_EPOCH": "1700000000",
            "PYTHONPATH": str(defaults.PROJECT_ROOT),
        }
        out = tmp_path / f"m{hash_seed}.framing"
        command = [
            sys.executable,
            "-m",
            "framing.cli",
            "train",
            str(corpus),
            "--codebook",
            str(codebook),
            "--cv-folds",
            "3",
            "-o",
            str(out),
        ]
        processes.append((out, subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
    for _, process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    first, second = (out.read_bytes() for out, _ in processes)
    assert first == second


def test_the_seed_only_shuffles_cross_validation_not_the_final_fit(tiny_corpus_path: Path) -> None:
    corpus = load_corpus([tiny_corpus_path])
    a = train_model(corpus, config=ModelConfig(cv_folds=4, seed=0))
    b = train_model(corpus, config=ModelConfig(cv_folds=4, seed=1))
    assert a.info_["cv_rates"] != b.info_["cv_rates"]
    # lbfgs on the full corpus has no randomness: the seed only shuffles cross-validation.
    assert np.allclose(a.predict_proba(SENTENCES), b.predict_proba(SENTENCES))
