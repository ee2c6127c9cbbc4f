"""Score a model on a held-out labeled corpus, or cross-validate training on a corpus."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .corpus import Corpus, check_trainable
from .errors import CorpusError
from .metrics import EvaluationReport, compute_report
from .model import FramingModel, ModelConfig
from .train import Progress, make_splits, train_model


def evaluate_model(model: FramingModel, corpus: Corpus) -> EvaluationReport:
    """Score ``model`` on every sentence of ``corpus`` (which it must not have been trained on)."""
    frames = model.frames
    unknown = {label: n for label, n in corpus.label_counts().items() if label not in frames}
    if unknown:
        listed = ", ".join(f"{label!r} ({n} sentences)" for label, n in unknown.items())
        raise CorpusError(
            f"corpus labels the model does not know: {listed}; the model's frames are "
            f"{', '.join(frames)}: relabel or remove those sentences"
        )
    predicted = list(model.predict(corpus.texts))
    counts = model.info_.get("corpus", {}).get("label_counts") or {}
    majority = max(counts, key=lambda f: (counts[f], f)) if counts else None
    return compute_report(corpus.labels, predicted, model.display_frames, baseline_frame=majority)


def cross_validate(
    corpus: Corpus,
    folds: int,
    config: ModelConfig | None = None,
    progress: Progress | None = None,
) -> EvaluationReport:
    """K-fold cross-validation of the whole training procedure, grouped by ``doc_id`` when present.

    Each fold trains exactly as ``framing train`` would (a two-frame model picks its threshold by
    an inner cross-validation on the training folds only), so the scores are honest.
    """
    config = config or ModelConfig()
    if folds < 2:
        raise CorpusError(f"--cv must be at least 2, not {folds}")
    check_trainable(corpus, folds, f"{folds}-fold cross-validation")
    groups = corpus.groups() if corpus.has_groups else None
    splits = make_splits(corpus.labels, groups, folds, config.seed)
    binary = len(corpus.label_counts()) == 2
    # Inner CV only to pick a binary threshold; multi-frame models need none.
    inner = replace(config, cv_folds=config.cv_folds if binary else 0)
    predicted = np.empty(len(corpus), dtype=object)
    for k, (train_idx, test_idx) in enumerate(splits, 1):
        if progress:
            progress(f"fold {k}/{folds}")
        part = replace(corpus, sentences=tuple(corpus.sentences[i] for i in train_idx), notes=())
        model = train_model(part, config=inner)
        predicted[test_idx] = model.predict([corpus.sentences[i].text for i in test_idx])
    counts = corpus.label_counts()
    majority = max(counts, key=lambda f: (counts[f], f))
    method = f"{folds}-fold {'grouped ' if groups else ''}cross-validation"
    return compute_report(corpus.labels, list(predicted), sorted(counts), baseline_frame=majority, method=method)
