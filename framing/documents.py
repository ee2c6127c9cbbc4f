"""Read documents to classify: text files, folders of them, JSONL records and standard input."""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import io
import itertools
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import defaults
from .errors import InputError, parse_json_line
from .groups import group_of

Warn = Callable[[str], None]
#: Metadata fields to group documents by, and the period that cuts the date field (or None).
Grouping = tuple[tuple[str, ...], str | None]

#: Files read as JSONL documents, one per line (gzipped when the name ends in .gz).
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")


@dataclass(frozen=True, slots=True)
class DocumentText:
    """A document's id, its text, and the file it came from (``None`` for standard input)."""

    id: str
    text: str
    path: str | None = None
    #: The document's group labels (``--by``), when grouping was asked for; see framing.groups.
    group: tuple[str, ...] | None = None


def decode_text(data: bytes, where: str, warn: Warn | None = None, encoding: str | None = None) -> str:
    """Decode bytes honouring UTF-8/UTF-16 byte-order marks; invalid UTF-8 is replaced, with a warning."""
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise InputError(
                f"unknown encoding {encoding!r}; use a Python codec name such as utf-8 or cp1252"
            ) from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{where}: not valid {encoding} ({exc.reason}); pass the right --encoding") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            if warn:
                warn(f"{where}: invalid UTF-16; undecodable bytes replaced by U+FFFD")
            return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if warn:
            warn(_invalid_utf8(where, data.count(b"\n", 0, exc.start) + 1))
        return data.decode("utf-8", errors="replace")


def _invalid_utf8(where: str, line: int) -> str:
    return (
        f"{where}:{line}: invalid UTF-8; undecodable bytes replaced by U+FFFD "
        "(pass --encoding if the file uses another encoding)"
    )


