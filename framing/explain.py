"""Why the model chose a frame: n-gram contributions to the log-odds of a frame over its runner-up.

For a linear model the log-odds of frame c over frame r is Σⱼ xⱼ (w_cⱼ − w_rⱼ) + (b_c − b_r), where
x is the sentence's TF-IDF vector. Each term xⱼ (w_cⱼ − w_rⱼ) is one n-gram's contribution:
positive ones pushed the sentence toward its frame, negative ones toward the runner-up. The
contributions and the bias add up exactly to the margin, so nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import defaults
from .errors import InputError

if TYPE_CHECKING:
    from .classify import Document
    from .model import FramingModel


@dataclass(frozen=True, slots=True)
class Contribution:
    """One n-gram's weight; ``kind`` is its feature block (``word`` or ``char``)."""

    ngram: str
    kind: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"ngram": self.ngram, "kind": self.kind, "weight": round(self.weight, 6)}


@dataclass(frozen=True)
class Explanation:
    """A sentence's frame and runner-up, and the n-grams that separate them.

    ``margin`` is the log-odds of ``frame`` over ``runner_up``; it equals ``bias`` plus the sum
    of every n-gram's contribution (of which ``toward`` and ``away`` are the largest).
    """

    text: str
    frame: str
    confidence: float
    runner_up: str
    runner_up_confidence: float
    margin: float
    bias: float
    toward: tuple[Contribution, ...]
    away: tuple[Contribution, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "frame": self.frame,
            "confidence": round(self.confidence, 6),
            "runner_up": self.runner_up,
            "runner_up_confidence": round(self.runner_up_confidence, 6),
            "margin": round(self.margin, 6),
            "bias": round(self.bias, 6),
            "toward": [c.to_dict() for c in self.toward],
            "away": [c.to_dict() for c in self.away],
        }


class Explainer:
    """Explains sentences with one model; the n-gram names are built once, on first use."""

    def __init__(self, model: FramingModel, top: int = defaults.EXPLAIN_TOP) -> None:
        if top < 1:
            raise InputError(f"--top must be at least 1, not {top}")
        self.model = model
        self.top = top
        self._names: np.ndarray | None = None
        self._kinds: np.ndarray | None = None

    def _feature_names(self) -> tuple[np.ndarray, np.ndarray]:
        if self._names is None or self._kinds is None:
            self._names, self._kinds = feature_names(self.model)
        return self._names, self._kinds

    def explain(self, texts: Sequence[str]) -> list[Explanation]:
        """One explanation per sentence, in order."""
        model = self.model
        if not texts:
            return []
        assert model.coef_ is not None and model.intercept_ is not None
        features = model.transform(texts).tocsr()
        proba = model.predict_proba(texts)
        chosen, _ = model.decide(proba)
        frames = model.frames
        names, kinds = self._feature_names()
        out = []
        for i, text in enumerate(texts):
            c = int(chosen[i])
            r = _runner_up(proba[i], c)
            direction, bias = _direction(model.coef_, model.intercept_, c, r)
            lo, hi = features.indptr[i], features.indptr[i + 1]
            columns, values = features.indices[lo:hi], features.data[lo:hi]
            contributions = values * direction[columns]
            out.append(
                Explanation(
                    text=text,
                    frame=frames[c],
                    confidence=float(proba[i, c]),
                    runner_up=frames[r],
                    runner_up_confidence=float(proba[i, r]),
                    margin=float(contributions.sum() + bias),
                    bias=float(bias),
                    toward=_largest(contributions, columns, names, kinds, self.top, sign=1),
                    away=_largest(contributions, columns, names, kinds, self.top, sign=-1),
                )
            )
        return out


def feature_names(model: FramingModel) -> tuple[np.ndarray, np.ndarray]:
    """The n-gram and block name of every feature column, in the model's column order."""
    _ = model.frames  # raises ModelError when the model is not trained
    assert model.features_ is not None
    names, kinds = [], []
    for block, vectorizer in model.features_.transformer_list:
        terms = vectorizer.get_feature_names_out()
        names.append(np.asarray(terms, dtype=object))
        kinds.append(np.full(len(terms), block, dtype=object))
    return np.concatenate(names), np.concatenate(kinds)


def _runner_up(row: np.ndarray, chosen: int) -> int:
    rest = row.copy()
    rest[chosen] = -np.inf
    return int(np.argmax(rest))


def _direction(coef: np.ndarray, intercept: np.ndarray, chosen: int, runner_up: int) -> tuple[np.ndarray, float]:
    """Weights of the log-odds of ``chosen`` over ``runner_up``, and its bias."""
    if coef.shape[0] == 1:
        # Binary: one row of weights for the log-odds of class 1 over class 0.
        sign = 1.0 if chosen == 1 else -1.0
        return sign * coef[0], float(sign * intercept[0])
    return coef[chosen] - coef[runner_up], float(intercept[chosen] - intercept[runner_up])


def _largest(
    contributions: np.ndarray, columns: np.ndarray, names: np.ndarray, kinds: np.ndarray, top: int, sign: int
) -> tuple[Contribution, ...]:
    signed = sign * contributions
    order = np.argsort(-signed, kind="stable")[:top]
    return tuple(
        Contribution(str(names[columns[j]]), str(kinds[columns[j]]), float(contributions[j]))
        for j in order
        if signed[j] > 0
    )


def explain_sentences(model: FramingModel, texts: Sequence[str], top: int = defaults.EXPLAIN_TOP) -> list[Explanation]:
    """Explain each sentence as given (no segmentation)."""
    return Explainer(model, top).explain(texts)


def explain_text(model: FramingModel, text: str, top: int = defaults.EXPLAIN_TOP) -> list[Explanation]:
    """Split ``text`` into sentences as ``classify`` does, and explain each."""
    from .segment import split_sentences

    sentences = [s.text for s in split_sentences(text)]
    if not sentences:
        raise InputError("nothing to explain: the text is empty; pass a sentence in quotes")
    return explain_sentences(model, sentences, top)


def explain_documents(
    model: FramingModel, documents: Iterable[Document], top: int = defaults.EXPLAIN_TOP
) -> Iterator[tuple[Document, list[Explanation]]]:
    """Classified documents with an explanation for each of their sentences."""
    explainer = Explainer(model, top)
    for document in documents:
        yield document, explainer.explain([s.text for s in document.sentences])


def top_ngrams(model: FramingModel, n: int = defaults.TOP_NGRAMS) -> dict[str, dict[str, list[Contribution]]]:
    """For each frame and feature block, the ``n`` n-grams with the largest weight toward the frame.

    Binary models have one weight row (toward the second frame); the first frame's n-grams are
    those with the most negative weights.
    """
    names, kinds = feature_names(model)
    assert model.coef_ is not None
    frames = model.frames
    binary = model.coef_.shape[0] == 1
    out: dict[str, dict[str, list[Contribution]]] = {}
    for c, frame in enumerate(frames):
        weights = (model.coef_[0] if c == 1 else -model.coef_[0]) if binary else model.coef_[c]
        by_kind: dict[str, list[Contribution]] = {}
        for kind in dict.fromkeys(kinds.tolist()):
            columns = np.flatnonzero(kinds == kind)
            best = columns[np.argsort(-weights[columns], kind="stable")[:n]]
            by_kind[kind] = [Contribution(str(names[j]), kind, float(weights[j])) for j in best if weights[j] > 0]
        out[frame] = by_kind
    return {frame: out[frame] for frame in model.display_frames}
