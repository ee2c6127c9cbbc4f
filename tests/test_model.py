"""The model and its file: round trip, binary threshold, atomic single-zip file, metadata, safety, size."""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_ARTICLE, TINY_ROWS

from framing import __version__
from framing.errors import ModelError
from framing.model import FORMAT_NAME, FORMAT_VERSION, FramingModel, ModelConfig, scores_to_proba
from framing.segment import split_sentences

SENTENCES = [s.text for s in split_sentences(TINY_ARTICLE)] + [str(r["text"]) for r in TINY_ROWS]


def _meta(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("meta.json"))


class _CreatesFile:
    """Unpickling this creates ``marker``: proof that the file's code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


# -- round trip ----------------------------------------------------------------------------------
def test_save_load_round_trip_gives_identical_probabilities(tiny_model: FramingModel, tmp_path: Path) -> None:
    path = tmp_path / "again.framing"
    tiny_model.save(path)
    loaded = FramingModel.load(path)
    assert loaded.frames == tiny_model.frames
    assert np.array_equal(loaded.predict_proba(SENTENCES), tiny_model.predict_proba(SENTENCES))
    assert list(loaded.predict(SENTENCES)) == list(tiny_model.predict(SENTENCES))
    assert loaded.to_bytes() == path.read_bytes()


def test_loaded_model_matches_a_freshly_fitted_pipeline(tiny_model: FramingModel) -> None:
    """Rebuilding from arrays gives what scikit-learn's own pipeline computes."""
    from framing.model import build_pipeline

    texts, labels = [str(r["text"]) for r in TINY_ROWS], [str(r["label"]) for r in TINY_ROWS]
    pipeline = build_pipeline(tiny_model.config).fit(texts, labels)
    expected = pipeline.predict_proba(SENTENCES)
    assert list(pipeline.classes_) == tiny_model.frames
    assert np.allclose(tiny_model.predict_proba(SENTENCES), expected, atol=1e-9)


