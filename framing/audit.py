"""Likely label errors in a corpus: confident learning on out-of-fold probabilities, and near-duplicate conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import defaults
from .corpus import Corpus, check_trainable
from .errors import CorpusError

if TYPE_CHECKING:
    from .model import FramingModel, ModelConfig

LABEL_ERROR = "label_error"
NEAR_DUPLICATE = "near_duplicate"
#: Sentences this similar (TF-IDF cosine over words) with different frames are listed as conflicts.
DUPLICATE_COSINE = 0.8
#: Columns of the audit's CSV and keys of its JSONL rows.
AUDIT_COLUMNS = ("kind", "where", "text", "label", "suggested", "score", "other_where", "other_text")


@dataclass(frozen=True)
class Finding:
    """One suspicious sentence: its place, its label, the label suggested, and how sure (0-1)."""

    kind: str
    where: str
    text: str
    label: str
    suggested: str
    score: float
    other_where: str = ""
    other_text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {column: getattr(self, column) for column in AUDIT_COLUMNS}


@dataclass(frozen=True)
class Audit:
    """What the audit found and how: label errors (ranked), near-duplicate conflicts, the method."""

    findings: tuple[Finding, ...]
    n_sentences: int
    method: str
    #: Estimated share of wrong labels per frame (off-diagonal mass of the confident joint).
    noise_per_frame: dict[str, float]

    @property
    def label_errors(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == LABEL_ERROR]

    @property
    def duplicates(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == NEAR_DUPLICATE]


def confident_errors(labels: Sequence[str], proba: np.ndarray, frames: Sequence[str]) -> tuple[list[int], np.ndarray]:
    """Confident learning (Northcutt, Jiang and Chuang, 2021): the sentences whose label the model doubts.

    Each frame's threshold is the mean probability the model gives it on sentences labeled with
    it. A sentence is counted for every frame whose probability reaches that frame's threshold,
    and assigned to the likeliest of them; when that frame is not its label, the label is a
    likely error. Returns those sentences' indices, ranked by how far the suggested frame's
    probability exceeds the label's (most doubtful first), and the suggested frame of each sentence.
    """
    column = {f: j for j, f in enumerate(frames)}
    given = np.asarray([column[label] for label in labels])
    thresholds = np.asarray([proba[given == j, j].mean() if (given == j).any() else np.inf for j in range(len(frames))])
    above = proba >= thresholds
    candidates = np.where(above, proba, -np.inf)
    suggested = candidates.argmax(axis=1)
    counted = above.any(axis=1)
    doubtful = np.flatnonzero(counted & (suggested != given))
    margin = proba[doubtful, suggested[doubtful]] - proba[doubtful, given[doubtful]]
    ranked = doubtful[np.argsort(-margin, kind="stable")]
    return [int(i) for i in ranked], suggested


def near_duplicate_conflicts(corpus: Corpus, threshold: float = DUPLICATE_COSINE) -> list[Finding]:
    """Pairs of sentences nearly the same (TF-IDF cosine >= threshold) that carry different frames."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    sentences = corpus.sentences
    matrix = TfidfVectorizer().fit_transform([s.text for s in sentences])
    similarity = (matrix @ matrix.T).tocoo()
    findings = []
    for a, b, value in zip(similarity.row, similarity.col, similarity.data, strict=True):
        if a < b and value >= threshold and sentences[a].label != sentences[b].label:
            first, second = sentences[a], sentences[b]
            findings.append(
                Finding(
                    NEAR_DUPLICATE,
                    first.where,
                    first.text,
                    first.label,
                    second.label,
                    float(value),
                    second.where,
                    second.text,
                )
            )
    return sorted(findings, key=lambda f: (-f.score, f.where))


def audit_corpus(
    corpus: Corpus,
    *,
    model: FramingModel | None = None,
    folds: int = defaults.CV_FOLDS,
    config: ModelConfig | None = None,
) -> Audit:
    """Likely label errors and near-duplicate conflicts.

    Without ``model`` the probabilities are out of fold (``folds``-fold grouped cross-validation
    with ``config``): no sentence is judged by a model that saw its label. With ``model`` they come
    from that model, which may have been trained on these very labels and then believes them.
    """
    from .model import ModelConfig
    from .train import make_splits, out_of_fold_proba

    labels = corpus.labels
    if model is None:
        config = config or ModelConfig()
        if folds < 2:
            raise CorpusError(f"cross-validation needs at least 2 folds, not {folds}")
        check_trainable(corpus, folds, f"{folds}-fold cross-validation")
        splits = make_splits(labels, corpus.groups() if corpus.has_groups else None, folds, config.seed)
        proba, frames = out_of_fold_proba(corpus.texts, labels, splits, config)
        method = f"{folds}-fold {'grouped ' if corpus.has_groups else ''}cross-validation (out-of-fold probabilities)"
    else:
        unknown = sorted(set(labels) - set(model.frames))
        if unknown:
            raise CorpusError(
                f"the corpus has frames the model does not know ({', '.join(unknown)}); audit with cross-validation"
            )
        proba, frames = model.predict_proba(corpus.texts), model.frames
        method = "the given model's probabilities (it may have been trained on these labels)"
    ranked, suggested = confident_errors(labels, proba, frames)
    column = {f: j for j, f in enumerate(frames)}
    findings = [
        Finding(
            LABEL_ERROR,
            corpus.sentences[i].where,
            corpus.sentences[i].text,
            labels[i],
            frames[suggested[i]],
            float(proba[i, suggested[i]] - proba[i, column[labels[i]]]),
        )
        for i in ranked
    ]
    counts = corpus.label_counts()
    flagged: dict[str, int] = {}
    for finding in findings:
        flagged[finding.label] = flagged.get(finding.label, 0) + 1
    noise = {frame: flagged.get(frame, 0) / n for frame, n in counts.items()}
    return Audit(tuple(findings + near_duplicate_conflicts(corpus)), len(corpus), method, noise)


def write_audit(path: str, audit: Audit) -> None:
    """The findings as CSV or JSONL (by the file's suffix), written atomically."""
    import csv
    import json

    from .atomic import atomic_write

    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in ("csv", "jsonl"):
        raise CorpusError(f"{path}: the audit is written as .csv or .jsonl; name the file with one of them")
    with atomic_write(path) as handle:
        if suffix == "csv":
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(AUDIT_COLUMNS)
            for finding in audit.findings:
                row = finding.to_dict()
                writer.writerow([f"{row[c]:.6f}" if c == "score" else row[c] for c in AUDIT_COLUMNS])
        else:
            for finding in audit.findings:
                handle.write(json.dumps(finding.to_dict(), ensure_ascii=False) + "\n")
