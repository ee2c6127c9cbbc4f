"""The frame classifier (TF-IDF + logistic regression) and its safe, single-file model format."""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__, defaults
from .atomic import atomic_write
from .codebook import Codebook, codebook_from_dict, codebook_from_labels
from .errors import ModelError

if TYPE_CHECKING:
    from scipy.sparse import spmatrix
    from sklearn.pipeline import FeatureUnion, Pipeline

FORMAT_NAME = "framing-model"
FORMAT_VERSION = 1
_META = "meta.json"
_CHECKSUM = "checksum.sha256"
# Fixed zip timestamps keep the file bytes a function of the model alone.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters of the feature extraction and the classifier."""

    word_ngrams: tuple[int, int] = defaults.WORD_NGRAMS
    char_ngrams: tuple[int, int] = defaults.CHAR_NGRAMS
    min_df: int = defaults.MIN_DF
    C: float = defaults.C
    class_weight: str | None = defaults.CLASS_WEIGHT
    max_iter: int = defaults.MAX_ITER
    seed: int = defaults.SEED
    cv_folds: int = defaults.CV_FOLDS

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**values)


def _tfidf_params(config: ModelConfig) -> dict[str, dict[str, Any]]:
    return {
        "word": {"analyzer": "word", "ngram_range": tuple(config.word_ngrams), "lowercase": True},
        "char": {"analyzer": "char_wb", "ngram_range": tuple(config.char_ngrams), "lowercase": True},
    }


def build_features(config: ModelConfig) -> FeatureUnion:
    """Word 1-2-gram and char_wb 2-5-gram TF-IDF blocks, each L2-normalised, side by side."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    blocks = [
        (name, TfidfVectorizer(sublinear_tf=True, min_df=config.min_df, dtype=np.float64, **params))
        for name, params in _tfidf_params(config).items()
    ]
    return FeatureUnion(blocks)


def build_pipeline(config: ModelConfig) -> Pipeline:
    """The unfitted scikit-learn Pipeline that :meth:`FramingModel.fit` trains."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    classifier = LogisticRegression(
        C=config.C,
        class_weight=config.class_weight,
        max_iter=config.max_iter,
        random_state=config.seed,
    )
    return Pipeline([("features", build_features(config)), ("classifier", classifier)])


