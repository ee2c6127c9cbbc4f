"""The frame classifier (TF-IDF + logistic regression) and its safe, single-file model format."""

from __future__ import annotations

import hashlib
import io
import json
import math
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
from .errors import CodebookError, ModelError

if TYPE_CHECKING:
    from scipy.sparse import spmatrix
    from sklearn.pipeline import FeatureUnion, Pipeline

FORMAT_NAME = "framing-model"
FORMAT_VERSION = 1
_META = "meta.json"
_CHECKSUM = "checksum.sha256"
# Fixed zip timestamps keep the file bytes a function of the model alone.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# The zip comment, the file's last bytes, is the hex sha256 of every byte before it, so a flipped
# byte anywhere (headers included, which zipfile does not check) is caught before parsing.
_DIGEST_CHARS = 64
# A framing model has a dozen members; more means it was not written by framing.
_MAX_MEMBERS = 64
_NPY_KINDS = "fiub"
_REDO = "retrain or copy it again"
#: Name and kind of the optional sentence-embedding feature block (always the last block).
EMBEDDINGS_BLOCK = "embeddings"


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
    #: Name of a sentence encoder whose vectors are appended to the TF-IDF features (framing.embeddings).
    embeddings: str | None = None
    embedding_weight: float = defaults.EMBEDDING_WEIGHT

    def to_dict(self) -> dict[str, Any]:
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        if self.embeddings is None:
            # Plain TF-IDF models keep exactly the metadata they had before embeddings existed.
            del data["embeddings"], data["embedding_weight"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f for f in cls.__dataclass_fields__}
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
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
    if config.embeddings is not None:
        from .embeddings import SentenceEmbeddings

        blocks.append((EMBEDDINGS_BLOCK, SentenceEmbeddings(config.embeddings, config.embedding_weight)))
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
        from .features import block_names, transform

        self._check_fitted()
        assert self.features_ is not None
        texts = list(texts)
        if block_names(self.features_)[-1] == EMBEDDINGS_BLOCK:
            from scipy.sparse import hstack

            blocks = self.features_.transformer_list
            # The TF-IDF blocks keep their fast path; the embeddings come from the encoder.
            return hstack([transform(_tfidf_part(self.features_), texts), blocks[-1][1].transform(texts)]).tocsr()
        # Bit for bit what features_.transform computes, several times faster (see features.py).
        return transform(self.features_, texts)

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        from .features import block_names, product, transposed

        self._check_fitted()
        assert self.features_ is not None and self.coef_ is not None and self.intercept_ is not None
        # The same product as `@ self.coef_.T`, without scipy copying the weights on every call.
        weights = transposed(self.coef_)
        if block_names(self.features_)[-1] == EMBEDDINGS_BLOCK:
            return np.asarray(self.transform(texts) @ weights + self.intercept_)
        # TF-IDF only: the features need not exist as a matrix (see features.product).
        scores = product(self.features_, list(texts), weights)
        scores += self.intercept_
        return scores

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

    def score(self, texts: Sequence[str], slice_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Probabilities, predicted class index and confidence, computed ``slice_size`` texts at a time.

        Slices bound the feature matrix: one huge document (a 50 MB line) has thousands of pieces.
        """
        if not texts:
            return np.zeros((0, len(self.frames))), np.zeros(0, dtype=int), np.zeros(0)
        slices = range(0, len(texts), slice_size)
        proba = np.vstack([self.predict_proba(texts[i : i + slice_size]) for i in slices])
        index, confidence = self.decide(proba)
        return proba, index, confidence

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
            if name == EMBEDDINGS_BLOCK:
                blocks.append({"name": name, "kind": EMBEDDINGS_BLOCK, "n_terms": int(vectorizer.dim_)})
                continue
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
            if path.is_file() and path.stat().st_size > defaults.MAX_MODEL_BYTES:
                raise ModelError(
                    f"{path}: {path.stat().st_size} bytes is too large for a framing model "
                    f"(at most {defaults.MAX_MODEL_BYTES}); check the path"
                )
            if path.exists() and not path.is_file() and not path.is_dir():
                # A FIFO or device would block or never end.
                raise ModelError(f"{path}: not a regular file; pass the model file itself")
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
        except CodebookError as exc:
            raise ModelError(f"{where}: the model's codebook is invalid ({exc}); retrain the model") from None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
            raise ModelError(f"{where}: the model file is inconsistent ({exc}); retrain with `framing train`") from None

    @classmethod
    def _rebuild(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> FramingModel:
        from .features import TfidfBlock, lazy_features

        config = ModelConfig.from_dict(meta["config"])
        for ngrams in (config.word_ngrams, config.char_ngrams):
            if len(ngrams) != 2 or not all(type(n) is int for n in ngrams) or not 1 <= ngrams[0] <= ngrams[1] <= 16:
                raise ValueError(f"n-gram range {ngrams!r} is not a pair of small positive integers")
        params = _tfidf_params(config)
        blocks = []
        n_features = 0
        for block in meta["features"]:
            name = block["name"]
            if name == EMBEDDINGS_BLOCK and block.get("kind") == EMBEDDINGS_BLOCK and config.embeddings is not None:
                embedder = _embeddings_block(config, block.get("n_terms"))
                blocks.append((name, embedder))
                n_features += embedder.dim_
                continue
            if block.get("kind") != "tfidf" or name not in params:
                raise ValueError(f"feature block {name!r} of kind {block.get('kind')!r} is not supported")
            raw = _checked(arrays[f"{name}.terms"], f"{name}.terms", "u").tobytes().decode("utf-8")
            terms = raw.split("\n") if raw else []
            idf = _checked(arrays[f"{name}.idf"], f"{name}.idf", "f")
            if len(terms) != len(idf) or len(set(terms)) != len(terms):
                raise ValueError(f"block {name!r} has {len(terms)} terms for {len(idf)} weights")
            settings = {"sublinear_tf": True, "min_df": config.min_df, "dtype": np.float64, **params[name]}
            vocabulary = dict(zip(terms, range(len(terms)), strict=True))
            blocks.append((name, TfidfBlock(name, settings, vocabulary, idf)))
            n_features += len(terms)
        classes = meta["classes"]
        if not isinstance(classes, list) or len(classes) < 2 or len(set(classes)) != len(classes):
            raise ValueError("'classes' must list at least two distinct frames")
        if not all(isinstance(c, str) and c for c in classes):
            raise ValueError("frame ids must be non-empty strings")
        coef, intercept = _checked(arrays["coef"], "coef", "f"), _checked(arrays["intercept"], "intercept", "f")
        rows = 1 if len(classes) == 2 else len(classes)
        if coef.shape != (rows, n_features) or intercept.shape != (rows,):
            raise ValueError(
                f"weights of shape {coef.shape} do not match {len(classes)} frames and {n_features} features"
            )
        positive, threshold = meta.get("positive"), meta.get("threshold")
        if (positive is None) != (threshold is None):
            raise ValueError("a decision threshold needs its frame, and a frame its threshold")
        if positive is not None and (len(classes) != 2 or type(positive) is not int or positive not in (0, 1)):
            raise ValueError(f"threshold frame {positive!r} is not one of the two frames")
        if threshold is not None and (type(threshold) not in (int, float) or not 0 <= threshold <= 1):
            raise ValueError(f"threshold {threshold!r} is not a probability")
        model = cls(config=config)
        # scikit-learn (most of a second to import) is only imported if the union itself is used.
        model.features_ = lazy_features(blocks)
        model.coef_, model.intercept_ = coef, intercept
        model.classes_ = np.asarray(classes, dtype=object)
        model.positive_ = positive
        model.threshold_ = None if threshold is None else float(threshold)
        codebook = codebook_from_dict(meta["codebook"])
        model.codebook_ = codebook.restricted_to(
            [f for f in codebook.ids if f in classes] + [c for c in classes if c not in codebook.ids]
        )
        info = meta.get("info") or {}
        if not isinstance(info, dict):
            raise ValueError("'info' must be an object")
        model.info_ = info
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


def _embeddings_block(config: ModelConfig, dim: object) -> Any:
    """The rebuilt embedding block; a clear error when the encoder (the optional extra) is missing."""
    from .embeddings import SentenceEmbeddings, get_encoder

    if not isinstance(config.embeddings, str) or type(dim) is not int or not 0 < dim <= 65536:
        raise ValueError(f"embedding block of {dim!r} dimensions for encoder {config.embeddings!r}")
    if type(config.embedding_weight) not in (int, float) or not 0 < config.embedding_weight < 1e6:
        raise ValueError(f"embedding weight {config.embedding_weight!r} is not a positive number")
    get_encoder(config.embeddings)  # raises ModelError naming `pip install 'framing[embeddings]'`
    block = SentenceEmbeddings(config.embeddings, float(config.embedding_weight))
    block.dim_ = dim
    return block


_TFIDF_PARTS: Any = None


def _tfidf_part(union: FeatureUnion) -> FeatureUnion:
    """The union's TF-IDF blocks alone, cached per union so that features.py compiles them once."""
    import weakref

    from sklearn.pipeline import FeatureUnion

    global _TFIDF_PARTS
    if _TFIDF_PARTS is None:
        _TFIDF_PARTS = weakref.WeakKeyDictionary()
    part = _TFIDF_PARTS.get(union)
    if part is None:
        part = FeatureUnion([(n, t) for n, t in union.transformer_list if n != EMBEDDINGS_BLOCK])
        _TFIDF_PARTS[union] = part
    return part


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
        archive.comment = b"0" * _DIGEST_CHARS
    body = out.getvalue()[:-_DIGEST_CHARS]
    return body + hashlib.sha256(body).hexdigest().encode("ascii")


def _unpack(data: bytes, where: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    not_model = f"{where}: not a framing model file"
    fix = "train one with `framing train` or check the path"
    if not data:
        raise ModelError(f"{where}: the model file is empty; {fix}")
    if data[:1] == b"\x80" or data[:2] in (b"(d", b"(l", b"]q", b"}q"):
        raise ModelError(f"{not_model} (it looks like a pickle, which framing never loads); {fix}")
    if not data.startswith(b"PK\x03\x04"):
        raise ModelError(f"{not_model}; {fix}")
    body, trailer = data[:-_DIGEST_CHARS], data[-_DIGEST_CHARS:]
    if len(data) <= _DIGEST_CHARS or hashlib.sha256(body).hexdigest().encode("ascii") != trailer:
        meta = _peek_meta(data)
        _check_version(meta, where)
        # Files from before the checksum trailer end with an end-of-zip record without a comment.
        legacy = data[-22:-18] == b"PK\x05\x06" and data[-2:] == b"\0\0"
        if meta is not None and meta.get("format") == FORMAT_NAME and legacy:
            raise ModelError(f"{where}: written by an early test version of framing (no file checksum); retrain it")
        if not _is_zip_with_meta(data):
            raise ModelError(f"{not_model} (a zip file without framing metadata); {fix}")
        raise ModelError(f"{where}: the model file is damaged or truncated (checksum mismatch); {_REDO}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if _META not in names or _CHECKSUM not in names:
                raise ModelError(f"{not_model} (a zip file without framing metadata); {fix}")
            if len(infos) > _MAX_MEMBERS or len(set(names)) != len(names):
                raise ModelError(f"{not_model} (unexpected zip members); {fix}")
            unsafe = next((name for name in names if not _safe_member_name(name)), None)
            if unsafe is not None:
                raise ModelError(f"{not_model} (unsafe member name {unsafe!r}); {fix}")
            for info in infos:
                # framing stores members uncompressed: a compressed one could be a zip bomb.
                if info.compress_type != zipfile.ZIP_STORED or info.file_size > len(data):
                    raise ModelError(f"{not_model} (compressed or oversized member {info.filename!r}); {fix}")
            members = {name: archive.read(name) for name in names}
    except ModelError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        ValueError,
        OSError,
        KeyError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise ModelError(f"{where}: the model file is damaged or truncated ({exc}); retrain or copy it again") from None
    expected = members.pop(_CHECKSUM).decode("ascii", "replace").strip()
    digest = hashlib.sha256()
    for name in sorted(members):
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(members[name]).digest())
    if digest.hexdigest() != expected:
        raise ModelError(f"{where}: the model file is damaged (checksum mismatch); retrain or copy it again")
    try:
        meta = json.loads(
            members.pop(_META).decode("utf-8"),
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelError(f"{where}: the model metadata is damaged; retrain or copy it again") from None
    except ValueError as exc:
        raise ModelError(f"{where}: the model metadata is damaged ({exc}); retrain or copy it again") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelError(f"{not_model}; {fix}")
    _check_version(meta, where)
    arrays: dict[str, np.ndarray] = {}
    for name, payload in members.items():
        if not name.endswith(".npy"):
            continue
        try:
            arrays[name[:-4]] = _read_npy(payload)
        except ValueError as exc:
            raise ModelError(f"{where}: array {name} cannot be read safely ({exc}); retrain the model") from None
    return meta, arrays


#: Integers in meta.json are counts and sizes: more digits than this is not a framing model.
_MAX_INT_DIGITS = 19


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"a number of {len(text)} digits")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} overflows")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number framing writes")


