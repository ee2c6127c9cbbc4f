"""`classify --output FILE`: JSONL, CSV and SQLite result files that survive interruption and resume.

How a killed run stays consistent, and how ``--resume`` continues it:

* Nothing is written to ``FILE`` until the run is complete: results go to ``FILE.partial``
  beside it, which replaces ``FILE`` in one atomic rename at the end. Readers of ``FILE``
  never see half a result, and a previous ``FILE`` stays intact until then.
* JSONL and CSV: ``FILE.partial`` is append-only. Every few seconds the appended bytes
  are flushed and fsynced, then a small journal, ``FILE.partial.journal`` (JSON: the run's
  settings, the documents and bytes committed, the last document id), is replaced atomically.
  Bytes past the committed length (a record torn by a kill) are cut off when the run resumes,
  so the partial file is always a prefix of complete records.
* SQLite: ``FILE.partial`` is a SQLite database written in batched transactions. SQLite's own
  journal makes every commit atomic, and the run's settings live in a ``run`` table; the rows
  committed are the progress.
* ``--resume`` checks that the settings match (same model, inputs, format and options), skips
  the documents already committed (checking that the last one has the recorded id, so
  changed input is refused rather than silently misaligned) and appends the rest.

The JSONL and CSV records are exactly those of ``framing classify --format jsonl|csv``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

import numpy as np

from . import defaults
from .atomic import atomic_write, check_writable, sync_folder
from .classify import frame_proportions
from .documents import BlockNotes, DocumentText
from .errors import OutputError
from .jsonl import SentenceSuffixes, sentence_prefixes
from .lock import OutputLock
from .native import native_module
from .report import CSV_COLUMNS, GROUPED_COLUMNS
from .segment import Sentence

if TYPE_CHECKING:
    from .quantify import GroupedEstimate

PARTIAL_SUFFIX = ".partial"
JOURNAL_SUFFIX = ".journal"
JOURNAL_FORMAT = "framing-output-journal"
#: Columns of the SQLite ``documents`` table before the one-per-frame proportion columns.
DOCUMENT_COLUMNS = ("doc", "id", "path", "n_sentences")
SENTENCE_COLUMNS = ("doc", "sentence_index", "start", "end", "text", "frame", "confidence")

SqlRows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class EncodedBatch:
    """Classified documents encoded for one output kind: bytes for JSONL/CSV, rows for SQLite.

    SQLite rows number documents from 1 in the batch; the output renumbers them in the file.
    JSONL and CSV bytes may come as a view of a worker's result slot, valid only until the
    next batch is taken: outputs write them at once.
    ``notes`` are a JSONL block's warnings and error, for the reading process to say.
    """

    documents: int
    sentences: int
    last_id: str | None
    payload: bytes | memoryview | SqlRows
    notes: BlockNotes | None = None


def output_kind(path: str | os.PathLike[str]) -> str:
    """``jsonl``, ``csv`` or ``sqlite`` from the file name; anything else is refused."""
    suffix = Path(path).suffix.lower()
    if suffix not in defaults.OUTPUT_SUFFIXES:
        kinds = ", ".join(defaults.OUTPUT_SUFFIXES)
        raise OutputError(f"{path}: unknown output kind {suffix or '(no suffix)'!r}; name the file {kinds}")
    return suffix[1:]


@dataclass(frozen=True)
class ScoredChunk:
    """Documents, their sentences, and per sentence (in order) the probabilities, frame and confidence."""

    documents: tuple[DocumentText, ...]
    sentences: list[list[Sentence]]
    #: Frames in the model's column order (the keys of each sentence's scores).
    frames: tuple[str, ...]
    #: Frames in report order (the proportion keys, then unclassified with a threshold).
    display: tuple[str, ...]
    proba: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray
    with_unclassified: bool


def round6(values: np.ndarray) -> np.ndarray:
    """``round(x, 6)`` for every element, exactly as Python rounds (correctly, half to even).

    numpy's ``round`` scales by 1e6 first, which can tip a value lying next to a tie to the
    other side; those rare values are rounded again one by one with Python's ``round``.
    """
    scaled = values * 1e6
    rounded = np.round(values, 6)
    close_to_tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for position in zip(*np.nonzero(close_to_tie), strict=True):
        rounded[position] = round(float(values[position]), 6)
    return rounded


def encode_scored(scored: ScoredChunk, kind: str) -> EncodedBatch:
    """Encode scored documents; records are those of ``framing classify --format jsonl|csv``."""
    if not (np.isfinite(scored.proba).all() and np.isfinite(scored.confidence).all()):
        raise ValueError("the model produced a probability that is not a number")
    payload: bytes | SqlRows
    if kind == "jsonl":
        payload = _jsonl(scored)
    elif kind == "csv":
        payload = _csv(scored).encode("utf-8", errors="backslashreplace")
    elif kind == "sqlite":
        payload = _sql_rows(scored)
    else:
        raise ValueError(f"unknown output kind {kind!r}")
    last_id = scored.documents[-1].id if scored.documents else None
    return EncodedBatch(len(scored.documents), len(scored.labels), last_id, payload)


def _by_document(scored: ScoredChunk) -> Iterator[tuple[DocumentText, list[Sentence], int, dict[str, float]]]:
    """Each document, its sentences, the row of its first sentence, and its frame proportions."""
    labels = scored.labels.tolist()
    row = 0
    for document, sentences in zip(scored.documents, scored.sentences, strict=True):
        end = row + len(sentences)
        yield document, sentences, row, frame_proportions(scored.display, labels[row:end], scored.with_unclassified)
        row = end


def _native_records() -> ModuleType | None:
    """The compiled sentence records (framing/_records.c), or ``None`` for the Python code.

    Looked up for every chunk (once imported, a dictionary look-up), so that ``FRAMING_NATIVE=0``
    set in a running process switches it off, as it does for a model loaded afterwards.
    """
    return native_module("_records")


#: ``json.dumps(value, ensure_ascii=False, allow_nan=False)``, without making an encoder per call.
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", errors="backslashreplace")


def _jsonl(scored: ScoredChunk) -> bytes:
    """The lines ``json.dumps(document.to_dict(), ensure_ascii=False)`` gives, in UTF-8, built faster.

    Lone surrogates are written ``\\udXXX`` (errors="backslashreplace"). The sentence records
    come from framing/_records.c when it is built, else from numpy and Python (see jsonl.py):
    the same bytes.
    """
    quote = json.encoder.encode_basestring  # what json.dumps uses with ensure_ascii=False
    names = [*scored.frames, defaults.UNCLASSIFIED]
    index = {name: i for i, name in enumerate(names)}
    label_index = np.fromiter(map(index.__getitem__, scored.labels.tolist()), dtype=np.int64, count=len(scored.labels))
    rounded = np.column_stack([round6(scored.confidence), round6(scored.proba)])
    numbers = np.fromiter(
        chain.from_iterable((i, s.start, s.end) for group in scored.sentences for i, s in enumerate(group)),
        dtype=np.int64,
        count=3 * len(scored.labels),
    ).reshape(-1, 3)
    native = _native_records()
    if native is not None:
        parts = native.sentence_records(
            [s.text for group in scored.sentences for s in group],
            numbers,
            label_index,
            rounded,
            [_utf8(quote(name)) for name in names],
            [_utf8(quote(frame)) for frame in scored.frames],
            [len(group) for group in scored.sentences],
        )
        pieces: list[bytes] = []
        for (document, sentences, _, proportions), part in zip(_by_document(scored), parts, strict=True):
            path = "null" if document.path is None else quote(document.path)
            head = f'{{"id": {quote(document.id)}, "path": {path}, "n_sentences": {len(sentences)}, "sentences": ['
            pieces += (_utf8(head), part, _utf8(f'], "proportions": {_dumps(proportions)}}}\n'))
        return b"".join(pieces)
    suffixes = SentenceSuffixes(scored.frames, names).render(label_index, rounded)
    prefixes = sentence_prefixes(numbers)
    lines = []
    for document, sentences, row, proportions in _by_document(scored):
        end = row + len(sentences)
        records = [
            prefix + quote(s.text) + suffix
            for prefix, s, suffix in zip(prefixes[row:end], sentences, suffixes[row:end], strict=True)
        ]
        lines.append(
            '{"id": %s, "path": %s, "n_sentences": %d, "sentences": [%s], "proportions": %s}\n'  # noqa: UP031
            % (
                quote(document.id),
                "null" if document.path is None else quote(document.path),
                len(sentences),
                ", ".join(records),
                _dumps(proportions),
            )
        )
    return _utf8("".join(lines))


def _csv(scored: ScoredChunk) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    labels = scored.labels.tolist()
    confidences = round6(scored.confidence).tolist()
    for document, sentences, row, _ in _by_document(scored):
        writer.writerows(
            [document.id, i, s.start, s.end, labels[row + i], f"{confidences[row + i]:.6f}", s.text]
            for i, s in enumerate(sentences)
        )
    return buffer.getvalue()


def _sql_rows(scored: ScoredChunk) -> SqlRows:
    labels = scored.labels.tolist()
    confidences = round6(scored.confidence).tolist()
    documents: list[tuple[Any, ...]] = []
    sentence_rows: list[tuple[Any, ...]] = []
    for number, (document, sentences, row, proportions) in enumerate(_by_document(scored), 1):
        documents.append((number, document.id, document.path, len(sentences), *proportions.values()))
        sentence_rows.extend(
            (number, i, s.start, s.end, s.text, labels[row + i], confidences[row + i]) for i, s in enumerate(sentences)
        )
    return documents, sentence_rows


class Output(Protocol):
    """Where a stream of encoded batches goes, in order."""

    @property
    def documents_done(self) -> int: ...

    @property
    def last_id(self) -> str | None: ...

    def write(self, batch: EncodedBatch) -> None: ...

    def commit(self) -> None: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


class StreamOutput:
    """JSONL or CSV records to a text stream (standard output); nothing to resume."""

    def __init__(self, stream: Any, kind: str) -> None:
        self._stream = stream
        self.documents_done = 0
        self.last_id: str | None = None
        if kind == "csv":
            stream.write(",".join(CSV_COLUMNS) + "\n")

    def write(self, batch: EncodedBatch) -> None:
        assert isinstance(batch.payload, bytes | memoryview)
        self._stream.write(str(batch.payload, "utf-8"))
        self.documents_done += batch.documents
        self.last_id = batch.last_id

    def commit(self) -> None:
        self._stream.flush()

    def finish(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._stream.flush()


def partial_path(target: Path) -> Path:
    return target.with_name(target.name + PARTIAL_SUFFIX)


def journal_path(target: Path) -> Path:
    return target.with_name(target.name + PARTIAL_SUFFIX + JOURNAL_SUFFIX)


def open_output(
    path: str | os.PathLike[str], settings: dict[str, Any], columns: Sequence[str], *, resume: bool
) -> Output:
    """Start (or, with ``resume``, continue) the result file ``path``; ``settings`` identify the run.

    ``columns`` are the proportion keys of every document (frames, plus ``unclassified`` with a
    confidence threshold), which become the SQLite ``documents`` columns.
    """
    target = Path(path)
    kind = output_kind(target)
    check_writable(target)
    # Taken before the partial file is looked at: a running run's partial is not an interrupted one.
    lock = OutputLock(target).acquire()
    try:
        return LockedOutput(_open_unlocked(target, kind, settings, columns, resume=resume), lock)
    except BaseException:
        lock.release(remove=True)
        raise


def _open_unlocked(
    target: Path, kind: str, settings: dict[str, Any], columns: Sequence[str], *, resume: bool
) -> Output:
    partial = partial_path(target)
    if resume and not partial.exists():
        if target.exists():
            raise OutputError(f"{target} is already complete; there is nothing to resume (drop --resume to redo it)")
        resume = False  # nothing was written yet: start from the beginning
    elif not resume and partial.exists():
        raise OutputError(
            f"{partial} holds an interrupted run; pass --resume to continue it, or delete it to start over"
        )
    settings = {"kind": kind, **settings}
    if kind == "sqlite":
        return SqliteOutput(target, settings, columns, resume=resume)
    header = (",".join(CSV_COLUMNS) + "\n").encode("utf-8") if kind == "csv" else b""
    return AppendOutput(target, settings, header, resume=resume)


class LockedOutput:
    """An output file's writer holding the file's lock until it finishes or closes."""

    def __init__(self, inner: Output, lock: OutputLock) -> None:
        self._inner = inner
        self._lock = lock

    @property
    def documents_done(self) -> int:
        return self._inner.documents_done

    @property
    def last_id(self) -> str | None:
        return self._inner.last_id

    def write(self, batch: EncodedBatch) -> None:
        self._inner.write(batch)

    def commit(self) -> None:
        self._inner.commit()

    def finish(self) -> None:
        self._inner.finish()
        self._lock.release(remove=True)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._lock.release(remove=True)


def _mismatch(where: Path, saved: Any, settings: dict[str, Any]) -> None:
    if not isinstance(saved, dict):
        raise OutputError(f"{where} is damaged; delete it to start over")
    for key, value in settings.items():
        if saved.get(key) != value:
            raise OutputError(
                f"{where} was started with a different {key} ({saved.get(key)!r}, now {value!r}); "
                "resume with the same command, or delete it to start over"
            )


class AppendOutput:
    """JSONL or CSV: an append-only partial file plus a journal of the committed length."""

    def __init__(self, target: Path, settings: dict[str, Any], header: bytes, *, resume: bool) -> None:
        self.target = target
        self.partial = partial_path(target)
        self.journal = journal_path(target)
        self.settings = settings
        self.documents_done = 0
        self.last_id: str | None = None
        state = self._read_journal() if resume and self.journal.exists() else None
        self._file: BinaryIO
        self._torn = False
        try:
            if state is None:
                # A fresh run, or one killed before its first commit: nothing counts yet.
                self._file = self.partial.open("wb")
                self._file.write(header)
                self._end = len(header)
            else:
                _mismatch(self.journal, state.get("settings"), settings)
                self.documents_done, self.last_id = state["documents"], state["last_id"]
                self._file = self.partial.open("r+b")
                self._file.truncate(state["bytes"])  # drops records written after the last commit
                self._file.seek(state["bytes"])
                self._end = state["bytes"]
        except OSError as exc:
            raise OutputError(f"cannot write {self.partial}: {exc.strerror}; check the folder") from None
        try:
            self.commit()
        except BaseException:
            self._file.close()
            raise

    def _read_journal(self) -> dict[str, Any]:
        try:
            state = json.loads(self.journal.read_text(encoding="utf-8"))
            valid = (
                isinstance(state, dict)
                and state.get("format") == JOURNAL_FORMAT
                and type(state.get("documents")) is int
                and type(state.get("bytes")) is int
                and state["bytes"] <= self.partial.stat().st_size
            )
        except (OSError, ValueError):
            valid = False
        if not valid:
            raise OutputError(f"{self.journal} is damaged or does not match {self.partial}; delete both to start over")
        return state

    def write(self, batch: EncodedBatch) -> None:
        assert isinstance(batch.payload, bytes | memoryview)
        try:
            self._file.write(batch.payload)
        except OSError as exc:
            # Part of the batch may be on disk: the journal must never count it (see commit).
            self._torn = True
            raise OutputError(f"cannot write {self.partial}: {exc.strerror}; rerun with --resume once fixed") from None
        self._end += len(batch.payload)
        self.documents_done += batch.documents
        if batch.last_id is not None:
            self.last_id = batch.last_id

    def commit(self) -> None:
        """Make everything written so far durable, then record it in the journal."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            state = {
                "format": JOURNAL_FORMAT,
                "settings": self.settings,
                "documents": self.documents_done,
                # The end of the last whole batch; a torn batch after it is cut off on --resume.
                "bytes": self._end,
                "last_id": self.last_id,
            }
            with atomic_write(self.journal) as handle:
                json.dump(state, handle)  # ASCII: ids and paths may hold lone surrogates
        except OSError as exc:
            raise OutputError(f"cannot write {self.partial}: {exc.strerror}; rerun with --resume once fixed") from None

    def finish(self) -> None:
        if self._torn:
            raise OutputError(f"cannot finish {self.partial}: a write failed; rerun with --resume once fixed")
        self.commit()
        self._file.close()
        os.replace(self.partial, self.target)
        self.journal.unlink()
        sync_folder(self.target.parent)

    def close(self) -> None:
        if not self._file.closed:
            with contextlib.suppress(OutputError):
                self.commit()
            self._file.close()


