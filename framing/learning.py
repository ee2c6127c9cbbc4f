"""Learning curve: cross-validated macro-F1 when training on 25/50/75/100% of the training folds."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import defaults
from .corpus import Corpus
from .errors import CorpusError
from .intervals import score_intervals
from .metrics import compute_report
from .model import FramingModel, ModelConfig
from .predictions import Predictions, resampling_units
from .train import make_splits, train_model

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LearningPoint:
    """Scores of models trained on ``fraction`` of each training fold's documents."""

    fraction: float
    n_train: float
    accuracy: float
    macro_f1: float
    macro_f1_interval: list[float | None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "fraction": self.fraction,
            "n_train": self.n_train,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "macro_f1_interval": self.macro_f1_interval,
        }


def fit_part(part: Corpus, config: ModelConfig) -> FramingModel | str:
    """Train as ``cross_validate`` does; a part with a single frame gives that frame back."""
    counts = part.label_counts()
    if len(counts) == 1:
        return next(iter(counts))
    if len(counts) == 2 and config.cv_folds >= 2:
        try:
            # Two frames: pick the threshold by inner cross-validation, as `framing train` does.
            return train_model(part, config=config)
        except CorpusError:
            pass  # too few examples left for the inner folds: plain fit, default decision rule
    return FramingModel(config).fit(part.texts, part.labels)


def learning_curve(
    corpus: Corpus,
    folds: int,
    config: ModelConfig,
    labels: Sequence[str],
    *,
    fractions: Sequence[float] = defaults.LEARNING_CURVE_FRACTIONS,
    full: Predictions | None = None,
    samples: int = defaults.BOOTSTRAP_SAMPLES,
    seed: int = defaults.SEED,
    level: float = defaults.CONFIDENCE_LEVEL,
    progress: Progress | None = None,
) -> list[LearningPoint]:
    """Macro-F1 of out-of-fold predictions when each fold trains on a share of its documents.

    The folds are those of ``cross_validate`` (grouped by ``doc_id``); within a fold the
    training documents are shuffled once, so each smaller share is part of the larger ones.
    ``full`` (the cross-validated predictions at 100%, when already computed) saves refitting.
    """
    groups = corpus.groups()
    splits = make_splits(corpus.labels, groups if corpus.has_groups else None, folds, config.seed)
    index = {label: i for i, label in enumerate(labels)}
    gold = np.asarray([index[label] for label in corpus.labels])
    unit_groups = np.asarray(groups, dtype=object)
    unit, n_units, resampled = resampling_units([s.doc_id for s in corpus.sentences])
    points = []
    for fraction in fractions:
        if full is not None and fraction >= 1.0:
            predicted = full.predicted
            n_train = float(np.mean([len(train) for train, _ in splits]))
        else:
            predicted, n_train = _predict_at(corpus, splits, unit_groups, fraction, config, index, seed, progress)
        report = compute_report(list(corpus.labels), [labels[i] for i in predicted], labels)
        interval = score_intervals(
            gold, predicted, labels, unit, n_units, resampled, samples=samples, seed=seed, level=level
        )
        points.append(
            LearningPoint(float(fraction), n_train, report.accuracy, report.macro_f1, interval.macro_f1.to_list())
        )
    return points


def _predict_at(
    corpus: Corpus,
    splits: list[tuple[np.ndarray, np.ndarray]],
    groups: np.ndarray,
    fraction: float,
    config: ModelConfig,
    index: dict[str, int],
    seed: int,
    progress: Progress | None,
) -> tuple[np.ndarray, float]:
    binary = len(corpus.label_counts()) == 2
    inner = replace(config, cv_folds=config.cv_folds if binary else 0)
    predicted = np.zeros(len(corpus), dtype=np.int64)
    sizes = []
    for k, (train_idx, test_idx) in enumerate(splits):
        if progress:
            progress(f"learning curve: {fraction:.0%} of the training data, fold {k + 1}/{len(splits)}")
        names = list(dict.fromkeys(groups[train_idx].tolist()))
        order = np.random.default_rng(seed + k).permutation(len(names))
        keep = {names[i] for i in order[: max(1, math.ceil(fraction * len(names)))]}
        rows = [i for i in train_idx if groups[i] in keep]
        sizes.append(len(rows))
        part = replace(corpus, sentences=tuple(corpus.sentences[i] for i in rows), notes=())
        model = fit_part(part, inner)
        texts = [corpus.sentences[i].text for i in test_idx]
        decided = [model] * len(texts) if isinstance(model, str) else list(model.predict(texts))
        predicted[test_idx] = [index[f] for f in decided]
    return predicted, float(np.mean(sizes))
