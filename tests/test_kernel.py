"""The compiled kernel's own contract: errors are raised cleanly and leave it usable."""

from __future__ import annotations

import numpy as np
import pytest

from framing.features import FastFeatures, compile_features
from framing.model import ModelConfig, build_features
from framing.native import native_module

kernel_module = native_module("_kernel")
pytestmark = pytest.mark.skipif(kernel_module is None, reason="the compiled kernel is not built (no C compiler)")

TRAIN = ["Rockets hit the base near Baghdad.", "Iran arms the militias, officials say.", "The US plotted it all."]
TEXTS = ["Rockets hit the base.", "Militias say the US plotted it.", "Unseen words: zyxw qwpr.", ""]


@pytest.fixture()
def fast() -> FastFeatures:
    compiled = compile_features(build_features(ModelConfig()).fit(TRAIN))
    assert compiled is not None and compiled.compiled
    return compiled


def test_an_analyser_that_fails_leaves_the_kernel_usable(fast: FastFeatures) -> None:
    expected = fast.transform(TEXTS).toarray()
    kernel = fast._kernel
    kernel.clear()

    def broken(words: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        raise KeyError("analysis failed")

    with pytest.raises(KeyError, match="analysis failed"):
        kernel.transform(TEXTS, broken)
    assert len(kernel) == 0  # the words it could not analyse are forgotten, not half-remembered
    assert np.array_equal(fast.transform(TEXTS).toarray(), expected)


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (None, TypeError, "one \\(values, lengths\\) pair per block"),
        ([], TypeError, "one \\(values, lengths\\) pair per block"),
        ("lengths", ValueError, "one list per word"),
        ("column", ValueError, "one list per word"),
        ("dtype", TypeError, "expected a contiguous array of i"),
    ],
)
def test_a_wrong_analysis_is_refused(fast: FastFeatures, answer: object, error: type, message: str) -> None:
    kernel = fast._kernel
    kernel.clear()

    def analyse(words: list[str]) -> object:
        lists = fast._analyse(words)
        values, lengths = lists[1]
        if answer == "lengths":
            lists[1] = (values, lengths[:-1])
        elif answer == "column":
            lists[1] = (np.full_like(values, 10**9), lengths)
        elif answer == "dtype":
            lists[1] = (values.astype(np.int64), lengths)
        else:
            return answer
        return lists

    with pytest.raises(error, match=message):
        kernel.transform(TEXTS, analyse)
    assert len(kernel) == 0
    assert fast.transform(TEXTS).shape == (len(TEXTS), fast.n_cols)


def test_texts_must_be_strings(fast: FastFeatures) -> None:
    with pytest.raises(TypeError, match="texts must be str, not bytes"):
        fast._kernel.transform(["fine", b"bytes"], fast._analyse)
    with pytest.raises(TypeError, match="texts must be a sequence of str"):
        fast._kernel.transform(42, fast._analyse)


def test_words_are_remembered_once_and_forgotten_on_clear(fast: FastFeatures) -> None:
    kernel = fast._kernel
    kernel.clear()
    seen: list[list[str]] = []

    def analyse(words: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        seen.append(list(words))
        return fast._analyse(words)

    kernel.transform(["a b a", "b C c"], analyse)
    kernel.transform(["a C"], analyse)
    assert seen == [["a", "b", "C", "c"]]  # case kept: the analyser lowercases
    assert len(kernel) == 4
    kernel.clear()
    assert len(kernel) == 0


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([("char", 0, 3)], "blocks must be consecutive and end at n_cols"),
        ([("chars", 0, 4)], "a three-item block must be"),
        ([("char", 0, 5)], "a block's columns must lie within n_cols"),
        ([("word", 0, 4, 0, 2, 0, 1, np.zeros(1, dtype=np.int64), {})], "1 <= min_n <= max_n <= 3"),
        ([("word", 0, 4, 1, 1, 0, 2, np.zeros(1, dtype=np.int64), {})], "unigram must have one column per token id"),
        (  # a full table: looking up an absent key would never stop
            [("word", 0, 4, 1, 2, 1, 2, np.full(2, -1), {2: (np.arange(2), np.arange(2), 63)})],
            "a table needs 2\\*\\*k keys \\(some free\\)",
        ),
        (
            [("word", 0, 4, 1, 2, 1, 2, np.full(2, -1), {2: (np.full(4, -1), np.zeros(4, dtype=np.int64), 63)})],
            "shift 64 - k",
        ),
    ],
)
def test_a_wrong_layout_is_refused(blocks: list[tuple[object, ...]], message: str) -> None:
    assert kernel_module is not None
    with pytest.raises(ValueError, match=message):
        kernel_module.Kernel(4, np.ones(4), np.ones(8), blocks)
