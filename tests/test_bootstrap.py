"""Bootstrap resampling: every resample draws as many units as there are; undefined stays undefined."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing import bootstrap
from framing.bootstrap import (
    Interval,
    nan_mean,
    percentile_interval,
    resampled_sums,
    safe_divide,
    sum_by_unit,
    unit_index,
)


def test_unit_index_numbers_groups_in_first_seen_order() -> None:
    index, n = unit_index(["b", "a", "b", "c"], 4)
    assert index.tolist() == [0, 1, 0, 2] and n == 3
    index, n = unit_index(None, 3)
    assert index.tolist() == [0, 1, 2] and n == 3


def test_sum_by_unit() -> None:
    values = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert sum_by_unit(np.array([1, 0, 1]), 2, values).tolist() == [[3.0, 4.0], [6.0, 8.0]]


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 50), st.integers(0, 10))
def test_every_resample_draws_as_many_units_as_there_are(n: int, samples: int, seed: int) -> None:
    sums = resampled_sums(np.ones((n, 1)), samples, seed)
    assert sums.shape == (samples, 1)
    assert (sums == n).all()


def test_resampled_sums_are_centred_on_the_total() -> None:
    values = np.array([[1.0], [0.0], [3.0], [0.0]])
    sums = resampled_sums(values, 4000, 0)
    assert sums.mean() == pytest.approx(4.0, rel=0.05)
    assert set(np.unique(sums)) <= {float(v) for v in range(13)}


def test_resampling_is_chunked_without_changing_the_result_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "_CHUNK_CELLS", 7)  # 2 resamples of 3 units per chunk
    sums = resampled_sums(np.ones((3, 2)), 5, 0)
    assert sums.shape == (5, 2) and (sums == 3).all()


def test_same_seed_same_resamples() -> None:
    values = np.arange(10.0).reshape(5, 2)
    assert (resampled_sums(values, 20, 3) == resampled_sums(values, 20, 3)).all()


def test_percentile_interval_ignores_undefined_resamples() -> None:
    values = np.array([np.nan, *range(101), np.nan], dtype=float)
    assert percentile_interval(values, 0.9).to_list() == pytest.approx([5.0, 95.0])
    assert percentile_interval(np.array([np.nan, np.nan])) == Interval(None, None)


def test_ratios_and_means_of_nothing_are_nan_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ratio = safe_divide(np.array([1.0, 2.0]), np.array([0.0, 4.0]))
        mean = nan_mean(np.array([[np.nan, np.nan], [1.0, np.nan]]), axis=1)
    assert np.isnan(ratio[0]) and ratio[1] == 0.5
    assert np.isnan(mean[0]) and mean[1] == 1.0
