"""An annotation session: which sentence next (active learning), answers appended durably, undo, resume."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from .codebook import Codebook
from .documents import DocumentText
from .errors import FramingError
from .model import FramingModel
from .segment import split_sentences

STRATEGIES = ("uncertainty", "entropy", "random", "sequential")
#: A candidate this similar (TF-IDF cosine) to one of the last few shown is passed over for now.
DIVERSITY_COSINE = 0.8
DIVERSITY_WINDOW = 5
#: The model's top guesses shown beside the sentence.
GUESSES = 3


class AnnotateError(FramingError):
    """The labels file or an answer cannot be used."""


@dataclass(frozen=True)
class Item:
    """A sentence to label, with its place and its neighbours in the document."""

    id: str
    text: str
    doc_id: str
    source: str | None
    before: str
    after: str


@dataclass
class Session:
    """Sentences to label, the order to show them in, and the labels file the answers go to.

    Every answer is one JSON line appended to the labels file, flushed and fsynced before the
    answer is acknowledged, so a crash or Ctrl-C loses nothing; a restart reads the file and
    never shows this annotator a sentence they labeled. Undo cuts the last answer off the file.
    """

    items: list[Item]
    model: FramingModel
    codebook: Codebook
    labels_path: Path
    annotator: str
    strategy: str = "uncertainty"
    seed: int = 0
    retrain_every: int = 0
    _done: set[str] = field(default_factory=set)
    _skipped: list[str] = field(default_factory=list)
    _history: list[tuple[str, int]] = field(default_factory=list)
    _recent: list[int] = field(default_factory=list)
    _order: list[int] = field(default_factory=list)
    _proba: np.ndarray | None = None
    _frames: list[str] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    #: Where each sentence id sits in ``items``.
    _position: dict[str, int] = field(default_factory=dict)
    _file: IO[bytes] | None = None
    _answers_since_fit: int = 0
    _training: threading.Thread | None = None
    model_version: str = ""

    # -- setting up ---------------------------------------------------------------------------------
    def start(self) -> Session:
        if self.strategy not in STRATEGIES:
            raise AnnotateError(f"unknown strategy {self.strategy!r}; use one of {', '.join(STRATEGIES)}")
        frames = set(self.codebook.ids)
        unknown = sorted(set(self.model.frames) - frames)
        if unknown:
            raise AnnotateError(
                f"the model has frames the codebook lacks ({', '.join(unknown)}); use the model's codebook"
            )
        self._position = {item.id: n for n, item in enumerate(self.items)}
        for record in read_labels_file(self.labels_path):
            if record.get("annotator") == self.annotator and isinstance(record.get("id"), str):
                self._done.add(record["id"])
        self.labels_path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.labels_path.open("ab")
        self.model_version = str(self.model.info_.get("created") or "model")
        self._score(self.model)
        return self

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _score(self, model: FramingModel) -> None:
        """Probabilities for every sentence, and the order the strategy shows them in."""
        texts = [item.text for item in self.items]
        proba = model.predict_proba(texts) if texts else np.zeros((0, len(model.frames)))
        if self.strategy == "sequential":
            order = np.arange(len(texts))
        else:
            order = np.argsort(priority(proba, self.strategy, np.random.default_rng(self.seed)), kind="stable")
        with self._lock:
            self._proba, self._frames, self._order = proba, list(model.frames), [int(i) for i in order]

    # -- the queue ---------------------------------------------------------------------------------
    def next_item(self) -> tuple[Item, list[tuple[str, float]]] | None:
        """The next sentence to show and the model's top guesses; None when every sentence is done."""
        with self._lock:
            waiting = [i for i in self._order if self.items[i].id not in self._done]
            skipped = set(self._skipped)
            fresh = [i for i in waiting if self.items[i].id not in skipped]
            candidates = fresh or [i for i in waiting if self.items[i].id in skipped]
            if not candidates:
                return None
            index = self._diverse(candidates)
            assert self._proba is not None
            row = self._proba[index]
            top = np.argsort(-row, kind="stable")[:GUESSES]
            return self.items[index], [(self._frames[j], float(row[j])) for j in top]

    def _diverse(self, candidates: list[int]) -> int:
        """The first candidate not nearly the same as a sentence shown just before (else the first)."""
        if not self._recent:
            return candidates[0]
        from sklearn.feature_extraction.text import TfidfVectorizer

        look = candidates[:20]
        texts = [self.items[i].text for i in self._recent + look]
        vectors = TfidfVectorizer().fit_transform(texts)
        similarity = (vectors[len(self._recent) :] @ vectors[: len(self._recent)].T).toarray()
        for position, index in enumerate(look):
            if similarity[position].max(initial=0.0) < DIVERSITY_COSINE:
                return index
        return candidates[0]

    @property
    def counts(self) -> tuple[int, int]:
        """Sentences this annotator has labeled, and sentences left."""
        with self._lock:
            done = sum(item.id in self._done for item in self.items)
            return done, len(self.items) - done

    # -- answers -----------------------------------------------------------------------------------
    def answer(self, item_id: str, label: str) -> None:
        """Record a frame for a sentence: one JSON line, on disk before this returns."""
        if label not in self.codebook.ids:
            raise AnnotateError(f"unknown frame {label!r}; answer with one of {', '.join(self.codebook.ids)}")
        with self._lock:
            item = self._item(item_id)
            if item.id in self._done:
                raise AnnotateError(f"sentence {item_id!r} is already labeled; undo it first to change it")
            record = {
                "id": item.id,
                "text": item.text,
                "label": label,
                "doc_id": item.doc_id,
                "source": item.source,
                "annotator": self.annotator,
                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "model": self.model_version,
            }
            assert self._file is not None
            offset = self._file.tell()
            self._file.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
            self._file.flush()
            os.fsync(self._file.fileno())
            self._history.append((item.id, offset))
            self._done.add(item.id)
            if item.id in self._skipped:
                self._skipped.remove(item.id)
            self._shown(item.id)
            self._answers_since_fit += 1
        if self.retrain_every and self._answers_since_fit >= self.retrain_every:
            self._retrain_in_background()

    def skip(self, item_id: str) -> None:
        """Put a sentence at the back of the queue (shown again when nothing else is left)."""
        with self._lock:
            item = self._item(item_id)
            if item.id not in self._skipped:
                self._skipped.append(item.id)
            self._shown(item.id)

    def undo(self) -> Item | None:
        """Take back the last answer of this session: its line is cut off the file; it is shown next."""
        with self._lock:
            if not self._history:
                return None
            item_id, offset = self._history.pop()
            assert self._file is not None
            self._file.flush()
            self._file.truncate(offset)
            self._file.seek(offset)
            os.fsync(self._file.fileno())
            self._done.discard(item_id)
            index = self._position[item_id]
            self._order.remove(index)
            self._order.insert(0, index)
            self._recent = [i for i in self._recent if i != index]
            return self.items[index]

    def _item(self, item_id: str) -> Item:
        if item_id not in self._position:
            raise AnnotateError(f"no sentence {item_id!r} in this session")
        return self.items[self._position[item_id]]

    def _shown(self, item_id: str) -> None:
        self._recent = [*self._recent, self._position[item_id]][-DIVERSITY_WINDOW:]

    # -- retraining --------------------------------------------------------------------------------
    def _retrain_in_background(self) -> None:
        with self._lock:
            if self._training is not None and self._training.is_alive():
                return
            self._answers_since_fit = 0
            self._training = threading.Thread(target=self._retrain, name="framing-retrain", daemon=True)
            self._training.start()

    def _retrain(self) -> None:
        records = [r for r in read_labels_file(self.labels_path) if isinstance(r.get("label"), str)]
        labels = [str(r["label"]) for r in records]
        counts = {label: labels.count(label) for label in set(labels)}
        if len(counts) < 2 or min(counts.values()) < 2:
            return  # too few labels of too few frames to learn from yet
        model = FramingModel(self.model.config).fit([str(r["text"]) for r in records], labels)
        self._score(model)
        with self._lock:
            self.model_version = f"retrained on {len(records)} labels"

    def wait_for_training(self, timeout: float = 60.0) -> None:
        """Block until a background refit (if any) has finished: for tests and shutdown."""
        thread = self._training
        if thread is not None:
            thread.join(timeout)


