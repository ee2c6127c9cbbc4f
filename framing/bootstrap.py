"""Percentile bootstrap over resampling units (documents, or sentences when there are none)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import defaults

#: Resample weights are built in chunks of at most this many cells, to bound memory.
_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class Interval:
    """A bootstrap percentile interval; ``None`` bounds where the statistic was never defined."""

    low: float | None
    high: float | None

    def to_list(self) -> list[float | None]:
        return [self.low, self.high]


def unit_index(groups: Sequence[str] | None, n: int) -> tuple[np.ndarray, int]:
    """Unit number per item (its group's, in first-seen order) and the number of units."""
    if groups is None:
        return np.arange(n), n
    seen: dict[str, int] = {}
    index = np.fromiter((seen.setdefault(g, len(seen)) for g in groups), dtype=np.int64, count=n)
    return index, len(seen)


def sum_by_unit(unit: np.ndarray, n_units: int, values: np.ndarray) -> np.ndarray:
    """Per-unit sums of the rows of ``values`` (items x columns) -> (units x columns)."""
    out = np.zeros((n_units, values.shape[1]))
    np.add.at(out, unit, values)
    return out


def resampled_sums(unit_values: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """Column sums of ``samples`` bootstrap resamples of the unit rows -> (samples x columns).

    Each resample draws as many units as there are, with replacement; a unit's weight is how
    often it was drawn, so the sums are weight-matrix products (computed in bounded chunks).
    """
    n = unit_values.shape[0]
    out = np.empty((samples, unit_values.shape[1]))
    if n == 0:
        out.fill(0.0)
        return out
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // n)
    for start in range(0, samples, chunk):
        b = min(chunk, samples - start)
        draws = rng.integers(0, n, size=(b, n))
        weights = np.bincount((draws + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n).reshape(b, n)
        out[start : start + b] = weights @ unit_values
    return out


def percentile_interval(values: np.ndarray, level: float = defaults.CONFIDENCE_LEVEL) -> Interval:
    """Percentile interval of the finite values (NaN marks a resample where it was undefined)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Interval(None, None)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return Interval(float(low), float(high))


def intervals_by_column(values: np.ndarray, level: float = defaults.CONFIDENCE_LEVEL) -> list[Interval]:
    """One percentile interval per column of a (samples x columns) array."""
    return [percentile_interval(values[:, j], level) for j in range(values.shape[1])]


def safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Elementwise ratio, NaN where the denominator is zero (an undefined value, not a warning)."""
    numerator, denominator = np.broadcast_arrays(np.asarray(numerator, float), np.asarray(denominator, float))
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def nan_mean(values: np.ndarray, axis: int) -> np.ndarray:
    """Mean over the finite values along ``axis``; NaN where there are none (no warning)."""
    finite = np.isfinite(values)
    total = np.where(finite, values, 0.0).sum(axis=axis)
    return safe_divide(total, finite.sum(axis=axis))
