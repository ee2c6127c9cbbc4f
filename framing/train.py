"""Train a model from a corpus: cross-validated scores, binary threshold, confusion rates, final fit."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .codebook import Codebook, codebook_from_labels
from .corpus import Corpus, check_trainable
from .errors import CorpusError
from .metrics import EvaluationReport, compute_report
from .model import FramingModel, ModelConfig, versions

Progress = Callable[[str], None]


def make_splits(
    labels: Sequence[str], groups: Sequence[str] | None, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds; grouped so that one document's sentences never sit on both sides."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray(labels, dtype=object)
    placeholder = np.zeros(len(y))
    with warnings.catch_warnings():
        # We check per-frame counts ourselves; sklearn's "least populated class" note is noise here.
        warnings.filterwarnings("ignore", message=".*least populated class.*", category=UserWarning)
        if groups is not None:
            n_groups = len(set(groups))
            if n_groups < folds:
                raise CorpusError(
                    f"only {n_groups} documents (doc_id) for {folds}-fold cross-validation; "
                    "add documents or lower --cv-folds"
                )
            splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
            return list(splitter.split(placeholder, y, np.asarray(groups, dtype=object)))
        return list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(placeholder, y))


def out_of_fold_proba(
    texts: Sequence[str],
    labels: Sequence[str],
    splits: list[tuple[np.ndarray, np.ndarray]],
    config: ModelConfig,
    progress: Progress | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Probabilities for each sentence from a model that never saw it; columns in sorted frame order."""
    frames = sorted(set(labels))
    column = {frame: i for i, frame in enumerate(frames)}
    proba = np.zeros((len(texts), len(frames)))
    text_array = np.asarray(texts, dtype=object)
    label_array = np.asarray(labels, dtype=object)
    for k, (train_idx, test_idx) in enumerate(splits, 1):
        if progress:
            progress(f"cross-validation fold {k}/{len(splits)}")
        model = FramingModel(config).fit(list(text_array[train_idx]), list(label_array[train_idx]))
        fold_proba = model.predict_proba(list(text_array[test_idx]))
        # A grouped fold can miss a rare frame in training; its column stays zero.
        cols = np.asarray([column[f] for f in model.frames])
        proba[np.ix_(test_idx, cols)] = fold_proba
    return proba, frames


def choose_threshold(is_positive: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """The threshold on ``score`` that maximises the positive class's F1, and that F1."""
    order = np.argsort(-score, kind="stable")
    sorted_score = score[order]
    tp = np.cumsum(is_positive[order])
    predicted = np.arange(1, len(score) + 1)
    f1 = 2 * tp / (predicted + is_positive.sum())
    # Only cut between distinct scores: ties must fall on the same side.
    last_of_run = np.r_[sorted_score[1:] != sorted_score[:-1], True]
    f1 = np.where(last_of_run, f1, -1.0)
    best = int(np.argmax(f1))
    below = sorted_score[best + 1] if best + 1 < len(score) else 0.0
    return float((sorted_score[best] + below) / 2), float(f1[best])


def decide_labels(proba: np.ndarray, frames: list[str], positive: str | None, threshold: float | None) -> list[str]:
    if positive is not None and threshold is not None:
        p = proba[:, frames.index(positive)]
        other = next(f for f in frames if f != positive)
        return [positive if v >= threshold else other for v in p]
    return [frames[i] for i in proba.argmax(axis=1)]


def rarer_frame(labels: Sequence[str]) -> str:
    counts = {f: list(labels).count(f) for f in sorted(set(labels))}
    return min(counts, key=lambda f: (counts[f], f))


def train_model(
    corpus: Corpus,
    codebook: Codebook | None = None,
    config: ModelConfig | None = None,
    progress: Progress | None = None,
) -> FramingModel:
    """Cross-validate (when ``config.cv_folds`` >= 2), then fit on the whole corpus.

    Two-frame models get the threshold that maximises the rarer frame's cross-validated F1.
    The model's ``info_`` records the corpus fingerprint, scores, confusion rates and versions.
    """
    config = config or ModelConfig()
    counts = corpus.label_counts()
    if codebook is not None:
        codebook.check_labels(counts)
    folds = config.cv_folds
    if folds == 1 or folds < 0:
        raise CorpusError(f"--cv-folds must be 0 (no cross-validation) or at least 2, not {folds}")
    check_trainable(
        corpus,
        max(2, folds),
        f"{folds}-fold cross-validation" if folds >= 2 else "training",
    )
    texts, labels = corpus.texts, corpus.labels
    groups = corpus.groups() if corpus.has_groups else None
    cv_report: EvaluationReport | None = None
    positive: str | None = rarer_frame(labels) if len(counts) == 2 else None
    threshold: float | None = None
    rates: dict[str, object] | None = None
    if folds >= 2:
        splits = make_splits(labels, groups, folds, config.seed)
        proba, frames = out_of_fold_proba(texts, labels, splits, config, progress)
        if positive is not None:
            is_positive = np.asarray([label == positive for label in labels])
            threshold, _ = choose_threshold(is_positive, proba[:, frames.index(positive)])
        predicted = decide_labels(proba, frames, positive, threshold)
        majority = max(counts, key=lambda f: (counts[f], f))
        method = f"{folds}-fold {'grouped ' if groups else ''}cross-validation"
        cv_report = compute_report(labels, predicted, frames, baseline_frame=majority, method=method)
        rates = confusion_rates(labels, predicted, proba, frames)
    if progress:
        progress("fitting the final model")
    model = FramingModel(config)
    book = codebook or codebook_from_labels(counts)
    model.codebook_ = book.restricted_to([f for f in book.ids if f in counts])
    model.fit(texts, labels)
    if positive is not None and threshold is not None:
        model.set_threshold(positive, threshold)
    model.info_ = {
        "corpus": {
            "sha256": corpus.sha256,
            "n_bytes": corpus.n_bytes,
            "n_sentences": len(corpus),
            "n_documents": len(set(corpus.groups())) if groups else None,
            "files": [Path(f).name for f in corpus.files],
            "label_counts": counts,
        },
        "cv": cv_report.to_dict() if cv_report else None,
        "cv_rates": rates,
        "versions": versions(),
        "created": _created(),
    }
    return model


def confusion_rates(
    gold: Sequence[str], predicted: Sequence[str], proba: np.ndarray, frames: list[str]
) -> dict[str, object]:
    """Cross-validated P(predicted j | gold i), hard and soft, for adjusted proportions."""
    index = {f: i for i, f in enumerate(frames)}
    k = len(frames)
    hard = np.zeros((k, k))
    soft = np.zeros((k, k))
    gold_idx = np.asarray([index[g] for g in gold])
    for g, p in zip(gold_idx, predicted, strict=True):
        hard[g, index[p]] += 1
    for i in range(k):
        rows = gold_idx == i
        soft[i] = proba[rows].mean(axis=0)
    hard = hard / hard.sum(axis=1, keepdims=True)
    return {"frames": frames, "hard": hard.round(6).tolist(), "soft": soft.round(6).tolist()}


def _created() -> str:
    # SOURCE_DATE_EPOCH makes rebuilt model files byte-identical (reproducible builds).
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat()