def looks_binary(data: bytes) -> bool:
    """NUL bytes outside a UTF-16 text mean a binary file (image, PDF, archive...)."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\0" in head


def find_text_files(folder: Path, warn: Warn | None = None) -> Iterator[Path]:
    """``*.txt`` files under ``folder``, recursively, sorted, without following symlink loops."""
    seen: set[tuple[int, int]] = set()

    def walk(directory: Path) -> Iterator[Path]:
        try:
            stat = directory.stat()
        except OSError as exc:
            if warn:
                warn(f"{directory}: cannot open folder ({exc.strerror}); skipped")
            return
        key = (stat.st_dev, stat.st_ino)
        if key in seen:
            if warn:
                warn(f"{directory}: folder already visited (symlink loop); skipped")
            return
        seen.add(key)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            if warn:
                warn(f"{directory}: cannot list folder ({exc.strerror}); skipped")
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    yield from walk(path)
                elif entry.name.endswith(".txt"):
                    if entry.is_file():
                        yield path
                    elif warn:
                        # A FIFO or device would block or never end; a dangling link cannot be read.
                        kind = "broken symlink" if entry.is_symlink() and not path.exists() else "not a regular file"
                        warn(f"{path}: {kind}; skipped")
            except OSError as exc:
                if warn:
                    warn(f"{path}: cannot open ({exc.strerror}); skipped")

    yield from walk(folder)


def read_documents(
    paths: Iterable[str],
    *,
    text_field: str = defaults.TEXT_FIELD,
    id_field: str = defaults.ID_FIELD,
    encoding: str | None = None,
    warn: Warn | None = None,
    stdin: Callable[[], bytes] | None = None,
    stdin_jsonl: bool = False,
    grouping: Grouping | None = None,
) -> Iterator[DocumentText]:
    """Yield documents lazily; unreadable or binary files are skipped with a warning.

    JSONL files (``.jsonl``, or gzipped ``.jsonl.gz``) are read a block of lines at a time, so
    memory does not grow with the file; with ``stdin_jsonl``, standard input (``-``) is JSONL too.
    """
    notices = NoticeBoard(warn)
    inputs = Inputs(tuple(paths), text_field, id_field, encoding, stdin_jsonl, grouping)
    for item in inputs.items(warn, stdin=stdin):
        if isinstance(item, JsonlBlock):
            yield from notices.documents(item)
        else:
            yield item


@dataclass(frozen=True)
class Inputs:
    """Where the documents come from and how to read them."""

    paths: tuple[str, ...]
    text_field: str = defaults.TEXT_FIELD
    id_field: str = defaults.ID_FIELD
    encoding: str | None = None
    stdin_jsonl: bool = False
    #: Metadata fields (and a period for the date field) to group documents by, or None.
    grouping: Grouping | None = None

    def items(
        self,
        warn: Warn | None = None,
        *,
        max_lines: int = defaults.CHUNK_DOCUMENTS,
        max_bytes: int = defaults.CHUNK_CHARS,
        stdin: Callable[[], bytes] | None = None,
    ) -> Iterator[DocumentText | JsonlBlock]:
        """:func:`read_documents`, but JSONL comes as undecoded blocks of lines, for workers to parse.

        The process that reads the input then only cuts it at line ends; a block has at most
        ``max_lines`` lines and about ``max_bytes`` bytes (more when one line is longer).
        """
        sizes = {"max_lines": max_lines, "max_bytes": max_bytes}
        for raw in self.paths:
            if raw == "-" and self.stdin_jsonl:
                stream = io.BytesIO(stdin()) if stdin else sys.stdin.buffer
                yield from jsonl_blocks(stream, self._source("<stdin>", None), warn, **sizes)
                continue
            if raw == "-":
                data = stdin() if stdin else sys.stdin.buffer.read()
                if self.encoding is None and looks_binary(data):
                    # Like a binary file given by name: skipped with a warning, never classified as text.
                    if warn:
                        warn("<stdin>: binary data (contains NUL bytes); skipped")
                    continue
                text = decode_text(data, "<stdin>", warn, self.encoding)
                yield _report_empty(DocumentText("-", text, None), "<stdin>", warn)
                continue
            path = Path(raw)
            if path.is_dir():
                for file in find_text_files(path, warn):
                    document = _read_text_file(file, warn, self.encoding)
                    if document is not None:
                        yield document
            elif path.is_file():
                if path.name.endswith(JSONL_SUFFIXES):
                    yield from _read_jsonl(path, self._source(str(path), str(path)), warn, **sizes)
                else:
                    document = _read_text_file(path, warn, self.encoding, strict=True)
                    if document is not None:
                        yield document
            elif path.exists():
                raise InputError(f"{path}: not a regular file or folder; pass text files, folders or -")
            else:
                raise InputError(f"{path}: no such file or folder; check the path")

    def _source(self, where: str, path: str | None) -> JsonlSource:
        return JsonlSource(where, path, self.text_field, self.id_field, self.encoding, grouping=self.grouping)

    def settings(self) -> dict[str, Any]:
        """What identifies these inputs for ``--resume`` (absolute paths, since the folder may change)."""
        return {
            "inputs": [p if p == "-" else os.path.abspath(p) for p in self.paths],
            "text_field": self.text_field,
            "id_field": self.id_field,
            "encoding": self.encoding,
            "stdin_jsonl": self.stdin_jsonl,
        }


def _read_bytes(path: Path, strict: bool, warn: Warn | None) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        if strict:
            raise InputError(f"{path}: cannot read ({exc.strerror}); check the file's permissions") from None
        if warn:
            warn(f"{path}: cannot read ({exc.strerror}); skipped")
        return None


def _read_text_file(path: Path, warn: Warn | None, encoding: str | None, strict: bool = False) -> DocumentText | None:
    data = _read_bytes(path, strict, warn)
    if data is None:
        return None
    if encoding is None and looks_binary(data):
        if warn:
            warn(f"{path}: binary file (contains NUL bytes); skipped")
        return None
    document = DocumentText(str(path), decode_text(data, str(path), warn, encoding), str(path))
    return _report_empty(document, str(path), warn)


def _report_empty(document: DocumentText, where: str, warn: Warn | None) -> DocumentText:
    """Empty documents are still classified (zero sentences, zero proportions), but said out loud."""
    if warn and not document.text.strip():
        warn(f"{where}: empty document (no text); it has zero sentences")
    return document


def _read_jsonl(path: Path, source: JsonlSource, warn: Warn | None, **sizes: int) -> Iterator[JsonlBlock]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            try:
                yield from jsonl_blocks(handle, source, warn, **sizes)
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                raise InputError(f"{path}: damaged or truncated gzip file ({exc}); compress it again") from None
            except OSError as exc:
                raise InputError(f"{path}: cannot read ({exc.strerror or exc}); check the file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check the file's permissions") from None


# -- JSONL in blocks of lines -----------------------------------------------------------------------
class Readable(Protocol):
    """A binary stream: files, gzip files, standard input, BytesIO."""

    def read(self, size: int = ..., /) -> bytes: ...

    def readline(self, size: int = ..., /) -> bytes: ...


_READINGS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class JsonlSource:
    """One reading of a JSONL stream: its name in messages, its path, fields and encoding.

    ``reading`` tells two readings of the same file apart: each reports invalid UTF-8 once.
    """

    where: str
    path: str | None
    text_field: str = defaults.TEXT_FIELD
    id_field: str = defaults.ID_FIELD
    encoding: str | None = None
    reading: int = dataclasses.field(default_factory=lambda: next(_READINGS))
    grouping: Grouping | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning found while parsing a block; ``once`` ones are said once per reading of a stream."""

    message: str
    once: bool = False


@dataclass(frozen=True, slots=True)
class BlockNotes:
    """What parsing a block had to say: its warnings, and the error that stopped it, if any."""

    source: JsonlSource
    notices: tuple[Notice, ...] = ()
    failure: InputError | None = None


