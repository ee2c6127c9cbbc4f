"""The fast feature extraction is bit for bit scikit-learn's, for every text and supported setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_ARTICLE, TINY_ROWS
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from framing import features
from framing.features import LazyFeatures, compile_features
from framing.model import FramingModel, ModelConfig, build_features
from framing.native import NATIVE_ENV, native_module

TRAIN = [str(r["text"]) for r in TINY_ROWS] + [
    "Ünïcödé wörds, ΟΔΟΣ and ΣΊΣΥΦΟΣ, İstanbul, straße, under_score and 3.5% of $1,200.",
    "The the THE tHe: repeated words repeated, repeated!",
]
# Texts that exercise every path: unknown words, case, punctuation, digits, Unicode whitespace,
# final sigma, characters whose lowercase is longer, NUL, empty and blank texts, long repeats.
TEXTS = [
    *TRAIN,
    TINY_ARTICLE,
    "",
    "   \t\n ",
    "militias",
    "Militias militias MILITIAS, militias.",
    "Unseen vocabulary entirely: zyxw qwpr.",
    "ΟΔΟΣ ΟΔΟΣ. Σ σ ς",
    "İİİ ǅemal ǄEMAL ﬃ",
    "under_score_words and a_b",
    "tab\tseparated\u00a0nbsp\u2003em\u2028line\u0085next\x1cfile",
    "a\x00b \x00 c",  # NUL, also as a whole word (the separator of the one-split fast path)
    "lone \ud800 surrogate\udfff from JSON",
    "x " * 3000,  # one n-gram counted thousands of times
    "y " * 5000,  # beyond the log table: the compiled kernel hands the batch to numpy
    "Rockets hit the base near Baghdad " * 40,
]


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on both paths: the compiled kernel (where it was built) and numpy."""
    if request.param == "compiled" and native_module("_kernel") is None:
        pytest.skip("the compiled kernel is not built (no C compiler at install)")
    if request.param == "numpy":
        monkeypatch.setenv(NATIVE_ENV, "0")
    return str(request.param)


def _sklearn_union(word: tuple[int, int] = (1, 2), char: tuple[int, int] = (2, 5), **extra: object) -> FeatureUnion:
    blocks = [
        ("word", TfidfVectorizer(analyzer="word", ngram_range=word, sublinear_tf=True, **extra)),  # type: ignore[arg-type]
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=char, sublinear_tf=True)),
    ]
    return FeatureUnion(blocks).fit(TRAIN)


def assert_same(union: FeatureUnion, texts: list[str]) -> None:
    fast = compile_features(union)
    assert fast is not None
    assert fast.compiled == (native_module("_kernel") is not None)
    expected = union.transform(texts).tocsr()
    got = fast.transform(texts)
    assert got.shape == expected.shape
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)  # bit for bit, not approximately


def test_default_features_are_bit_for_bit_scikit_learns() -> None:
    union = build_features(ModelConfig()).fit(TRAIN)
    assert_same(union, TEXTS)
    assert_same(union, TEXTS[::-1])  # words cached by the first call change nothing


@pytest.mark.parametrize(("word", "char"), [((1, 1), (1, 3)), ((2, 2), (3, 3)), ((1, 3), (2, 6)), ((2, 3), (4, 5))])
def test_other_ngram_ranges_are_bit_for_bit(word: tuple[int, int], char: tuple[int, int]) -> None:
    assert_same(_sklearn_union(word, char), TEXTS)


def test_probabilities_equal_the_scikit_learn_pipeline_exactly(tiny_model: FramingModel) -> None:
    assert tiny_model.features_ is not None and tiny_model.coef_ is not None and tiny_model.intercept_ is not None
    expected = tiny_model.features_.transform(TEXTS) @ tiny_model.coef_.T + tiny_model.intercept_
    assert np.array_equal(tiny_model.decision_function(TEXTS), expected)


def test_unsupported_settings_fall_back_to_scikit_learn() -> None:
    union = _sklearn_union(stop_words=["the"])
    assert compile_features(union) is None
    assert np.array_equal(features.transform(union, TEXTS).toarray(), union.transform(TEXTS).toarray())


def test_a_full_word_cache_still_counts_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "MAX_CACHED_WORDS", 5)
    union = build_features(ModelConfig()).fit(TRAIN)
    assert_same(union, TEXTS)
    assert_same(union, TEXTS[3:])


def test_empty_input_gives_an_empty_matrix(tiny_model: FramingModel) -> None:
    assert tiny_model.transform([]).shape[0] == 0


# Every storage width of str (1, 2 and 4 bytes a character), and whitespace str.split() knows.
_ALPHABET = st.sampled_from("ab AB.,-_\t\n\x00\x1c\x85\u3000çΣσİ1☃😀")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=40), min_size=1, max_size=6))
def test_any_text_is_bit_for_bit(texts: list[str]) -> None:
    union = _UNION
    assert_same(union, texts)


_UNION = build_features(ModelConfig()).fit([*TRAIN, "ab ba aab abba AB. a-b a_b çaΣ İa 11 1a a😀 😀😀 ☃a"])


def test_classifying_with_a_loaded_model_does_not_import_scikit_learn(tiny_model_path: Path) -> None:
    """Importing scikit-learn takes most of a second; a loaded model classifies without it."""
    code = (
        "import sys\n"
        "from framing.model import FramingModel\n"
        "model = FramingModel.load(sys.argv[1])\n"
        "model.predict_proba(['Iran arms the militias.'])\n"
        "print('sklearn' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tiny_model_path)], capture_output=True, text=True)
    assert (result.returncode, result.stdout.strip()) == (0, "False"), result.stderr


def test_a_lazy_union_builds_the_scikit_learn_union_when_used(tiny_model: FramingModel) -> None:
    union = tiny_model.features_
    assert isinstance(union, LazyFeatures)
    assert [name for name, _ in union.transformer_list] == ["word", "char"]
    assert np.array_equal(union.transform(TEXTS).toarray(), tiny_model.transform(TEXTS).toarray())
