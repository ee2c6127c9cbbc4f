"""Two collections side by side: each frame's share in both, the difference with an interval, a permutation test."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import defaults
from .bootstrap import percentile_interval, resampled_sums
from .errors import InputError
from .quantify import (
    LABELS,
    PROBABILISTIC,
    PROBABILISTIC_COUNT,
    ConfusionRates,
    adjust,
    display_rates,
    document_rows,
    resample_rates,
)

if TYPE_CHECKING:
    from .classify import Document
    from .model import FramingModel

#: Random relabelings of the documents for the permutation test.
PERMUTATIONS = 2000
#: Rows of the permutation indicator matrix built at once (bounded memory).
_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class FrameDifference:
    """One frame: its share in A and in B, B minus A with its interval, and the permutation p-value."""

    frame: str
    share_a: float
    share_b: float
    difference: float
    low: float | None
    high: float | None
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "frame": self.frame,
            "share_a": self.share_a,
            "share_b": self.share_b,
            "difference": self.difference,
            "interval": [self.low, self.high],
            "p_value": self.p_value,
        }


@dataclass(frozen=True)
class Comparison:
    """Collection B against collection A, frame by frame, by one estimation method."""

    method: str
    n_documents: tuple[int, int]
    n_sentences: tuple[int, int]
    frames: tuple[FrameDifference, ...]
    samples: int
    permutations: int
    level: float
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "label": LABELS[self.method],
            "n_documents": list(self.n_documents),
            "n_sentences": list(self.n_sentences),
            "interval": {"level": self.level, "bootstrap_samples": self.samples, "resampled": "documents"},
            "permutations": self.permutations,
            "frames": [f.to_dict() for f in self.frames],
            "notes": list(self.notes),
        }


def compare_collections(
    model: FramingModel,
    first: Iterable[Document],
    second: Iterable[Document],
    *,
    samples: int = defaults.BOOTSTRAP_SAMPLES,
    permutations: int = PERMUTATIONS,
    seed: int = defaults.SEED,
    level: float = defaults.CONFIDENCE_LEVEL,
) -> Comparison:
    """Each frame's share in ``first`` (A) and ``second`` (B), and B - A.

    The shares are PACC when the model stores confusion rates, else PCC. The interval of the
    difference resamples the documents of each collection separately and the confusion rates
    once per resample (the same rates correct both sides). The p-value is that of a permutation
    test of "both collections come from one mix": documents are relabeled A or B at random,
    keeping the sizes, and the absolute difference of mean probabilities (PCC) is compared with
    the observed one (the adjustment is the same linear map on both sides, so it changes the
    size of a difference but hardly whether it stands out).
    """
    frames, rates = display_rates(model)
    counts_a, proba_a = document_rows(model, first)
    counts_b, proba_b = document_rows(model, second)
    for name, counts in (("first", counts_a), ("second", counts_b)):
        if not counts.sum():
            raise InputError(f"the {name} collection has no sentences; give documents with text")
    method = PROBABILISTIC if isinstance(rates, ConfusionRates) else PROBABILISTIC_COUNT
    n_a, n_b = counts_a.sum(), counts_b.sum()
    q_a, q_b = proba_a.sum(axis=0) / n_a, proba_b.sum(axis=0) / n_b
    boot_a = _shares(resampled_sums(np.hstack([counts_a, proba_a]), samples, seed), len(frames))
    boot_b = _shares(resampled_sums(np.hstack([counts_b, proba_b]), samples, seed + 1), len(frames))
    if isinstance(rates, ConfusionRates):
        share_a, share_b = adjust(q_a, rates.soft), adjust(q_b, rates.soft)
        resampled = resample_rates(rates.soft, rates.counts, samples, np.random.default_rng(seed + 2), soft=True)
        boot_diff = adjust(boot_b, resampled) - adjust(boot_a, resampled)
    else:
        share_a, share_b = q_a, q_b
        boot_diff = boot_b - boot_a
    correct = rates.soft if isinstance(rates, ConfusionRates) else None
    p_values = _permutation_p_values(
        proba_a, proba_b, counts_a.sum(axis=1), counts_b.sum(axis=1), permutations, seed, correct
    )
    differences = []
    for j, frame in enumerate(frames):
        interval = percentile_interval(boot_diff[:, j], level)
        differences.append(
            FrameDifference(
                frame,
                float(share_a[j]),
                float(share_b[j]),
                float(share_b[j] - share_a[j]),
                interval.low,
                interval.high,
                float(p_values[j]),
            )
        )
    docs = (len(counts_a), len(counts_b))
    notes = tuple(
        f"the {name} collection has only {n} document{'' if n == 1 else 's'}: its interval and the permutation "
        "test rest on too few documents to trust; compare collections of 10 documents or more"
        for name, n in zip(("first", "second"), docs, strict=True)
        if n < defaults.MIN_BOOTSTRAP_DOCUMENTS
    )
    return Comparison(
        method,
        docs,
        (int(n_a), int(n_b)),
        tuple(differences),
        samples,
        permutations,
        level,
        notes,
    )


def _shares(sums: np.ndarray, k: int) -> np.ndarray:
    """Resampled mean probabilities (columns k: of the sums) over the resampled sentence counts."""
    totals = sums[:, :k].sum(axis=1, keepdims=True)
    return sums[:, k:] / np.where(totals > 0, totals, 1.0)


def _permutation_p_values(
    proba_a: np.ndarray,
    proba_b: np.ndarray,
    sizes_a: np.ndarray,
    sizes_b: np.ndarray,
    permutations: int,
    seed: int,
    rates: np.ndarray | None = None,
) -> np.ndarray:
    """Per frame: the share of random A/B relabelings whose |difference| is at least the observed one.

    With ``rates`` the difference is that of the adjusted shares (as reported), else of the raw ones.
    """

    def shares(sums: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            raw = sums / sizes[..., None]
        return adjust(raw, rates) if rates is not None else raw

    proba = np.vstack([proba_a, proba_b])
    sizes = np.concatenate([sizes_a, sizes_b])
    n_a, n = len(proba_a), len(proba)
    observed = np.abs(shares(proba_b.sum(0), sizes_b.sum()) - shares(proba_a.sum(0), sizes_a.sum()))
    rng = np.random.default_rng(seed + 3)
    as_large = np.zeros(proba.shape[1])
    chunk = max(1, _CHUNK_CELLS // n)
    for start in range(0, permutations, chunk):
        b = min(chunk, permutations - start)
        in_a = np.zeros((b, n))
        picks = np.argsort(rng.random((b, n)), axis=1)[:, :n_a]
        np.put_along_axis(in_a, picks, 1.0, axis=1)
        sum_a, size_a = in_a @ proba, in_a @ sizes
        sum_b, size_b = proba.sum(0) - sum_a, sizes.sum() - size_a
        shuffled = np.abs(shares(sum_b, size_b) - shares(sum_a, size_a))
        # A tiny tolerance: a relabeling that reproduces the observed split must count as "as large".
        as_large += (np.nan_to_num(shuffled, nan=0.0) >= observed - 1e-12).sum(axis=0)
    return (1.0 + as_large) / (1.0 + permutations)
