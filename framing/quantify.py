"""Corpus-level frame proportions: classify-and-count, and adjusted for the model's confusion rates.

A raw count of predicted frames is biased whenever the classifier errs unevenly across frames:
if it calls 20% of ``proxy_war`` sentences ``security_threat``, the count of ``security_threat``
grows with the amount of ``proxy_war`` coverage. With cross-validated rates R[i, j] =
P(predicted j | gold i), the observed shares q satisfy q = Rᵀ p for the true shares p, so
p = (Rᵀ)⁻¹ q (adjusted classify-and-count, ACC); the probabilistic version (PACC) uses mean
probabilities in place of counts. Solutions are clipped at 0 and renormalised to sum to 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import defaults
from .bootstrap import Interval, intervals_by_column, resampled_sums
from .errors import InputError

if TYPE_CHECKING:
    from .classify import Document
    from .model import FramingModel

COUNTED = "classify_and_count"
PROBABILISTIC_COUNT = "probabilistic_count"
ADJUSTED = "adjusted"
PROBABILISTIC = "probabilistic_adjusted"
LABELS = {
    COUNTED: "classify & count: share of sentences predicted as each frame (raw; biased where errors are uneven)",
    PROBABILISTIC_COUNT: "probabilistic classify & count (PCC): mean probability of each frame (raw)",
    ADJUSTED: "adjusted classify & count (ACC): the counts corrected for the cross-validated confusion rates",
    PROBABILISTIC: "probabilistic ACC (PACC): mean probabilities, corrected the same way",
}
#: Above this condition number the rates matrix is close to singular and the adjustment unstable.
ILL_CONDITIONED = 20.0


@dataclass(frozen=True)
class ConfusionRates:
    """Cross-validated P(predicted j | gold i), hard (decisions) and soft (mean probabilities)."""

    frames: tuple[str, ...]
    hard: np.ndarray
    soft: np.ndarray
    #: Training sentences per gold frame: how precisely each row of rates is known.
    counts: np.ndarray


@dataclass(frozen=True)
class ProportionEstimate:
    """Frame proportions by one method, each with a bootstrap interval."""

    method: str
    proportions: dict[str, float]
    intervals: dict[str, Interval]

    @property
    def label(self) -> str:
        return LABELS[self.method]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "label": self.label,
            "proportions": self.proportions,
            "intervals": {frame: interval.to_list() for frame, interval in self.intervals.items()},
        }


@dataclass(frozen=True)
class AggregateEstimate:
    """Corpus-level proportions over many documents, by every method the model allows."""

    frames: tuple[str, ...]
    n_documents: int
    n_sentences: int
    estimates: tuple[ProportionEstimate, ...]
    samples: int
    level: float
    notes: tuple[str, ...] = field(default=())
    #: What the bootstrap resampled: documents, or sentences when there were too few documents.
    resampled: str = "documents"

    def get(self, method: str) -> ProportionEstimate | None:
        return next((e for e in self.estimates if e.method == method), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "frames": list(self.frames),
            "n_documents": self.n_documents,
            "n_sentences": self.n_sentences,
            "interval": {
                "level": self.level,
                "bootstrap_samples": self.samples,
                "resampled": f"{self.resampled} (adjusted methods: also the confusion rates)",
            },
            "estimates": {e.method: e.to_dict() for e in self.estimates},
            "notes": list(self.notes),
        }


def adjust(observed: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Solve observed = ratesᵀ · p for p, clip at 0 and renormalise; works on stacks of both.

    ``observed`` is (..., k) and ``rates`` (..., k, k) with rows = gold frames. The least-squares
    (pseudo-inverse) solution keeps a singular rates matrix from raising; a solution with nothing
    left after clipping falls back to the observed shares.
    """
    observed = np.asarray(observed, dtype=float)
    solved = (np.linalg.pinv(np.swapaxes(rates, -1, -2)) @ observed[..., None])[..., 0]
    clipped = np.clip(solved, 0.0, None)
    total = clipped.sum(axis=-1, keepdims=True)
    return np.where(total > 0, clipped / np.where(total > 0, total, 1.0), observed)


