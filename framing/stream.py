"""Classify a collection as a stream: read lazily, classify chunks in workers, write results in order.

Memory is bounded by the chunk size times the chunks in flight, not by the collection: text
files are read one at a time and grouped into chunks of at most
:data:`~framing.defaults.CHUNK_DOCUMENTS` documents or :data:`~framing.defaults.CHUNK_CHARS`
characters; JSONL (gzipped or not) is cut into blocks of as many lines or bytes, which the
worker decodes and parses, so that the reading process does little more than read. A worker
(this process, ``--jobs`` processes, or a Dask cluster) classifies and encodes each chunk, and
the results are written in input order. A chunk's result depends on its documents only, so
every way of running gives byte-identical output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import defaults
from .documents import (
    JSONL_SUFFIXES,
    DocumentText,
    Inputs,
    JsonlBlock,
    NoticeBoard,
    Warn,
    find_text_files,
)
from .errors import InputError
from .model import FramingModel
from .outputs import EncodedBatch, Output, ScoredChunk, encode_scored
from .parallel import ResultSlots, forks, ordered_map, tune_allocator
from .progress import Progress
from .segment import split_sentences

#: Sentences scored together: large enough to amortise numpy's per-call cost, small enough for
#: the working arrays (a few MB) to stay in cache; results do not depend on it.
SCORE_SENTENCES = 1024


@dataclass(frozen=True)
class Chunk:
    """Consecutive documents of the stream."""

    documents: tuple[DocumentText, ...]


#: What a worker is given: documents, or a block of JSONL lines it parses itself.
Work = Chunk | JsonlBlock


@dataclass(frozen=True)
class StreamSummary:
    """What a streaming run did: documents and sentences written, and documents resumed past."""

    documents: int
    sentences: int
    resumed: int
    seconds: float


def chunk_documents(
    items: Iterable[DocumentText | JsonlBlock],
    *,
    max_documents: int = defaults.CHUNK_DOCUMENTS,
    max_chars: int = defaults.CHUNK_CHARS,
) -> Iterator[Work]:
    """Group documents into chunks of at most ``max_documents`` documents or ``max_chars`` characters.

    A document longer than ``max_chars`` makes a chunk of its own; JSONL blocks, already cut to
    size, pass through as they are.
    """
    chunk: list[DocumentText] = []
    chars = 0
    iterator = iter(items)
    while True:
        try:
            item = next(iterator, None)
        except Exception:
            if chunk:  # the documents read before a bad input still count
                yield Chunk(tuple(chunk))
            raise
        if item is None:
            break
        if isinstance(item, JsonlBlock):
            if chunk:
                yield Chunk(tuple(chunk))
                chunk, chars = [], 0
            yield item
            continue
        if chunk and (len(chunk) >= max_documents or chars + len(item.text) > max_chars):
            yield Chunk(tuple(chunk))
            chunk, chars = [], 0
        chunk.append(item)
        chars += len(item.text)
    if chunk:
        yield Chunk(tuple(chunk))


def skip_documents(
    items: Iterable[DocumentText | JsonlBlock], count: int, last_id: str | None, notices: NoticeBoard
) -> Iterator[DocumentText | JsonlBlock]:
    """Drop the ``count`` documents a previous run finished, checking that the last had id ``last_id``.

    The JSONL blocks that hold them are parsed here (their warnings said through ``notices``);
    the documents after them in the same block come out one by one.
    """
    skipped = 0
    for item in items:
        if skipped == count:
            yield item
            continue
        for document in notices.documents(item) if isinstance(item, JsonlBlock) else (item,):
            if skipped < count:
                skipped += 1
                if skipped == count and last_id is not None and document.id != last_id:
                    raise InputError(
                        f"document {count} of the input is {document.id!r}, but the interrupted run ended with "
                        f"{last_id!r}; resume with the same inputs, or start over"
                    )
            else:
                yield document
    if skipped < count:
        raise InputError(
            f"the input has {skipped} documents, fewer than the {count} the interrupted run wrote; "
            "resume with the same inputs, or start over"
        )


def count_documents(inputs: Inputs) -> int | None:
    """How many documents the inputs hold, for an ETA; ``None`` when that costs a full read.

    Folders are listed, JSONL files have their lines counted (blank lines are rare and only
    make the ETA slightly pessimistic); gzipped files and standard input are unknown.
    """
    total = 0
    for raw in inputs.paths:
        path = Path(raw)
        if raw == "-" or path.name.endswith(".gz"):
            return None
        if path.is_dir():
            total += sum(1 for _ in find_text_files(path))
        elif path.name.endswith(JSONL_SUFFIXES):
            total += _count_lines(path)
        else:
            total += 1
    return total


def _count_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 22):
                lines += block.count(b"\n") - block.count(b"\n\n")
                last = block[-1:]
    except OSError:
        return 0
    return lines + (last != b"\n")


# -- the work done for each chunk, wherever it runs --------------------------------------------
_MODEL: FramingModel | None = None


def use_model(model: FramingModel) -> None:
    """Make ``model`` the one chunks are classified with in this process (and in forked workers)."""
    global _MODEL
    _MODEL = model


def load_model_bytes(data: bytes) -> None:
    """Worker initializer where workers are not forked: rebuild the model from its file bytes."""
    use_model(FramingModel.from_bytes(data, "model"))


def score_chunk(model: FramingModel, documents: Sequence[DocumentText], min_confidence: float) -> ScoredChunk:
    """Segment and score documents: what ``classify_documents`` computes, kept as arrays.

    Building a Python object per sentence costs more than scoring it; the encoders in
    :mod:`framing.outputs` write records straight from these arrays, identical to those of
    :func:`framing.classify.classify_documents` (tested).
    """
    sentences = [split_sentences(document.text) for document in documents]
    texts = [s.text for group in sentences for s in group]
    frames = model.frames
    # Small slices also keep the feature matrix's working arrays in the processor's cache.
    proba, index, confidence = model.score(texts, SCORE_SENTENCES)
    names = np.asarray([*frames, defaults.UNCLASSIFIED], dtype=object)
    labels = names[np.where(confidence >= min_confidence, index, len(frames))]
    return ScoredChunk(
        documents=tuple(documents),
        sentences=sentences,
        frames=tuple(frames),
        display=tuple(model.display_frames),
        proba=proba,
        labels=labels,
        confidence=confidence,
        with_unclassified=min_confidence > 0,
    )


def classify_chunk(work: Work, kind: str, min_confidence: float, model: FramingModel | None = None) -> EncodedBatch:
    """Parse (a JSONL block), segment, classify and encode one chunk (with ``model``, else the process's model).

    A block's warnings and error come back in the batch's ``notes``, for the reading process to say.
    """
    model = model or _MODEL
    if model is None:
        raise RuntimeError("no model in this process; call use_model() first")
    with collector_paused():
        if isinstance(work, JsonlBlock):
            documents, notes = work.parse()
            batch = encode_scored(score_chunk(model, documents, min_confidence), kind)
            return dataclasses.replace(batch, notes=notes)
        return encode_scored(score_chunk(model, work.documents, min_confidence), kind)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector (if it runs) for a block that makes objects but no cycles.

    Classifying a chunk makes hundreds of thousands of short-lived objects and no reference
    cycles, and so do reading and writing a stream: the collector would only rescan the model's
    objects, again and again (about 6% of the time).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def model_digest(data: bytes) -> str:
    """Identifies a model (its file bytes) in resume settings and worker caches."""
    return hashlib.sha256(data).hexdigest()


# -- the run ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Engine:
    """How chunks are classified: ``jobs`` local processes, or a Dask scheduler / local cluster."""

    jobs: int = 1
    scheduler: str | None = None
    dask_local: int | None = None

    @property
    def workers(self) -> int:
        return self.dask_local or self.jobs

    def map(
        self, chunks: Iterable[Work], *, kind: str, min_confidence: float, model_bytes: Callable[[], bytes]
    ) -> Iterator[EncodedBatch]:
        """Encoded results of ``chunks``, in order.

        From forked workers, JSONL and CSV payloads come as views of shared memory, each valid
        until the next result is taken.
        """
        in_flight = defaults.CHUNKS_PER_WORKER * self.workers
        if self.scheduler or self.dask_local:
            from .distributed import dask_map

            return dask_map(
                chunks,
                model_bytes(),
                kind=kind,
                min_confidence=min_confidence,
                scheduler=self.scheduler,
                local_workers=self.dask_local,
                in_flight=in_flight,
            )
        global _SLOTS
        # Set before the pool forks its workers, so that they share the slots.
        _SLOTS = ResultSlots(in_flight, defaults.RESULT_SLOT_BYTES) if forks() and self.jobs > 1 else None
        task = functools.partial(_classify_in_worker, kind=kind, min_confidence=min_confidence)
        initializer = None if forks() else load_model_bytes
        initargs = () if forks() else (model_bytes(),)
        numbered = ((number % in_flight, chunk) for number, chunk in enumerate(chunks))
        results = ordered_map(
            task, numbered, jobs=self.jobs, in_flight=in_flight, initializer=initializer, initargs=initargs
        )
        return _taken(results, _SLOTS)


def classify_stream(
    model: FramingModel,
    inputs: Inputs,
    output: Output,
    *,
    kind: str,
    min_confidence: float = defaults.MIN_CONFIDENCE,
    engine: Engine | None = None,
    model_bytes: Callable[[], bytes] | None = None,
    warn: Warn | None = None,
    progress: Progress | None = None,
    chunk_documents_max: int | None = None,
    chunk_chars_max: int | None = None,
    commit_seconds: float | None = None,
) -> StreamSummary:
    """Classify every document of ``inputs`` into ``output``, continuing after ``output.documents_done``.

    On any failure or interruption the results already written are committed (so ``--resume``
    continues from there) and the exception is raised again.
    """
    tune_allocator()  # before workers fork, so that they inherit it
    engine = engine or Engine()
    start = time.perf_counter()
    resumed = output.documents_done
    commit_every = defaults.COMMIT_SECONDS if commit_seconds is None else commit_seconds
    try:
        use_model(model)
        # Build the fast feature tables once here: forked workers then share them instead of each
        # building its own copy.
        model.predict_proba(["Warm-up sentence."])
    except BaseException:
        output.close()  # the output's lock and state are released on every way out
        raise
    sentences = 0
    max_documents = chunk_documents_max or defaults.CHUNK_DOCUMENTS
    max_chars = chunk_chars_max or defaults.CHUNK_CHARS
    notices = NoticeBoard(warn)
    with collector_paused():
        try:
            items = inputs.items(warn, max_lines=max_documents, max_bytes=max_chars)
            if resumed:
                items = skip_documents(items, resumed, output.last_id, notices)
                if progress is not None:
                    progress.advance(resumed, 0, skipped=True)
            chunks = chunk_documents(items, max_documents=max_documents, max_chars=max_chars)
            results = engine.map(
                chunks, kind=kind, min_confidence=min_confidence, model_bytes=model_bytes or model.to_bytes
            )
            last_commit = time.monotonic()
            for batch in results:
                if batch.notes is not None:
                    notices.say(batch.notes)
                output.write(batch)
                sentences += batch.sentences
                if progress is not None:
                    progress.advance(batch.documents, batch.sentences)
                if batch.notes is not None and batch.notes.failure is not None:
                    raise batch.notes.failure
                if time.monotonic() - last_commit >= commit_every:
                    output.commit()
                    last_commit = time.monotonic()
            output.finish()
        except BaseException:
            output.close()
            raise
        finally:
            if progress is not None:
                progress.close()
    return StreamSummary(output.documents_done - resumed, sentences, resumed, time.perf_counter() - start)


# -- results left in shared memory by forked workers ---------------------------------------------------
_SLOTS: ResultSlots | None = None


@dataclass(frozen=True)
class InSlot:
    """A batch whose payload (``size`` bytes) a worker left in result slot ``slot``."""

    batch: EncodedBatch
    slot: int
    size: int


def _classify_in_worker(item: tuple[int, Work], *, kind: str, min_confidence: float) -> EncodedBatch | InSlot:
    slot, work = item
    batch = classify_chunk(work, kind, min_confidence)
    if _SLOTS is not None and isinstance(batch.payload, bytes) and _SLOTS.put(slot, batch.payload):
        return InSlot(dataclasses.replace(batch, payload=b""), slot, len(batch.payload))
    return batch


def _taken(results: Iterable[EncodedBatch | InSlot], slots: ResultSlots | None) -> Iterator[EncodedBatch]:
    """The batches, with payloads left in ``slots`` as views: each valid until the next batch is taken."""
    global _SLOTS
    try:
        for result in results:
            if isinstance(result, InSlot):
                assert slots is not None
                yield dataclasses.replace(result.batch, payload=slots.get(result.slot, result.size))
            else:
                yield result
    finally:
        _SLOTS = None  # the shared memory goes with the last view of it


def output_columns(model: FramingModel, min_confidence: float) -> Sequence[str]:
    """The proportion keys of every document: frames in display order, plus unclassified with a threshold."""
    return [*model.display_frames, *([defaults.UNCLASSIFIED] if min_confidence > 0 else [])]