@dataclass(frozen=True, slots=True)
class JsonlBlock:
    """Whole lines of a JSONL stream, still undecoded; ``first_line`` is the 1-based number of the first."""

    source: JsonlSource
    first_line: int
    data: bytes

    def parse(self) -> tuple[list[DocumentText], BlockNotes]:
        """Decode and parse the lines (blank ones skipped) into documents, as :func:`read_documents` gives them.

        A bad line stops the parsing; the documents before it are kept, for work done before a
        bad input is never thrown away.
        """
        source, where, encoding = self.source, self.source.where, self.source.encoding
        documents: list[DocumentText] = []
        notices: list[Notice] = []
        said_utf8 = False

        def warn(message: str) -> None:
            notices.append(Notice(message))

        try:
            # Line by line from a stream: faster than splitting the block first (less memory at once).
            for number, raw in enumerate(io.BytesIO(self.data), self.first_line):
                if encoding:
                    line = decode_text(raw, where, None, encoding)
                else:
                    try:
                        line = raw.decode("utf-8")
                    except UnicodeDecodeError:
                        if not said_utf8:
                            notices.append(Notice(_invalid_utf8(where, number), once=True))
                            said_utf8 = True
                        line = raw.decode("utf-8", errors="replace")
                document = _jsonl_document(line, source, number, warn)
                if document is not None:
                    documents.append(document)
        except InputError as exc:
            return documents, BlockNotes(source, tuple(notices), exc)
        return documents, BlockNotes(source, tuple(notices))


class NoticeBoard:
    """Says the warnings of parsed blocks through ``warn``, in order, invalid UTF-8 once per reading."""

    def __init__(self, warn: Warn | None) -> None:
        self._warn = warn
        self._said: set[int] = set()

    def say(self, notes: BlockNotes) -> None:
        for notice in notes.notices:
            if notice.once:
                if notes.source.reading in self._said:
                    continue
                self._said.add(notes.source.reading)
            if self._warn:
                self._warn(notice.message)

    def documents(self, block: JsonlBlock) -> Iterator[DocumentText]:
        """The block's documents, once its warnings are said; then its error, if it has one."""
        documents, notes = block.parse()
        self.say(notes)
        yield from documents
        if notes.failure is not None:
            raise notes.failure


def jsonl_blocks(
    stream: Readable,
    source: JsonlSource,
    warn: Warn | None = None,
    *,
    max_lines: int = defaults.CHUNK_DOCUMENTS,
    max_bytes: int = defaults.CHUNK_CHARS,
) -> Iterator[JsonlBlock]:
    """Cut a binary JSONL stream into blocks of whole lines, reading ``max_bytes`` (and a line) at a time.

    UTF-16 and UTF-32 cannot be cut at b"\n" bytes: such a stream is decoded here, as a whole,
    and re-encoded as UTF-8.
    """
    piece = stream.read(max_bytes)
    if piece.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not _splits_at_newline_bytes(source.encoding):
        text = decode_text(piece + stream.read(), source.where, warn, source.encoding)
        stream = io.BytesIO(text.encode("utf-8"))
        source = dataclasses.replace(source, encoding=None)
        piece = stream.read(max_bytes)
    elif piece.startswith(codecs.BOM_UTF8) and not source.encoding:
        piece = piece[len(codecs.BOM_UTF8) :]
    line = 1
    while piece:
        if not piece.endswith(b"\n"):
            piece += stream.readline()  # whole lines only: a long line makes a long block
        lines = piece.count(b"\n")
        if lines <= max_lines:
            yield JsonlBlock(source, line, piece)
        else:
            ends = [0]
            while ends[-1] < len(piece):
                end = ends[-1]
                for _ in range(max_lines):
                    end = piece.find(b"\n", end) + 1 or len(piece)
                ends.append(end)
            for number, (start, end) in enumerate(itertools.pairwise(ends)):
                yield JsonlBlock(source, line + number * max_lines, piece[start:end])
        line += lines
        piece = stream.read(max_bytes)


def _splits_at_newline_bytes(encoding: str | None) -> bool:
    """Whether b"\n" bytes end lines in this encoding (UTF-8 and the ASCII-compatible ones)."""
    if not encoding:
        return True
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return True  # decode_text reports the unknown encoding
    return not name.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))


def _jsonl_document(line: str, source: JsonlSource, number: int, warn: Warn | None) -> DocumentText | None:
    if not line.strip():
        return None
    where, text_field = source.where, source.text_field
    record = parse_json_line(line, f"{where}:{number}", InputError)
    if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
        raise InputError(f"{where}:{number}: no string field {text_field!r}; name the text field with --text-field")
    doc_id = record.get(source.id_field)
    group = group_of(record, *source.grouping) if source.grouping is not None else None
    document = DocumentText(
        str(doc_id) if doc_id is not None else f"{where}:{number}", record[text_field], source.path, group
    )
    return _report_empty(document, f"{where}:{number}", warn)