def rates_from_model(model: FramingModel) -> ConfusionRates | str:
    """The confusion rates that ``framing train`` stored, in ``model.frames`` order, or why there are none."""
    stored = model.info_.get("cv_rates")
    if not stored:
        return (
            "adjusted estimates unavailable: the model stores no cross-validated confusion rates "
            "(trained with --cv-folds 0); retrain it with --cv-folds 5"
        )
    frames = list(model.frames)
    if sorted(stored["frames"]) != sorted(frames):
        return "adjusted estimates unavailable: the stored confusion rates do not match the model's frames; retrain it"
    order = [list(stored["frames"]).index(f) for f in frames]
    counts_by_frame = model.info_.get("corpus", {}).get("label_counts") or {}
    counts = np.asarray([float(counts_by_frame.get(f, 0)) for f in frames])
    hard = _rows_sum_to_one(np.asarray(stored["hard"], dtype=float)[np.ix_(order, order)])
    soft = _rows_sum_to_one(np.asarray(stored["soft"], dtype=float)[np.ix_(order, order)])
    return ConfusionRates(tuple(frames), hard, soft, counts)


def _rows_sum_to_one(matrix: np.ndarray) -> np.ndarray:
    # Stored rates are rounded to 6 digits; multinomial draws need rows that sum to 1 exactly.
    return matrix / matrix.sum(axis=1, keepdims=True)


def resample_rates(
    rates: np.ndarray, counts: np.ndarray, samples: int, rng: np.random.Generator, *, soft: bool
) -> np.ndarray:
    """Plausible rate matrices given that row i was measured on ``counts[i]`` sentences.

    Hard rates: each row a multinomial draw of ``counts[i]`` decisions. Soft rates (means of
    probabilities) vary less than that; a Dirichlet with the same mean and the multinomial's
    variance is a conservative stand-in.
    """
    k = rates.shape[0]
    out = np.empty((samples, k, k))
    for i in range(k):
        n = max(int(counts[i]), 1)
        if soft:
            out[:, i, :] = rng.dirichlet(np.maximum(rates[i] * n, 1e-3), size=samples)
        else:
            out[:, i, :] = rng.multinomial(n, rates[i], size=samples) / n
    return out


def estimate_proportions(
    doc_counts: np.ndarray,
    doc_proba: np.ndarray,
    frames: Sequence[str],
    rates: ConfusionRates | str | None,
    *,
    resampled: str = "documents",
    n_documents: int | None = None,
    samples: int = defaults.BOOTSTRAP_SAMPLES,
    seed: int = defaults.SEED,
    level: float = defaults.CONFIDENCE_LEVEL,
) -> AggregateEstimate:
    """Proportions from per-unit predicted-frame counts and summed probabilities (units x frames).

    Units are documents (or sentences, as ``resampled`` says). Intervals resample the units;
    the adjusted methods also resample the confusion rates, so their intervals include how
    precisely the rates are known.
    """
    doc_counts = np.asarray(doc_counts, dtype=float)
    doc_proba = np.asarray(doc_proba, dtype=float)
    keep = doc_counts.sum(axis=1) > 0
    doc_counts, doc_proba = doc_counts[keep], doc_proba[keep]
    n_sentences = int(doc_counts.sum())
    if n_sentences == 0:
        raise InputError("no sentences to aggregate; the documents are empty")
    frames = tuple(frames)
    observed = doc_counts.sum(axis=0) / n_sentences
    observed_proba = doc_proba.sum(axis=0) / n_sentences
    both = (
        resampled_sums(np.hstack([doc_counts, doc_proba]), samples, seed) if samples else np.zeros((0, 2 * len(frames)))
    )
    k = len(frames)
    totals = both[:, :k].sum(axis=1, keepdims=True)
    boot_counted = both[:, :k] / totals
    boot_proba = both[:, k:] / totals

    notes: list[str] = []
    estimates = [
        _estimate(COUNTED, frames, observed, boot_counted, level),
        _estimate(PROBABILISTIC_COUNT, frames, observed_proba, boot_proba, level),
    ]
    if isinstance(rates, str):
        notes.append(rates)
    elif rates is not None:
        if rates.frames != frames:
            raise ValueError("rates and counts must use the same frame order")
        rng = np.random.default_rng(seed + 1)
        for method, matrix, q, boot_q in (
            (ADJUSTED, rates.hard, observed, boot_counted),
            (PROBABILISTIC, rates.soft, observed_proba, boot_proba),
        ):
            point = adjust(q, matrix)
            boot = adjust(boot_q, resample_rates(matrix, rates.counts, samples, rng, soft=method == PROBABILISTIC))
            estimates.append(_estimate(method, frames, point, boot, level))
            notes.extend(_adjustment_notes(method, frames, q, matrix))
    return AggregateEstimate(
        frames=frames,
        n_documents=int(keep.sum()) if n_documents is None else n_documents,
        n_sentences=n_sentences,
        estimates=tuple(estimates),
        samples=samples,
        level=level,
        notes=tuple(notes),
        resampled=resampled,
    )