@dataclass
class FramingModel:
    """A fitted frame classifier plus what a user needs to trust it (codebook, corpus, scores).

    Follows scikit-learn's conventions: the constructor stores, :meth:`fit` computes, fitted
    attributes end in ``_``, and ``classes_`` orders the columns of :meth:`predict_proba`.
    """

    config: ModelConfig = field(default_factory=ModelConfig)

    # Fitted state.
    features_: FeatureUnion | None = field(default=None, repr=False)
    coef_: np.ndarray | None = field(default=None, repr=False)
    intercept_: np.ndarray | None = field(default=None, repr=False)
    classes_: np.ndarray | None = None
    #: Binary models: index in ``classes_`` of the rarer frame and its decision threshold.
    positive_: int | None = None
    threshold_: float | None = None
    codebook_: Codebook | None = field(default=None, repr=False)
    info_: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- training ---------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> FramingModel:
        """Fit the pipeline on sentences and their frames; resets any decision threshold."""
        pipeline = build_pipeline(self.config)
        pipeline.fit(list(texts), np.asarray(labels, dtype=object))
        classifier = pipeline.named_steps["classifier"]
        self.features_ = pipeline.named_steps["features"]
        self.coef_ = np.asarray(classifier.coef_, dtype=np.float64)
        self.intercept_ = np.asarray(classifier.intercept_, dtype=np.float64)
        self.classes_ = np.asarray([str(c) for c in classifier.classes_], dtype=object)
        self.positive_ = None
        self.threshold_ = None
        if self.codebook_ is None:
            self.codebook_ = codebook_from_labels(self.frames)
        return self

    def set_threshold(self, positive: str, threshold: float) -> None:
        """Binary models: predict ``positive`` when its probability is at least ``threshold``."""
        frames = self.frames
        if len(frames) != 2 or positive not in frames:
            raise ValueError("a threshold applies to a two-frame model and one of its frames")
        self.positive_ = frames.index(positive)
        self.threshold_ = float(threshold)

    # -- prediction -------------------------------------------------------------------------
    @property
    def frames(self) -> list[str]:
        """Frame ids in ``classes_`` order (the columns of :meth:`predict_proba`)."""
        self._check_fitted()
        assert self.classes_ is not None
        return [str(c) for c in self.classes_]

    @property
    def display_frames(self) -> list[str]:
        """Frame ids in codebook order, for reports."""
        frames = self.frames
        if self.codebook_ is None:
            return frames
        ordered = [f for f in self.codebook_.ids if f in frames]
        return ordered + [f for f in frames if f not in ordered]

    def transform(self, texts: Sequence[str]) -> spmatrix:
        self._check_fitted()
        assert self.features_ is not None
        return self.features_.transform(list(texts))

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        assert self.coef_ is not None and self.intercept_ is not None
        scores = self.transform(texts) @ self.coef_.T + self.intercept_
        return np.asarray(scores)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order (as LogisticRegression computes them)."""
        return scores_to_proba(self.decision_function(texts))

    def decide(self, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predicted class index and its probability, applying the stored binary threshold."""
        if self.threshold_ is not None and self.positive_ is not None and proba.shape[1] == 2:
            positive = proba[:, self.positive_] >= self.threshold_
            index = np.where(positive, self.positive_, 1 - self.positive_)
        else:
            index = proba.argmax(axis=1)
        return index, proba[np.arange(len(index)), index]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        assert self.classes_ is not None
        if len(texts) == 0:
            return np.asarray([], dtype=object)
        index, _ = self.decide(self.predict_proba(texts))
        return self.classes_[index]

    def _check_fitted(self) -> None:
        if self.classes_ is None or self.features_ is None:
            raise ModelError("this model is not trained yet; call fit() or load a model file")

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model atomically: the previous file stays until the new one is complete."""
        with atomic_write(path, "wb") as handle:
            handle.write(self.to_bytes())

    def to_bytes(self) -> bytes:
        self._check_fitted()
        assert self.features_ is not None and self.coef_ is not None and self.intercept_ is not None
        arrays: dict[str, np.ndarray] = {
            "coef": self.coef_,
            "intercept": self.intercept_,
        }
        blocks = []
        for name, vectorizer in self.features_.transformer_list:
            terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
            arrays[f"{name}.terms"] = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
            arrays[f"{name}.idf"] = np.asarray(vectorizer.idf_, dtype=np.float64)
            blocks.append({"name": name, "kind": "tfidf", "n_terms": len(terms)})
        meta = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "classes": self.frames,
            "positive": self.positive_,
            "threshold": self.threshold_,
            "config": self.config.to_dict(),
            "features": blocks,
            "codebook": (self.codebook_ or codebook_from_labels(self.frames)).to_dict(),
            "info": self.info_,
        }
        return _pack(meta, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FramingModel:
        """Read a model file. Nothing from the file is unpickled or executed."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ModelError(f"{path}: no such model file; train one with `framing train` or check the path") from None
        except IsADirectoryError:
            raise ModelError(f"{path}: is a folder, not a model file; pass the model file itself") from None
        except OSError as exc:
            raise ModelError(f"{path}: cannot read the model ({exc.strerror}); check its permissions") from None
        return cls.from_bytes(data, str(path))

    @classmethod
    def from_bytes(cls, data: bytes, where: str = "model") -> FramingModel:
        meta, arrays = _unpack(data, where)
        try:
            return cls._rebuild(meta, arrays)
        except ModelError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ModelError(f"{where}: the model file is inconsistent ({exc}); retrain it with `framing train`") from None

    @classmethod
    def _rebuild(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> FramingModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        config = ModelConfig.from_dict(meta["config"])
        params = _tfidf_params(config)
        blocks = []
        n_features = 0
        for block in meta["features"]:
            name = block["name"]
            if block.get("kind") != "tfidf" or name not in params:
                raise ModelError(f"feature block {name!r} of kind {block.get('kind')!r} is not supported")
            raw = arrays[f"{name}.terms"].tobytes().decode("utf-8")
            terms = raw.split("\n") if raw else []
            idf = arrays[f"{name}.idf"]
            if len(terms) != len(idf) or len(set(terms)) != len(terms):
                raise ValueError(f"block {name!r} has {len(terms)} terms for {len(idf)} weights")
            vectorizer = TfidfVectorizer(
                sublinear_tf=True,
                min_df=config.min_df,
                dtype=np.float64,
                vocabulary=dict(zip(terms, range(len(terms)))),
                **params[name],
            )
            vectorizer.idf_ = idf
            blocks.append((name, vectorizer))
            n_features += len(terms)
        classes = [str(c) for c in meta["classes"]]
        coef, intercept = arrays["coef"], arrays["intercept"]
        rows = 1 if len(classes) == 2 else len(classes)
        if coef.shape != (rows, n_features) or intercept.shape != (rows,):
            raise ValueError(f"weights of shape {coef.shape} do not match {len(classes)} frames and {n_features} features")
        model = cls(config=config)
        model.features_ = FeatureUnion(blocks)
        model.coef_, model.intercept_ = coef, intercept
        model.classes_ = np.asarray(classes, dtype=object)
        model.positive_ = meta.get("positive")
        threshold = meta.get("threshold")
        model.threshold_ = None if threshold is None else float(threshold)
        codebook = codebook_from_dict(meta["codebook"])
        model.codebook_ = codebook.restricted_to(
            [f for f in codebook.ids if f in classes] + [c for c in classes if c not in codebook.ids]
        )
        model.info_ = dict(meta.get("info") or {})
        return model

    def describe(self) -> dict[str, Any]:
        """Plain-data summary of the model, for reports and JSON output."""
        codebook = self.codebook_ or codebook_from_labels(self.frames)
        return {
            "frames": [
                {"id": f.id, "title": f.title, "definition": f.definition, "colour": f.colour}
                for f in codebook.frames
                if f.id in self.frames
            ],
            "threshold": self.threshold_,
            "positive": None if self.positive_ is None else self.frames[self.positive_],
            "config": self.config.to_dict(),
            **{k: v for k, v in self.info_.items() if k in ("corpus", "created", "versions", "name")},
        }

    def with_info(self, **info: Any) -> FramingModel:
        return replace(self, info_={**self.info_, **info})


def scores_to_proba(scores: np.ndarray) -> np.ndarray:
    """Logistic (binary, one column of scores) or softmax probabilities."""
    if scores.ndim == 1 or scores.shape[1] == 1:
        positive = 1.0 / (1.0 + np.exp(-scores.reshape(-1)))
        return np.column_stack([1.0 - positive, positive])
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def versions() -> dict[str, str]:
    import scipy
    import sklearn

    return {
        "framing": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
    }


# -- container -------------------------------------------------------------------------------
def _array_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _pack(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    members = {_META: json.dumps(meta, sort_keys=True, ensure_ascii=False, allow_nan=False).encode("utf-8")}
    members.update({f"{name}.npy": _array_bytes(array) for name, array in sorted(arrays.items())})
    digest = hashlib.sha256()
    for name in sorted(members):
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(members[name]).digest())
    members[_CHECKSUM] = digest.hexdigest().encode("ascii")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, payload in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_DATE), payload)
    return out.getvalue()


