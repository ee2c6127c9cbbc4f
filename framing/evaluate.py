"""Score a model on a held-out labeled corpus, or cross-validate training on a corpus."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import defaults
from .atomic import atomic_write
from .corpus import Corpus, check_trainable
from .errors import CorpusError, OutputError
from .metrics import EvaluationReport, compute_report
from .model import FramingModel, ModelConfig
from .predictions import Predictions, make_predictions
from .train import Progress, make_splits, train_model

ERROR_COLUMNS = ("file", "line", "doc_id", "source", "gold", "predicted", "confidence", "text")


@dataclass(frozen=True)
class EvaluationOptions:
    """What to add to the headline scores (intervals, calibration, breakdowns...).

    ``evaluate_model`` and ``cross_validate`` without options give the headline scores only.
    """

    samples: int = defaults.BOOTSTRAP_SAMPLES
    seed: int = defaults.SEED
    level: float = defaults.CONFIDENCE_LEVEL
    learning_curve: bool = False
    #: Where to write every misclassified sentence (.csv or .jsonl), if anywhere.
    errors: str | None = None


def check_errors_path(path: str | os.PathLike[str]) -> None:
    """Fail before any work when ``--errors FILE`` cannot be written as asked."""
    target = Path(path)
    if target.suffix.lower() not in defaults.ERRORS_SUFFIXES:
        raise OutputError(
            f"--errors {target}: unknown format {target.suffix or '(no extension)'!r}; "
            f"name the file with {' or '.join(defaults.ERRORS_SUFFIXES)}"
        )
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"--errors {target}: folder {parent} does not exist; create it first")
    if target.is_dir():
        raise OutputError(f"--errors {target}: is a folder; name a file inside it")


def evaluate_model(
    model: FramingModel,
    corpus: Corpus,
    options: EvaluationOptions | None = None,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Score ``model`` on every sentence of ``corpus`` (which it must not have been trained on)."""
    frames = model.frames
    unknown = {label: n for label, n in corpus.label_counts().items() if label not in frames}
    if unknown:
        listed = ", ".join(f"{label!r} ({n} sentences)" for label, n in unknown.items())
        raise CorpusError(
            f"corpus labels the model does not know: {listed}; the model's frames are "
            f"{', '.join(frames)}: relabel or remove those sentences"
        )
    if options is not None and options.errors:
        check_errors_path(options.errors)
    proba = model.predict_proba(corpus.texts)
    index, _ = model.decide(proba)
    predicted = [frames[i] for i in index]
    counts = model.info_.get("corpus", {}).get("label_counts") or {}
    majority = max(counts, key=lambda f: (counts[f], f)) if counts else None
    labels = model.display_frames
    report = compute_report(corpus.labels, predicted, labels, baseline_frame=majority)
    if options is None:
        return report
    predictions = make_predictions(corpus.sentences, labels, predicted, proba, frames)
    curve = None
    if options.learning_curve:
        folds = model.config.cv_folds if model.config.cv_folds >= 2 else defaults.CV_FOLDS
        check_trainable(corpus, folds, f"a {folds}-fold learning curve on the evaluated corpus")
        curve = _learning_curve(corpus, folds, replace(model.config, cv_folds=folds), labels, None, options, progress)
        curve["on"] = f"{folds}-fold cross-validation on the evaluated corpus, with the model's settings"
    return add_details(report, predictions, options, model, "the evaluated model", curve)


def cross_validate(
    corpus: Corpus,
    folds: int,
    config: ModelConfig | None = None,
    progress: Progress | None = None,
    options: EvaluationOptions | None = None,
) -> EvaluationReport:
    """K-fold cross-validation of the whole training procedure, grouped by ``doc_id`` when present.

    Each fold trains exactly as ``framing train`` would (a two-frame model picks its threshold by
    an inner cross-validation on the training folds only), so the scores are honest.
    """
    config = config or ModelConfig()
    if folds < 2:
        raise CorpusError(f"--cv must be at least 2, not {folds}")
    check_trainable(corpus, folds, f"{folds}-fold cross-validation")
    if options is not None and options.errors:
        check_errors_path(options.errors)
    groups = corpus.groups() if corpus.has_groups else None
    splits = make_splits(corpus.labels, groups, folds, config.seed)
    binary = len(corpus.label_counts()) == 2
    # Inner CV only to pick a binary threshold; multi-frame models need none.
    inner = replace(config, cv_folds=config.cv_folds if binary else 0)
    counts = corpus.label_counts()
    labels = sorted(counts)
    column = {frame: j for j, frame in enumerate(labels)}
    predicted = np.empty(len(corpus), dtype=object)
    proba = np.zeros((len(corpus), len(labels)))
    for k, (train_idx, test_idx) in enumerate(splits, 1):
        if progress:
            progress(f"fold {k}/{folds}")
        part = replace(corpus, sentences=tuple(corpus.sentences[i] for i in train_idx), notes=())
        model = train_model(part, config=inner)
        fold_proba = model.predict_proba([corpus.sentences[i].text for i in test_idx])
        index, _ = model.decide(fold_proba)
        predicted[test_idx] = [model.frames[i] for i in index]
        # A grouped fold can miss a rare frame in training; its column stays zero.
        proba[np.ix_(test_idx, np.asarray([column[f] for f in model.frames]))] = fold_proba
    majority = max(counts, key=lambda f: (counts[f], f))
    method = f"{folds}-fold {'grouped ' if groups else ''}cross-validation"
    report = compute_report(corpus.labels, list(predicted), labels, baseline_frame=majority, method=method)
    if options is None:
        return report
    predictions = make_predictions(corpus.sentences, labels, list(predicted), proba, labels)
    curve = None
    if options.learning_curve:
        curve = _learning_curve(corpus, folds, config, labels, predictions, options, progress)
        curve["on"] = f"the same {folds} folds"
    if progress:
        progress("fitting a model on the whole corpus for its n-gram weights")
    whole = FramingModel(config).fit(corpus.texts, corpus.labels)
    return add_details(report, predictions, options, whole, "a model trained on the whole corpus", curve)