def _estimate(
    method: str, frames: tuple[str, ...], point: np.ndarray, boot: np.ndarray, level: float
) -> ProportionEstimate:
    intervals = intervals_by_column(boot, level) if len(boot) else [Interval(None, None)] * len(frames)
    return ProportionEstimate(
        method=method,
        proportions={f: float(v) for f, v in zip(frames, point, strict=True)},
        intervals=dict(zip(frames, intervals, strict=True)),
    )


def _adjustment_notes(method: str, frames: tuple[str, ...], observed: np.ndarray, rates: np.ndarray) -> list[str]:
    notes = []
    name = "ACC" if method == ADJUSTED else "PACC"
    condition = float(np.linalg.cond(rates))
    if not np.isfinite(condition) or condition > ILL_CONDITIONED:
        notes.append(
            f"{name}: the confusion rates are nearly singular (condition number {condition:.0f}), so the "
            "adjustment is unstable; rely on its interval, or label more data for the confused frames"
        )
    solved = np.linalg.pinv(rates.T) @ observed
    clipped = [f for f, v in zip(frames, solved, strict=True) if v < -1e-9]
    if clipped:
        notes.append(f"{name}: {', '.join(clipped)} solved below 0, clipped to 0 and the rest renormalised")
    return notes


def aggregate_documents(
    model: FramingModel,
    documents: Iterable[Document],
    *,
    samples: int = defaults.BOOTSTRAP_SAMPLES,
    seed: int = defaults.SEED,
    level: float = defaults.CONFIDENCE_LEVEL,
) -> AggregateEstimate:
    """Corpus-level proportions over classified documents, in the model's display order.

    Every sentence counts, whatever its confidence: the decision is taken again from its scores
    (as the model takes it, binary threshold included), so ``--min-confidence`` plays no part.
    Intervals resample documents; with fewer than ``MIN_BOOTSTRAP_DOCUMENTS`` documents they
    resample sentences, and say so.
    """
    frames = model.frames
    k = len(frames)
    column = {f: j for j, f in enumerate(frames)}
    counts_rows, proba_rows = _Rows(k), _Rows(k)
    # Per-sentence rows, kept only while there are too few documents to resample.
    sentence_counts: list[np.ndarray] | None = []
    sentence_proba: list[np.ndarray] = []
    n_documents = 0
    for document in documents:
        proba = np.asarray([[s.scores[f] for f in frames] for s in document.sentences], dtype=float).reshape(-1, k)
        index, _ = model.decide(proba) if len(proba) else (np.zeros(0, int), None)
        counts_rows.append(np.bincount(index, minlength=k).astype(float))
        proba_rows.append(proba.sum(axis=0))
        if len(proba):
            n_documents += 1
            if n_documents >= defaults.MIN_BOOTSTRAP_DOCUMENTS:
                sentence_counts, sentence_proba = None, []
            elif sentence_counts is not None:
                sentence_counts.append(np.eye(k)[index])
                sentence_proba.append(proba)
    if not counts_rows.n:
        raise InputError("no documents to aggregate; pass files, folders or - with text")
    units_counts, units_proba, resampled = counts_rows.array(), proba_rows.array(), "documents"
    if sentence_counts:
        units_counts, units_proba = np.vstack(sentence_counts), np.vstack(sentence_proba)
        resampled = f"sentences (only {n_documents} document{'' if n_documents == 1 else 's'}, too few to resample)"
    display, rates = display_rates(model)
    order = [column[f] for f in display]
    return estimate_proportions(
        units_counts[:, order],
        units_proba[:, order],
        display,
        rates,
        resampled=resampled,
        n_documents=n_documents,
        samples=samples,
        seed=seed,
        level=level,
    )