def test_probabilities_are_rows_summing_to_one(tiny_model: FramingModel) -> None:
    proba = tiny_model.predict_proba(SENTENCES)
    assert proba.shape == (len(SENTENCES), 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert list(tiny_model.predict([])) == []


def test_tiny_model_learns_its_frames(tiny_model: FramingModel) -> None:
    assert list(tiny_model.predict(["Iran-backed militias fired rockets.", "The ministry reported casualties."])) == [
        "proxy",
        "factual",
    ]


def test_untrained_model_says_so() -> None:
    with pytest.raises(ModelError) as caught:
        FramingModel().to_bytes()
    assert str(caught.value) == "this model is not trained yet; call fit() or load a model file"


def test_scores_to_proba_binary_and_softmax() -> None:
    assert np.allclose(scores_to_proba(np.array([[0.0], [np.log(3)]])), [[0.5, 0.5], [0.25, 0.75]])
    soft = scores_to_proba(np.array([[1000.0, 1000.0, 0.0]]))  # no overflow
    assert np.allclose(soft, [[0.5, 0.5, 0.0]])


# -- binary threshold ----------------------------------------------------------------------------------
def test_two_frame_model_stores_the_rarer_frame_and_a_cv_threshold(binary_model: FramingModel) -> None:
    assert binary_model.frames == ["conspiracy", "factual"]
    assert binary_model.positive_ == 0  # conspiracy: 6 sentences against 8
    assert binary_model.threshold_ is not None and 0 < binary_model.threshold_ < 1
    assert binary_model.describe()["positive"] == "conspiracy"


def test_predict_applies_the_threshold_not_argmax(binary_model: FramingModel) -> None:
    proba = np.array([[0.35, 0.65], [0.2, 0.8], [0.9, 0.1]])
    binary_model.set_threshold("conspiracy", 0.3)
    index, confidence = binary_model.decide(proba)
    assert list(index) == [0, 1, 0]
    assert list(confidence) == [0.35, 0.8, 0.9]
    binary_model.set_threshold("conspiracy", 0.95)
    assert list(binary_model.decide(proba)[0]) == [1, 1, 1]
    real = binary_model.predict_proba(SENTENCES)
    expected = np.where(real[:, 0] >= 0.95, "conspiracy", "factual")
    assert list(binary_model.predict(SENTENCES)) == list(expected)


def test_threshold_survives_save_and_load(binary_model: FramingModel, tmp_path: Path) -> None:
    binary_model.set_threshold("conspiracy", 0.123)
    binary_model.save(tmp_path / "b.framing")
    loaded = FramingModel.load(tmp_path / "b.framing")
    assert (loaded.positive_, loaded.threshold_) == (0, 0.123)


def test_threshold_needs_a_two_frame_model(tiny_model: FramingModel) -> None:
    with pytest.raises(ValueError, match="two-frame model"):
        tiny_model.set_threshold("proxy", 0.5)


def test_multi_frame_model_has_no_threshold(tiny_model: FramingModel) -> None:
    assert tiny_model.threshold_ is None and tiny_model.positive_ is None


# -- the file ----------------------------------------------------------------------------------------------
def test_file_is_one_uncompressed_zip_of_json_and_npy_members(tiny_model_path: Path) -> None:
    assert zipfile.is_zipfile(tiny_model_path)
    with zipfile.ZipFile(tiny_model_path) as archive:
        names = sorted(archive.namelist())
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
        for name in names:
            if name.endswith(".npy"):
                np.lib.format.read_array(io.BytesIO(archive.read(name)), allow_pickle=False)
    assert names == [
        "char.idf.npy",
        "char.terms.npy",
        "checksum.sha256",
        "coef.npy",
        "intercept.npy",
        "meta.json",
        "word.idf.npy",
        "word.terms.npy",
    ]


def test_metadata_records_frames_corpus_hyperparameters_scores_and_versions(tiny_model_path: Path) -> None:
    meta = _meta(tiny_model_path)
    assert (meta["format"], meta["format_version"]) == (FORMAT_NAME, FORMAT_VERSION)
    assert meta["classes"] == ["conspiracy", "factual", "proxy"]
    frames = {f["id"]: f for f in meta["codebook"]["frames"]}
    assert frames["proxy"]["title"] == "Iran proxy blame"
    assert frames["proxy"]["definition"] == "Iran's proxies are blamed."
    info = meta["info"]
    corpus = info["corpus"]
    session = tiny_model_path.parent / "tiny.jsonl"
    import hashlib

    assert corpus["sha256"] == hashlib.sha256(hashlib.sha256(session.read_bytes()).digest()).hexdigest()
    assert corpus["n_bytes"] == session.stat().st_size
    assert corpus["n_sentences"] == 24 and corpus["n_documents"] == 6
    assert corpus["label_counts"] == {"conspiracy": 8, "factual": 8, "proxy": 8}
    assert meta["config"] == ModelConfig(cv_folds=3).to_dict()
    assert meta["config"]["word_ngrams"] == [1, 2] and meta["config"]["char_ngrams"] == [2, 5]
    assert info["cv"]["method"] == "3-fold grouped cross-validation"
    assert set(info["cv"]["per_frame"]) == {"conspiracy", "factual", "proxy"}
    assert 0 <= info["cv"]["macro_f1"] <= 1
    assert meta["threshold"] is None and meta["positive"] is None
    assert info["versions"]["framing"] == __version__
    assert set(info["versions"]) >= {"framing", "scikit-learn", "numpy", "scipy", "python"}
    assert info["created"].endswith("+00:00")


def test_binary_metadata_has_its_threshold(binary_model_path: Path) -> None:
    meta = _meta(binary_model_path)
    assert meta["positive"] == 0 and 0 < meta["threshold"] < 1


def test_save_is_atomic_when_serialising_fails(
    tiny_model: FramingModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.framing"
    path.write_bytes(b"previous model")

    def half_written(self: FramingModel) -> bytes:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(FramingModel, "to_bytes", half_written)
    with pytest.raises(RuntimeError):
        tiny_model.save(path)
    assert path.read_bytes() == b"previous model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.framing"]


def test_saved_file_has_normal_permissions(tiny_model: FramingModel, tmp_path: Path) -> None:
    import os

    umask = os.umask(0o022)
    try:
        tiny_model.save(tmp_path / "m.framing")
    finally:
        os.umask(umask)
    assert (tmp_path / "m.framing").stat().st_mode & 0o777 == 0o644


# -- safety ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_pickle_renamed_as_a_model_is_refused_without_running_it(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "model.framing"
    path.write_bytes(pickle.dumps(_CreatesFile(marker), protocol=protocol))
    with pytest.raises(ModelError) as caught:
        FramingModel.load(path)
    assert not marker.exists()
    assert str(caught.value).startswith(f"{path}: not a framing model file")
    # The payload is live: unpickling it really would have created the file.
    pickle.loads(path.read_bytes()).close()
    assert marker.exists()


def test_a_joblib_dump_is_refused_without_running_it(tmp_path: Path) -> None:
    import joblib

    marker = tmp_path / "pwned"
    path = tmp_path / "model.framing"
    joblib.dump(_CreatesFile(marker), path)
    with pytest.raises(ModelError) as caught:
        FramingModel.load(path)
    assert str(caught.value) == (
        f"{path}: not a framing model file (it looks like a pickle, which framing never loads); "
        "train one with `framing train` or check the path"
    )
    assert not marker.exists()


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        FramingModel.load(tmp_path / "none.framing")
    assert (
        str(caught.value)
        == f"{tmp_path / 'none.framing'}: no such model file; train one with `framing train` or check the path"
    )


def test_a_folder_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        FramingModel.load(tmp_path)
    assert str(caught.value) == f"{tmp_path}: is a folder, not a model file; pass the model file itself"


def test_a_text_file_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "notes.framing"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        FramingModel.load(path)
    assert str(caught.value) == f"{path}: not a framing model file; train one with `framing train` or check the path"


def test_another_zip_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "doc.framing"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ModelError) as caught:
        FramingModel.load(path)
    assert str(caught.value) == (
        f"{path}: not a framing model file (a zip file without framing metadata); "
        "train one with `framing train` or check the path"
    )