def _unpack(data: bytes, where: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    not_model = f"{where}: not a framing model file"
    fix = "train one with `framing train` or check the path"
    if not data:
        raise ModelError(f"{where}: the model file is empty; {fix}")
    if data[:1] == b"\x80" or data[:2] in (b"(d", b"(l", b"]q", b"}q"):
        raise ModelError(f"{not_model} (it looks like a pickle, which framing never loads); {fix}")
    if not data.startswith(b"PK\x03\x04"):
        raise ModelError(f"{not_model}; {fix}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if _META not in names or _CHECKSUM not in names:
                raise ModelError(f"{not_model} (a zip file without framing metadata); {fix}")
            members = {name: archive.read(name) for name in names}
    except ModelError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, KeyError) as exc:
        raise ModelError(f"{where}: the model file is damaged or truncated ({exc}); retrain or copy it again") from None
    expected = members.pop(_CHECKSUM).decode("ascii", "replace").strip()
    digest = hashlib.sha256()
    for name in sorted(members):
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(members[name]).digest())
    if digest.hexdigest() != expected:
        raise ModelError(f"{where}: the model file is damaged (checksum mismatch); retrain or copy it again")
    try:
        meta = json.loads(members.pop(_META).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"{where}: the model metadata is damaged; retrain or copy it again") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelError(f"{not_model}; {fix}")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise ModelError(
            f"{where}: model format version {version} is not supported by framing {__version__} "
            f"(it reads version {FORMAT_VERSION}); upgrade framing or retrain the model"
        )
    arrays: dict[str, np.ndarray] = {}
    for name, payload in members.items():
        if not name.endswith(".npy"):
            continue
        try:
            arrays[name[:-4]] = np.lib.format.read_array(io.BytesIO(payload), allow_pickle=False)
        except ValueError as exc:
            raise ModelError(f"{where}: array {name} cannot be read safely ({exc}); retrain the model") from None
    return meta, arrays