class _Rows:
    """Rows of ``width`` floats appended one at a time, stored in compact blocks (bounded overhead)."""

    BLOCK = 4096

    def __init__(self, width: int) -> None:
        self.width = width
        self.blocks: list[np.ndarray] = []
        self.pending: list[np.ndarray] = []
        self.n = 0

    def append(self, row: np.ndarray) -> None:
        self.pending.append(row)
        self.n += 1
        if len(self.pending) == self.BLOCK:
            self.blocks.append(np.vstack(self.pending))
            self.pending = []

    def array(self) -> np.ndarray:
        parts = self.blocks + ([np.vstack(self.pending)] if self.pending else [])
        return np.vstack(parts) if parts else np.zeros((0, self.width))


# -- proportions per group (outlet, month, ...) -----------------------------------------------------------
#: A group with fewer documents than this gets a flag: its interval rests on too few documents.
MIN_GROUP_DOCUMENTS = 10
#: Total variation distance between a group's predicted mix and the training mix above which the
#: adjusted estimates extrapolate the confusion rates far from where they were measured.
SHIFT_WARNING = 0.3


@dataclass(frozen=True)
class GroupEstimate:
    """One group's proportions by every method, with what makes them less trustworthy."""

    group: tuple[str, ...]
    estimate: AggregateEstimate
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupedEstimate:
    """Proportions per group of documents and over all of them, with the method to prefer."""

    fields: tuple[str, ...]
    period: str | None
    overall: AggregateEstimate
    groups: tuple[GroupEstimate, ...]
    recommended: str
    notes: tuple[str, ...] = ()
    #: Documents without a value for a --by field (or with an unreadable date), in the ``missing`` group.
    missing: int = 0

    def missing_note(self) -> str | None:
        from .groups import MISSING

        if not self.missing:
            return None
        fields = " or ".join(self.fields)
        n = self.missing
        return (
            f"{n} document{'' if n == 1 else 's'} lack a value of {fields} (or a readable date): grouped as {MISSING!r}"
        )

    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows: one per group, frame and method (the overall rows have group ``all``)."""
        out = []
        for name, estimate in [("all", self.overall), *((" / ".join(g.group), g.estimate) for g in self.groups)]:
            for item in estimate.estimates:
                for frame in estimate.frames:
                    interval = item.intervals[frame]
                    out.append(
                        {
                            "group": name,
                            "frame": frame,
                            "method": item.method,
                            "estimate": item.proportions[frame],
                            "low": interval.low,
                            "high": interval.high,
                            "n_docs": estimate.n_documents,
                            "n_sentences": estimate.n_sentences,
                        }
                    )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": list(self.fields),
            "period": self.period,
            "recommended": self.recommended,
            "overall": self.overall.to_dict(),
            "groups": [{"group": list(g.group), "flags": list(g.flags), **g.estimate.to_dict()} for g in self.groups],
            "notes": list(self.notes),
            "missing": self.missing,
        }


def aggregate_groups(
    model: FramingModel,
    documents: Iterable[Document],
    groups: Iterable[tuple[str, ...]],
    fields: Sequence[str],
    period: str | None = None,
    *,
    samples: int = defaults.BOOTSTRAP_SAMPLES,
    seed: int = defaults.SEED,
    level: float = defaults.CONFIDENCE_LEVEL,
) -> GroupedEstimate:
    """Proportions per group (``groups`` gives each document's group, in order) and overall.

    Intervals resample the group's documents (and, for the adjusted methods, the confusion
    rates). Flags say where a group is small, where its mix is far from the training mix, and
    where the raw and adjusted estimates disagree beyond their intervals.
    """
    from .groups import MISSING

    display, rates = display_rates(model)
    labels: list[tuple[str, ...]] = []
    index_of: dict[tuple[str, ...], int] = {}
    members: list[int] = []
    group_iter = iter(groups)

    def remember(documents: Iterable[Document]) -> Iterator[Document]:
        for document in documents:
            group = next(group_iter)
            if document.sentences:
                members.append(index_of.setdefault(group, len(index_of)))
                if len(index_of) > len(labels):
                    labels.append(group)
            yield document

    counts, proba = document_rows(model, remember(documents))
    if not counts.sum():
        raise InputError("no sentences to aggregate; the documents are empty")
    member = np.asarray(members)
    overall = estimate_proportions(counts, proba, display, rates, samples=samples, seed=seed, level=level)
    training = rates.counts / rates.counts.sum() if isinstance(rates, ConfusionRates) else None
    recommended = PROBABILISTIC if isinstance(rates, ConfusionRates) else PROBABILISTIC_COUNT
    results = []
    for g in sorted(range(len(labels)), key=lambda i: labels[i]):
        rows = member == g
        estimate = estimate_proportions(
            counts[rows], proba[rows], display, rates, samples=samples, seed=seed, level=level
        )
        results.append(GroupEstimate(labels[g], estimate, tuple(_flags(estimate, training, recommended))))
    missing = sum(r.estimate.n_documents for r in results if MISSING in r.group)
    return GroupedEstimate(tuple(fields), period, overall, tuple(results), recommended, overall.notes, missing)


def display_rates(model: FramingModel) -> tuple[tuple[str, ...], ConfusionRates | str]:
    """The model's frames in display order, and its confusion rates in that order (or why there are none)."""
    frames = model.frames
    display = tuple(model.display_frames)
    order = [frames.index(f) for f in display]
    rates = rates_from_model(model)
    if isinstance(rates, ConfusionRates):
        rates = ConfusionRates(
            display, rates.hard[np.ix_(order, order)], rates.soft[np.ix_(order, order)], rates.counts[order]
        )
    return display, rates