# -- size budget ----------------------------------------------------------------------------------------
def synthetic_model(n_terms: int, n_frames: int, seed: int = 0) -> FramingModel:
    """A fitted-looking model with ``n_terms`` n-grams (a third words, two thirds characters)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from framing.codebook import codebook_from_labels

    rng = np.random.default_rng(seed)
    n_word = n_terms // 3
    blocks = []
    for name, count, analyzer, width in (("word", n_word, "word", 12), ("char", n_terms - n_word, "char_wb", 5)):
        terms = [f"{i:0{width}x}"[-width:] if analyzer == "char_wb" else f"w{i:08d} t{i % 997}" for i in range(count)]
        vectorizer = TfidfVectorizer(analyzer=analyzer, vocabulary={t: i for i, t in enumerate(terms)})
        vectorizer.vocabulary_ = dict(vectorizer.vocabulary)
        vectorizer.idf_ = rng.uniform(1, 10, count)
        blocks.append((name, vectorizer))
    model = FramingModel(ModelConfig())
    model.features_ = FeatureUnion(blocks)
    model.classes_ = np.asarray([f"frame_{i}" for i in range(n_frames)], dtype=object)
    model.coef_ = rng.normal(size=(n_frames, n_terms))
    model.intercept_ = rng.normal(size=n_frames)
    model.codebook_ = codebook_from_labels(model.frames)
    return model


def test_a_150k_term_model_file_stays_within_30_mb(tmp_path: Path) -> None:
    model = synthetic_model(150_000, 8)
    path = tmp_path / "big.framing"
    model.save(path)
    assert path.stat().st_size <= 30 * 1024 * 1024
    loaded = FramingModel.load(path)
    assert sum(len(v.vocabulary_) for _, v in loaded.features_.transformer_list) == 150_000  # type: ignore[union-attr]
    assert np.array_equal(loaded.coef_, model.coef_)  # type: ignore[arg-type]
