"""Tag every sentence of a document with a frame and compute the document's frame proportions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import defaults
from .documents import DocumentText
from .model import FramingModel
from .segment import split_sentences

#: Sentences classified together, across documents, to amortise the per-call overhead.
BATCH_SENTENCES = 2048


@dataclass(frozen=True, slots=True)
class ClassifiedSentence:
    """A sentence with its offsets into the document, its frame and the model's probabilities."""

    index: int
    start: int
    end: int
    text: str
    frame: str
    confidence: float
    scores: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "frame": self.frame,
            "confidence": self.confidence,
            "scores": self.scores,
        }


@dataclass(frozen=True)
class Document:
    """A classified document: its sentences and its frame proportions (which sum to 1)."""

    id: str
    sentences: tuple[ClassifiedSentence, ...]
    proportions: dict[str, float]
    path: str | None = None

    @property
    def n_sentences(self) -> int:
        return len(self.sentences)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "n_sentences": self.n_sentences,
            "sentences": [s.to_dict() for s in self.sentences],
            "proportions": self.proportions,
        }


def frame_proportions(frames: Sequence[str], labels: Sequence[str], with_unclassified: bool) -> dict[str, float]:
    """Share of each frame (every frame listed, zeros included); all zero for an empty document."""
    counts = Counter(labels)
    keys = list(frames) + ([defaults.UNCLASSIFIED] if with_unclassified else [])
    total = len(labels)
    return {key: (counts[key] / total if total else 0.0) for key in keys}


def classify_documents(
    model: FramingModel,
    documents: Iterable[DocumentText],
    *,
    min_confidence: float = defaults.MIN_CONFIDENCE,
    batch_sentences: int = BATCH_SENTENCES,
) -> Iterator[Document]:
    """Classify documents lazily, batching sentences across documents; order is preserved."""
    pending: list[tuple[DocumentText, list[Any]]] = []
    n_pending = 0
    for document in documents:
        sentences = split_sentences(document.text)
        pending.append((document, sentences))
        n_pending += len(sentences)
        if n_pending >= batch_sentences:
            yield from _classify_batch(model, pending, min_confidence)
            pending, n_pending = [], 0
    if pending:
        yield from _classify_batch(model, pending, min_confidence)


def classify_text(
    model: FramingModel, text: str, doc_id: str = "-", *, min_confidence: float = defaults.MIN_CONFIDENCE
) -> Document:
    """Classify one document's text."""
    return next(classify_documents(model, [DocumentText(doc_id, text)], min_confidence=min_confidence))


def _classify_batch(
    model: FramingModel, batch: list[tuple[DocumentText, list[Any]]], min_confidence: float
) -> Iterator[Document]:
    texts = [s.text for _, sentences in batch for s in sentences]
    frames = model.frames
    display = model.display_frames
    proba, index, confidence = model.score(texts, BATCH_SENTENCES)
    position = 0
    for document, sentences in batch:
        out = []
        for i, sentence in enumerate(sentences):
            row = position + i
            conf = float(confidence[row])
            frame = frames[int(index[row])] if conf >= min_confidence else defaults.UNCLASSIFIED
            out.append(
                ClassifiedSentence(
                    index=i,
                    start=sentence.start,
                    end=sentence.end,
                    text=sentence.text,
                    frame=frame,
                    confidence=round(conf, 6),
                    scores={f: round(float(proba[row, j]), 6) for j, f in enumerate(frames)},
                )
            )
        position += len(sentences)
        yield Document(
            id=document.id,
            sentences=tuple(out),
            proportions=frame_proportions(display, [s.frame for s in out], min_confidence > 0),
            path=document.path,
        )