def _safe_member_name(name: str) -> bool:
    """A plain relative name: members are read in memory, but a name like ../x is never framing's."""
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and "\\" not in name and ".." not in parts and ":" not in name


def _check_version(meta: dict[str, Any] | None, where: str) -> None:
    if meta is None or meta.get("format") != FORMAT_NAME:
        return
    version = meta.get("format_version")
    if type(version) is not int or version > FORMAT_VERSION or version < 1:
        raise ModelError(
            f"{where}: model format version {version} is not supported by framing {__version__} "
            f"(it reads version {FORMAT_VERSION}); upgrade framing or retrain the model"
        )


def _peek_meta(data: bytes) -> dict[str, Any] | None:
    """Best-effort read of the metadata of a file that failed its checksum (a future format?)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(_META)
            if info.compress_type != zipfile.ZIP_STORED or info.file_size > len(data):
                return None
            meta = json.loads(archive.read(info).decode("utf-8"))
    except Exception:  # any failure just means "damaged", which the caller reports
        return None
    return meta if isinstance(meta, dict) else None


def _is_zip_with_meta(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _META in archive.namelist()
    except Exception:  # an unreadable zip is a damaged model file
        return True


def _read_npy(payload: bytes) -> np.ndarray:
    """Parse a .npy member without numpy's reader, which allocates the declared shape up front."""
    stream = io.BytesIO(payload)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if dtype.hasobject or dtype.kind not in _NPY_KINDS:
        raise ValueError(f"unsupported dtype {dtype}")
    count = 1
    for n in shape:
        count *= n
    offset = stream.tell()
    if min(shape, default=1) < 0 or count * dtype.itemsize != len(payload) - offset:
        raise ValueError(f"shape {shape} does not match {len(payload) - offset} bytes of data")
    array = np.frombuffer(payload, dtype=dtype, count=count, offset=offset).copy()
    return array.reshape(shape[::-1]).T if fortran else array.reshape(shape)


def _checked(array: np.ndarray, name: str, kind: str) -> np.ndarray:
    """Refuse arrays of the wrong kind, and weights that are NaN or infinite."""
    if array.dtype.kind != kind:
        raise ValueError(f"array {name} has dtype {array.dtype}")
    if kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"array {name} holds NaN or infinite values")
    if kind == "u" and array.ndim != 1:
        raise ValueError(f"array {name} is not one-dimensional")
    return array
