"""Explanations: n-gram contributions add up to the model's log-odds and name the right words."""

from __future__ import annotations

import numpy as np
import pytest

from framing.classify import classify_text
from framing.errors import InputError
from framing.explain import Explainer, explain_documents, explain_sentences, explain_text, feature_names, top_ngrams
from framing.model import FramingModel

PROXY = "Iran-backed militias fired rockets at the base near Baghdad."


def test_contributions_and_bias_add_up_to_the_log_odds(tiny_model: FramingModel) -> None:
    # With every n-gram listed, nothing is left out of the sum.
    (explanation,) = Explainer(tiny_model, top=10_000).explain([PROXY])
    total = sum(c.weight for c in explanation.toward + explanation.away) + explanation.bias
    assert total == pytest.approx(explanation.margin)
    assert explanation.margin == pytest.approx(np.log(explanation.confidence / explanation.runner_up_confidence))


def test_the_frame_and_runner_up_are_the_two_most_probable(tiny_model: FramingModel) -> None:
    (explanation,) = explain_sentences(tiny_model, [PROXY])
    proba = tiny_model.predict_proba([PROXY])[0]
    ranked = [tiny_model.frames[i] for i in np.argsort(-proba)]
    assert (explanation.frame, explanation.runner_up) == (ranked[0], ranked[1])
    assert explanation.frame == "proxy"
    assert explanation.confidence == pytest.approx(proba.max())


def test_the_frames_own_words_push_toward_it(tiny_model: FramingModel) -> None:
    (explanation,) = explain_sentences(tiny_model, [PROXY], top=5)
    words = [c.ngram for c in explanation.toward if c.kind == "word"]
    assert "militias" in words
    assert len(explanation.toward) <= 5 and len(explanation.away) <= 5
    assert all(c.weight > 0 for c in explanation.toward)
    assert all(c.weight < 0 for c in explanation.away)
    assert [c.weight for c in explanation.toward] == sorted((c.weight for c in explanation.toward), reverse=True)


def test_binary_models_use_their_single_weight_row_with_the_right_sign(binary_model: FramingModel) -> None:
    text = "The Americans created ISIS to justify their occupation."
    (explanation,) = Explainer(binary_model, top=10_000).explain([text])
    assert explanation.frame == binary_model.predict([text])[0]
    assert {explanation.frame, explanation.runner_up} == set(binary_model.frames)
    assert sum(c.weight for c in explanation.toward + explanation.away) + explanation.bias == pytest.approx(
        explanation.margin
    )
    assert explanation.margin == pytest.approx(np.log(explanation.confidence / explanation.runner_up_confidence))


def test_text_is_split_into_sentences_like_classify(tiny_model: FramingModel) -> None:
    text = "Tehran's proxies attacked the convoy. Parliament will vote on the budget next week."
    explanations = explain_text(tiny_model, text)
    document = classify_text(tiny_model, text)
    assert [e.text for e in explanations] == [s.text for s in document.sentences]
    assert [e.frame for e in explanations] == [s.frame for s in document.sentences]


def test_empty_text_is_a_clear_error(tiny_model: FramingModel) -> None:
    with pytest.raises(InputError, match="nothing to explain"):
        explain_text(tiny_model, "   \n ")


def test_explain_documents_pairs_each_sentence_with_its_explanation(tiny_model: FramingModel) -> None:
    document = classify_text(tiny_model, "Tehran's proxies attacked. The ministry reported casualties.")
    ((same, explanations),) = list(explain_documents(tiny_model, [document]))
    assert same is document
    assert [e.text for e in explanations] == [s.text for s in document.sentences]


def test_feature_names_cover_every_column(tiny_model: FramingModel) -> None:
    names, kinds = feature_names(tiny_model)
    assert tiny_model.coef_ is not None
    assert len(names) == tiny_model.coef_.shape[1]
    assert set(kinds.tolist()) == {"word", "char"}
    assert "militias" in set(names[kinds == "word"].tolist())


def test_top_ngrams_per_frame(tiny_model: FramingModel) -> None:
    top = top_ngrams(tiny_model, 5)
    assert list(top) == tiny_model.display_frames
    proxy_words = [c.ngram for c in top["proxy"]["word"]]
    assert len(proxy_words) == 5
    assert {"tehran", "militias", "iran"} & set(proxy_words)
    weights = [c.weight for c in top["proxy"]["word"]]
    assert weights == sorted(weights, reverse=True) and weights[-1] > 0


def test_top_ngrams_of_a_binary_model_split_the_one_weight_row(binary_model: FramingModel) -> None:
    top = top_ngrams(binary_model, 3)
    assert binary_model.coef_ is not None
    names, kinds = feature_names(binary_model)
    word = {str(n): j for j, n in enumerate(names) if kinds[j] == "word"}
    first, second = binary_model.frames
    # The second frame's n-grams weigh positively in the single row, the first frame's negatively.
    assert all(binary_model.coef_[0, word[c.ngram]] > 0 for c in top[second]["word"])
    assert all(binary_model.coef_[0, word[c.ngram]] < 0 for c in top[first]["word"])


def test_to_dict_is_plain_data(tiny_model: FramingModel) -> None:
    (explanation,) = explain_sentences(tiny_model, [PROXY], top=2)
    data = explanation.to_dict()
    assert set(data) == {
        "text",
        "frame",
        "confidence",
        "runner_up",
        "runner_up_confidence",
        "margin",
        "bias",
        "toward",
        "away",
    }
    assert set(data["toward"][0]) == {"ngram", "kind", "weight"}


def test_top_must_be_positive(tiny_model: FramingModel) -> None:
    with pytest.raises(InputError, match="--top must be at least 1"):
        Explainer(tiny_model, top=0)
