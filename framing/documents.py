"""Read documents to classify: text files, folders of them, JSONL records and standard input."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from . import defaults
from .errors import InputError, parse_json_line

Warn = Callable[[str], None]

#: Files read as JSONL documents, one per line (gzipped when the name ends in .gz).
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")


@dataclass(frozen=True, slots=True)
class DocumentText:
    """A document's id, its text, and the file it came from (``None`` for standard input)."""

    id: str
    text: str
    path: str | None = None


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
) -> Iterator[DocumentText]:
    """Yield documents lazily; unreadable or binary files are skipped with a warning.

    JSONL files (``.jsonl``, or gzipped ``.jsonl.gz``) are read line by line, so memory does not
    grow with the file; with ``stdin_jsonl``, standard input (``-``) is JSONL too.
    """
    for raw in paths:
        if raw == "-" and stdin_jsonl:
            stream = io.BytesIO(stdin()) if stdin else sys.stdin.buffer
            yield from parse_jsonl(stream, "<stdin>", None, text_field, id_field, warn, encoding)
            continue
        if raw == "-":
            data = stdin() if stdin else sys.stdin.buffer.read()
            yield _report_empty(DocumentText("-", decode_text(data, "<stdin>", warn, encoding), None), "<stdin>", warn)
            continue
        path = Path(raw)
        if path.is_dir():
            for file in find_text_files(path, warn):
                document = _read_text_file(file, warn, encoding)
                if document is not None:
                    yield document
        elif path.is_file():
            if path.name.endswith(JSONL_SUFFIXES):
                yield from _read_jsonl(path, text_field, id_field, warn, encoding)
            else:
                document = _read_text_file(path, warn, encoding, strict=True)
                if document is not None:
                    yield document
        elif path.exists():
            raise InputError(f"{path}: not a regular file or folder; pass text files, folders or -")
        else:
            raise InputError(f"{path}: no such file or folder; check the path")


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


def _read_jsonl(
    path: Path, text_field: str, id_field: str, warn: Warn | None, encoding: str | None
) -> Iterator[DocumentText]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            try:
                yield from parse_jsonl(handle, str(path), str(path), text_field, id_field, warn, encoding)
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                raise InputError(f"{path}: damaged or truncated gzip file ({exc}); compress it again") from None
            except OSError as exc:
                raise InputError(f"{path}: cannot read ({exc.strerror or exc}); check the file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check the file's permissions") from None


def parse_jsonl(
    stream: Iterable[bytes],
    where: str,
    path: str | None,
    text_field: str = defaults.TEXT_FIELD,
    id_field: str = defaults.ID_FIELD,
    warn: Warn | None = None,
    encoding: str | None = None,
) -> Iterator[DocumentText]:
    """Documents from a binary JSONL stream, one line at a time; ``where`` names it in messages."""
    lines = iter(stream)
    first = next(lines, b"")
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not _splits_at_newline_bytes(encoding):
        # UTF-16 and UTF-32 cannot be cut at b"\n" bytes: decode the whole stream at once.
        text = decode_text(first + b"".join(lines), where, warn, encoding)
        for number, line in enumerate(text.split("\n"), 1):
            document = _jsonl_document(line, where, path, number, text_field, id_field, warn)
            if document is not None:
                yield document
        return
    if first.startswith(codecs.BOM_UTF8) and not encoding:
        first = first[len(codecs.BOM_UTF8) :]
    warned = False
    # Binary lines end at b"\n" only: JSON strings may hold raw U+2028, U+0085 and the like,
    # which str.splitlines() would break on.
    for number, raw in enumerate(chain([first], lines), 1):
        if encoding:
            line = decode_text(raw, where, None, encoding)
        else:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                if warn and not warned:
                    warn(_invalid_utf8(where, number))
                    warned = True
                line = raw.decode("utf-8", errors="replace")
        document = _jsonl_document(line, where, path, number, text_field, id_field, warn)
        if document is not None:
            yield document


def _splits_at_newline_bytes(encoding: str | None) -> bool:
    """Whether b"\n" bytes end lines in this encoding (UTF-8 and the ASCII-compatible ones)."""
    if not encoding:
        return True
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return True  # decode_text reports the unknown encoding
    return not name.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))


def _jsonl_document(
    line: str, where: str, path: str | None, number: int, text_field: str, id_field: str, warn: Warn | None
) -> DocumentText | None:
    if not line.strip():
        return None
    record = parse_json_line(line, f"{where}:{number}", InputError)
    if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
        raise InputError(f"{where}:{number}: no string field {text_field!r}; name the text field with --text-field")
    doc_id = record.get(id_field)
    document = DocumentText(str(doc_id) if doc_id is not None else f"{where}:{number}", record[text_field], path)
    return _report_empty(document, f"{where}:{number}", warn)