def document_rows(model: FramingModel, documents: Iterable[Document]) -> tuple[np.ndarray, np.ndarray]:
    """Per non-empty document: predicted-frame counts and summed probabilities, columns in display order.

    Every sentence counts, whatever its confidence: the decision is taken again from its scores.
    """
    frames = model.frames
    k = len(frames)
    order = [frames.index(f) for f in model.display_frames]
    counts_rows, proba_rows = _Rows(k), _Rows(k)
    for document in documents:
        if not document.sentences:
            continue
        proba = np.asarray([[s.scores[f] for f in frames] for s in document.sentences], dtype=float)
        index, _ = model.decide(proba)
        counts_rows.append(np.bincount(index, minlength=k).astype(float))
        proba_rows.append(proba.sum(axis=0))
    return counts_rows.array()[:, order], proba_rows.array()[:, order]


def _flags(estimate: AggregateEstimate, training: np.ndarray | None, recommended: str) -> list[str]:
    flags = []
    if estimate.n_documents < MIN_GROUP_DOCUMENTS:
        flags.append(f"only {estimate.n_documents} documents: too few to trust")
    pcc = estimate.get(PROBABILISTIC_COUNT)
    if training is not None and pcc is not None:
        mix = np.asarray([pcc.proportions[f] for f in estimate.frames])
        distance = 0.5 * float(np.abs(mix - training).sum())
        if distance > SHIFT_WARNING:
            flags.append(
                f"predicted mix far from the training mix (total variation {distance:.2f}): the adjusted "
                "estimates extrapolate; prefer PCC where ACC and PACC disagree with it"
            )
    best, raw = estimate.get(recommended), estimate.get(COUNTED)
    if best is not None and raw is not None and best is not raw:
        apart = [
            f
            for f in estimate.frames
            if _disjoint(best.intervals[f], raw.intervals[f]) and abs(best.proportions[f] - raw.proportions[f]) > 0
        ]
        if apart:
            flags.append(f"counted and adjusted shares disagree beyond their intervals for {', '.join(apart)}")
    return flags


def _disjoint(a: Interval, b: Interval) -> bool:
    if a.low is None or a.high is None or b.low is None or b.high is None:
        return False
    return a.high < b.low or b.high < a.low