def priority(proba: np.ndarray, strategy: str, rng: np.random.Generator) -> np.ndarray:
    """Per sentence, lower is asked first: the margin between the two likeliest frames (uncertainty),
    minus the entropy of the probabilities (entropy), or a random number (random)."""
    if strategy == "random":
        return rng.random(len(proba))
    if strategy == "entropy":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nansum(proba * np.log(proba), axis=1)
    if proba.shape[1] < 2:
        return np.zeros(len(proba))
    top2 = np.sort(proba, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def sentence_items(documents: Iterable[DocumentText]) -> list[Item]:
    """Every sentence of the documents, with its neighbours; ids are stable across runs (document, offsets)."""
    items = []
    for document in documents:
        sentences = split_sentences(document.text)
        for n, sentence in enumerate(sentences):
            items.append(
                Item(
                    f"{document.id}:{sentence.start}-{sentence.end}",
                    sentence.text,
                    document.id,
                    document.path,
                    sentences[n - 1].text if n else "",
                    sentences[n + 1].text if n + 1 < len(sentences) else "",
                )
            )
    return items


def read_labels_file(path: Path) -> list[dict[str, Any]]:
    """The answers so far (none if the file does not exist); a broken line is a clear error."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise AnnotateError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    records = []
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            last = number == len(lines) or (number == len(lines) - 1 and not lines[-1])
            if last:
                raise AnnotateError(
                    f"{path}:{number}: the last line is incomplete (a crash while writing?); "
                    "delete that line and start again"
                ) from None
            raise AnnotateError(f"{path}:{number}: not a JSON line; the labels file is damaged") from None
        if not isinstance(record, dict):
            raise AnnotateError(f"{path}:{number}: not a JSON object; the labels file is damaged")
        records.append(record)
    return records


def codebook_payload(codebook: Codebook, frames: Sequence[str]) -> list[dict[str, Any]]:
    """The frames the page offers (keys 1-9 in codebook order), with their definitions and examples."""
    return [
        {
            "id": frame.id,
            "key": str(n) if n <= 9 else "",
            "title": frame.title,
            "definition": frame.definition,
            "include": list(frame.include),
            "exclude": list(frame.exclude),
            "examples": list(frame.examples),
            "colour": frame.colour,
        }
        for n, frame in enumerate((f for f in codebook.frames if f.id in frames or not frames), 1)
    ]