def _learning_curve(
    corpus: Corpus,
    folds: int,
    config: ModelConfig,
    labels: list[str],
    full: Predictions | None,
    options: EvaluationOptions,
    progress: Progress | None,
) -> dict[str, Any]:
    from .learning import learning_curve

    points = learning_curve(
        corpus,
        folds,
        config,
        labels,
        full=full,
        samples=options.samples,
        seed=options.seed,
        level=options.level,
        progress=progress,
    )
    return {"points": [p.to_dict() for p in points]}


def add_details(
    report: EvaluationReport,
    predictions: Predictions,
    options: EvaluationOptions,
    model: FramingModel | None,
    model_note: str,
    curve: dict[str, Any] | None = None,
) -> EvaluationReport:
    """The report with intervals, calibration, coverage, confusions, breakdowns and n-gram weights."""
    from .breakdown import confused_pairs, document_level, per_source
    from .calibration import calibration, coverage_table
    from .explain import top_ngrams
    from .intervals import score_intervals

    boot: dict[str, Any] = {"samples": options.samples, "seed": options.seed, "level": options.level}
    unit, n_units, resampled = predictions.units()
    labels = list(predictions.labels)
    gold, predicted = predictions.gold, predictions.predicted
    undefined = list(report.undefined)
    coverage = coverage_table(predictions.confidence, gold, predicted, len(labels))
    undefined += [
        f"accuracy at --min-confidence {row.min_confidence:g}: no sentence is that confident"
        for row in coverage
        if row.n == 0
    ]
    extras: dict[str, Any] = {
        "intervals": score_intervals(gold, predicted, labels, unit, n_units, resampled, **boot).to_dict(),
        "calibration": calibration(predictions.proba, gold, predicted, unit, n_units, **boot).to_dict(),
        "coverage": [row.__dict__ for row in coverage],
        "confused_pairs": [pair.to_dict() for pair in confused_pairs(predictions)],
        "per_source": per_source(predictions, **boot),
        "documents": document_level(predictions, **boot),
        "learning_curve": curve,
    }
    if model is not None:
        weights = top_ngrams(model, defaults.TOP_NGRAMS)
        extras["top_ngrams"] = {
            "from": model_note,
            "frames": {
                frame: {kind: [{"ngram": c.ngram, "weight": c.weight} for c in items] for kind, items in kinds.items()}
                for frame, kinds in weights.items()
            },
        }
    if options.errors:
        n_errors = write_errors(options.errors, predictions)
        extras["errors"] = {"n": n_errors, "file": str(options.errors)}
    return replace(report, extras={**report.extras, **extras}, undefined=tuple(undefined))


def error_rows(predictions: Predictions) -> list[dict[str, Any]]:
    """Every misclassified sentence, in corpus order."""
    labels = predictions.labels
    confidence = predictions.confidence
    rows = []
    for i in np.flatnonzero(predictions.gold != predictions.predicted):
        sentence = predictions.sentences[i]
        rows.append(
            {
                "file": sentence.file,
                "line": sentence.line,
                "doc_id": sentence.doc_id,
                "source": sentence.source,
                "gold": labels[predictions.gold[i]],
                "predicted": labels[predictions.predicted[i]],
                "confidence": round(float(confidence[i]), 6),
                "text": sentence.text,
            }
        )
    return rows


def write_errors(path: str | os.PathLike[str], predictions: Predictions) -> int:
    """Write the misclassified sentences atomically, as CSV or JSONL by extension; return how many."""
    check_errors_path(path)
    rows = error_rows(predictions)
    with atomic_write(path) as handle:
        if Path(path).suffix.lower() == ".csv":
            writer = csv.DictWriter(handle, fieldnames=ERROR_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        else:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)