def _renumbered(rows: SqlRows, done: int) -> SqlRows:
    """A batch's rows with documents numbered after the ``done`` ones in the file (rows come numbered from 1)."""
    if not done:
        return rows
    documents, sentences = rows
    return [(row[0] + done, *row[1:]) for row in documents], [(row[0] + done, *row[1:]) for row in sentences]


def _encodable(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows whose strings can be written as UTF-8 (lone surrogates become backslash escapes)."""

    def fix(value: Any) -> Any:
        return value.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(value, str) else value

    return [tuple(fix(v) for v in row) for row in rows]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def proportion_columns(columns: Sequence[str]) -> list[str]:
    """SQLite column names for proportion keys; one that clashes with a fixed column gets ``_proportion``."""
    fixed = {c.lower() for c in DOCUMENT_COLUMNS}
    return [f"{c}_proportion" if c.lower() in fixed else c for c in columns]


class SqliteOutput:
    """SQLite: ``documents`` and ``sentences`` tables, one transaction per commit."""

    def __init__(self, target: Path, settings: dict[str, Any], columns: Sequence[str], *, resume: bool) -> None:
        self.target = target
        self.partial = partial_path(target)
        self.documents_done = 0
        self.last_id: str | None = None
        if not resume:
            with contextlib.suppress(FileNotFoundError):
                self.partial.unlink()
        try:
            self._db = sqlite3.connect(self.partial, isolation_level=None)
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write {self.partial}: {exc}; check the folder") from None
        try:
            self._db.execute("PRAGMA synchronous=NORMAL")
            if resume:
                self._resume(settings)
            else:
                self._create(settings, proportion_columns(columns))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise OutputError(f"{self.partial}: not a usable SQLite file ({exc}); delete it to start over") from None
        except BaseException:
            self._db.close()
            raise
        placeholders = ", ".join("?" * (len(DOCUMENT_COLUMNS) + len(columns)))
        self._insert_document = f"INSERT INTO documents VALUES ({placeholders})"
        self._insert_sentence = f"INSERT INTO sentences VALUES ({', '.join('?' * len(SENTENCE_COLUMNS))})"
        self._db.execute("BEGIN")

    def _create(self, settings: dict[str, Any], columns: Sequence[str]) -> None:
        frames = "".join(f", {_quote(c)} REAL NOT NULL" for c in columns)
        # One transaction: a kill leaves either nothing or tables and settings together.
        self._db.execute("BEGIN")
        self._db.execute("CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute(
            "CREATE TABLE documents "
            f"(doc INTEGER PRIMARY KEY, id TEXT NOT NULL, path TEXT, n_sentences INTEGER NOT NULL{frames})"
        )
        self._db.execute(
            "CREATE TABLE sentences (doc INTEGER NOT NULL REFERENCES documents (doc), "
            'sentence_index INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, '
            "text TEXT NOT NULL, frame TEXT NOT NULL, confidence REAL NOT NULL)"
        )
        self._db.execute("INSERT INTO run VALUES ('settings', ?)", (json.dumps(settings),))
        self._db.execute("COMMIT")

    def _resume(self, settings: dict[str, Any]) -> None:
        try:
            (saved,) = self._db.execute("SELECT value FROM run WHERE key = 'settings'").fetchone()
            saved = json.loads(saved)
        except (TypeError, ValueError, sqlite3.DatabaseError):
            raise OutputError(f"{self.partial} is not a framing result file; delete it to start over") from None
        _mismatch(self.partial, saved, settings)
        self.documents_done = self._db.execute("SELECT count(*) FROM documents").fetchone()[0]
        last = self._db.execute("SELECT id FROM documents ORDER BY doc DESC LIMIT 1").fetchone()
        self.last_id = last[0] if last else None

    def write(self, batch: EncodedBatch) -> None:
        assert isinstance(batch.payload, tuple)
        documents, sentences = _renumbered(batch.payload, self.documents_done)
        try:
            self._db.execute("SAVEPOINT batch")
            try:
                self._db.executemany(self._insert_document, documents)
                self._db.executemany(self._insert_sentence, sentences)
            except UnicodeEncodeError:
                # A lone surrogate (from a JSON escape) has no UTF-8 form: undo the rows inserted
                # so far and store the batch with such characters written as \udXXX.
                self._db.execute("ROLLBACK TO batch")
                self._db.executemany(self._insert_document, _encodable(documents))
                self._db.executemany(self._insert_sentence, _encodable(sentences))
            self._db.execute("RELEASE batch")
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write {self.partial}: {exc}; rerun with --resume once fixed") from None
        self.documents_done += batch.documents
        if batch.last_id is not None:
            self.last_id = batch.last_id

    def commit(self) -> None:
        try:
            self._db.execute("COMMIT")
            self._db.execute("BEGIN")
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write {self.partial}: {exc}; rerun with --resume once fixed") from None

    def finish(self) -> None:
        try:
            self._db.execute("COMMIT")
            # Indexes are built once at the end: cheaper than maintaining them row by row.
            self._db.execute("BEGIN")
            self._db.execute("CREATE INDEX sentences_frame ON sentences (frame, confidence)")
            self._db.execute("CREATE INDEX sentences_doc ON sentences (doc, sentence_index)")
            self._db.execute("CREATE INDEX documents_id ON documents (id)")
            self._db.execute("INSERT INTO run VALUES ('completed', ?)", (time.strftime("%Y-%m-%dT%H:%M:%S%z"),))
            self._db.execute("COMMIT")
            self._db.close()
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write {self.partial}: {exc}; rerun with --resume once fixed") from None
        os.replace(self.partial, self.target)
        sync_folder(self.target.parent)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self._db.in_transaction:
                self._db.execute("COMMIT")
            self._db.close()


# -- grouped proportions (`classify --aggregate --by ... --output FILE.sqlite`) -----------------------
def write_grouped_sqlite(path: str | os.PathLike[str], grouped: GroupedEstimate, model: str) -> None:
    """Tidy proportions, the groups with their flags, and the run's settings, as one SQLite file.

    Written beside ``path`` under a temporary name and renamed over it when complete, so a reader
    never sees half a file and a previous ``path`` survives a failure.
    """
    import tempfile

    target = Path(path)
    check_writable(target)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path("."))
    os.close(fd)
    try:
        db = sqlite3.connect(temporary)
        try:
            db.execute("BEGIN")
            db.execute("CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            settings = {"by": json.dumps(list(grouped.fields)), "period": grouped.period or "", "model": model}
            settings["recommended"] = grouped.recommended
            db.executemany("INSERT INTO run VALUES (?, ?)", sorted(settings.items()))
            db.execute(
                'CREATE TABLE proportions ("group" TEXT NOT NULL, frame TEXT NOT NULL, method TEXT NOT NULL, '
                "estimate REAL NOT NULL, low REAL, high REAL, n_docs INTEGER NOT NULL, n_sentences INTEGER NOT NULL)"
            )
            db.executemany(
                "INSERT INTO proportions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [tuple(row[c] for c in GROUPED_COLUMNS) for row in grouped.rows()],
            )
            db.execute(
                'CREATE TABLE groups ("group" TEXT PRIMARY KEY, n_docs INTEGER NOT NULL, '
                "n_sentences INTEGER NOT NULL, flags TEXT NOT NULL)"
            )
            db.executemany(
                "INSERT INTO groups VALUES (?, ?, ?, ?)",
                [
                    (" / ".join(g.group), g.estimate.n_documents, g.estimate.n_sentences, "\n".join(g.flags))
                    for g in grouped.groups
                ],
            )
            db.execute("COMMIT")
        finally:
            db.close()
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except sqlite3.Error as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {exc}; any previous version is kept") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_folder(target.parent)
