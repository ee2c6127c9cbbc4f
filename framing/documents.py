"""Read documents to classify: text files, folders of them, JSONL records and standard input."""

from __future__ import annotations

import codecs
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import defaults
from .errors import InputError

Warn = Callable[[str], None]


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
            raise InputError(f"unknown encoding {encoding!r}; use a Python codec name such as utf-8 or cp1252") from None
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
            line = data.count(b"\n", 0, exc.start) + 1
            warn(
                f"{where}:{line}: invalid UTF-8; undecodable bytes replaced by U+FFFD "
                "(pass --encoding if the file uses another encoding)"
            )
        return data.decode("utf-8", errors="replace")


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
) -> Iterator[DocumentText]:
    """Yield documents lazily; unreadable or binary files are skipped with a warning."""
    for raw in paths:
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
            if path.name.endswith(".jsonl"):
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
    data = _read_bytes(path, True, warn)
    assert data is not None
    text = decode_text(data, str(path), warn, encoding)
    # Split on \n only: JSON strings may hold raw U+2028, U+0085 and the like, which splitlines() breaks on.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: invalid JSON ({exc.msg}); each line must be one JSON object") from None
        except RecursionError:
            raise InputError(f"{path}:{number}: JSON nested too deeply; each line must be one JSON object") from None
        if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
            raise InputError(
                f"{path}:{number}: no string field {text_field!r}; name the text field with --text-field"
            )
        doc_id = record.get(id_field)
        document = DocumentText(
            str(doc_id) if doc_id is not None else f"{path}:{number}",
            record[text_field],
            str(path),
        )
        yield _report_empty(document, f"{path}:{number}", warn)
