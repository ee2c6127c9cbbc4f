"""Classifying documents: offsets, frames, proportions that sum to 1, --min-confidence, batching."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TINY_ARTICLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing import defaults
from framing.classify import classify_documents, classify_text, frame_proportions
from framing.documents import DocumentText
from framing.model import FramingModel


def test_sentences_carry_offsets_frames_and_scores(tiny_model: FramingModel) -> None:
    document = classify_text(tiny_model, TINY_ARTICLE, "art")
    assert document.id == "art"
    assert [s.text for s in document.sentences] == [
        "Rockets hit base near Baghdad",
        "Iran-backed militias fired rockets at the U.S. base on Sunday.",
        "The ministry reported three casualties.",
        "A spokesman said the Americans created ISIS to justify the occupation.",
    ]
    for i, s in enumerate(document.sentences):
        assert s.index == i
        assert TINY_ARTICLE[s.start : s.end] == s.text
        assert set(s.scores) == {"conspiracy", "factual", "proxy"}
        assert sum(s.scores.values()) == pytest.approx(1, abs=1e-5)
        assert s.frame == max(s.scores, key=s.scores.__getitem__)
        assert s.confidence == s.scores[s.frame]
    assert [s.frame for s in document.sentences][1:] == ["proxy", "factual", "conspiracy"]


def test_proportions_list_every_frame_in_codebook_order_and_sum_to_one(tiny_model: FramingModel) -> None:
    document = classify_text(tiny_model, "Iran-backed militias fired rockets. Iran arms the militias.")
    assert list(document.proportions) == ["conspiracy", "proxy", "factual"]
    assert document.proportions == {"conspiracy": 0.0, "proxy": 1.0, "factual": 0.0}
    assert sum(classify_text(tiny_model, TINY_ARTICLE).proportions.values()) == pytest.approx(1)


def test_min_confidence_reports_an_unclassified_share(tiny_model: FramingModel) -> None:
    plain = classify_text(tiny_model, TINY_ARTICLE)
    confidences = sorted(s.confidence for s in plain.sentences)
    cut = (confidences[1] + confidences[2]) / 2  # two sentences fall below
    document = classify_text(tiny_model, TINY_ARTICLE, min_confidence=cut)
    assert [s.frame == defaults.UNCLASSIFIED for s in document.sentences] == [
        s.confidence < cut for s in plain.sentences
    ]
    assert list(document.proportions) == ["conspiracy", "proxy", "factual", defaults.UNCLASSIFIED]
    assert document.proportions[defaults.UNCLASSIFIED] == 0.5
    assert sum(document.proportions.values()) == pytest.approx(1)
    # Confidence and scores are still reported for unclassified sentences.
    assert [s.confidence for s in document.sentences] == [s.confidence for s in plain.sentences]


def test_min_confidence_one_leaves_everything_unclassified(tiny_model: FramingModel) -> None:
    document = classify_text(tiny_model, TINY_ARTICLE, min_confidence=1.0)
    assert document.proportions[defaults.UNCLASSIFIED] == 1.0


@pytest.mark.parametrize("text", ["", "   \n\t\r\n  "])
def test_empty_documents_have_zero_sentences_and_zero_proportions(tiny_model: FramingModel, text: str) -> None:
    document = classify_text(tiny_model, text)
    assert document.n_sentences == 0
    assert document.proportions == {"conspiracy": 0.0, "proxy": 0.0, "factual": 0.0}


def test_binary_model_frames_follow_its_threshold(binary_model: FramingModel) -> None:
    document = classify_text(binary_model, TINY_ARTICLE)
    proba = binary_model.predict_proba([s.text for s in document.sentences])
    assert binary_model.threshold_ is not None
    expected = ["conspiracy" if p >= binary_model.threshold_ else "factual" for p in proba[:, 0]]
    assert [s.frame for s in document.sentences] == expected


def test_batching_across_documents_keeps_order_and_results(tiny_model: FramingModel) -> None:
    texts = [TINY_ARTICLE, "", "The budget passed. Rockets hit the base.", TINY_ARTICLE[:40]] * 3
    documents = [DocumentText(f"d{i}", t) for i, t in enumerate(texts)]
    batched = list(classify_documents(tiny_model, documents, batch_sentences=3))
    single = [classify_text(tiny_model, t, f"d{i}") for i, t in enumerate(texts)]
    assert [d.id for d in batched] == [f"d{i}" for i in range(len(texts))]
    assert [d.to_dict() for d in batched] == [d.to_dict() for d in single]


def test_document_to_dict_shape(tiny_model: FramingModel) -> None:
    record = classify_text(tiny_model, "Rockets hit the base.", "x").to_dict()
    assert list(record) == ["id", "path", "n_sentences", "sentences", "proportions"]
    assert list(record["sentences"][0]) == ["index", "start", "end", "text", "frame", "confidence", "scores"]


def test_frame_proportions_counts_shares() -> None:
    assert frame_proportions(["a", "b"], ["a", "a", "b", "a"], False) == {"a": 0.75, "b": 0.25}
    assert frame_proportions(["a", "b"], ["unclassified", "a"], True) == {"a": 0.5, "b": 0.0, "unclassified": 0.5}
    assert frame_proportions(["a"], [], True) == {"a": 0.0, "unclassified": 0.0}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.sampled_from("ab .?!\n\r\u2028\"'U.S"), max_size=200), st.floats(0, 1))
def test_offsets_valid_and_proportions_sum_to_one(tiny_model: FramingModel, text: str, min_confidence: float) -> None:
    document = classify_text(tiny_model, text, min_confidence=min_confidence)
    for s in document.sentences:
        assert 0 <= s.start < s.end <= len(text) and text[s.start : s.end] == s.text
    total = sum(document.proportions.values())
    assert total == pytest.approx(1) if document.sentences else total == 0
    assert all(np.isfinite(s.confidence) for s in document.sentences)
