"""Load and validate labeled sentence corpora from CSV, TSV and JSONL files."""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import defaults
from .errors import CorpusError, parse_json_line

# Python's csv module refuses fields over 128 KiB by default; a corpus row is a sentence,
# but a pasted article in one cell should get a clear error from us, not from csv.
csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class LabeledSentence:
    """One training or evaluation example, with where it came from."""

    text: str
    label: str
    doc_id: str | None = None
    source: str | None = None
    file: str = ""
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Corpus:
    """A validated corpus: unique sentences, their files, and a fingerprint of the input bytes."""

    sentences: tuple[LabeledSentence, ...]
    files: tuple[str, ...]
    sha256: str
    n_bytes: int
    notes: tuple[str, ...] = field(default=())

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.sentences]

    @property
    def labels(self) -> list[str]:
        return [s.label for s in self.sentences]

    @property
    def has_groups(self) -> bool:
        return any(s.doc_id is not None for s in self.sentences)

    @property
    def has_sources(self) -> bool:
        return any(s.source is not None for s in self.sentences)

    def groups(self) -> list[str]:
        """Group key per sentence: its ``doc_id``, or a unique key when it has none."""
        return [s.doc_id if s.doc_id is not None else f"\0{s.where}" for s in self.sentences]

    def label_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.labels).items()))

    def __len__(self) -> int:
        return len(self.sentences)


@dataclass(frozen=True)
class Columns:
    """Which input columns hold the text, label, document id and source."""

    text: str = defaults.TEXT_COLUMN
    label: str = defaults.LABEL_COLUMN
    group: str = defaults.GROUP_COLUMN
    source: str = defaults.SOURCE_COLUMN


def find_corpus_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand files and directories (recursively) into corpus files, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in defaults.CORPUS_SUFFIXES)
            if not inside:
                raise CorpusError(
                    f"{path}: no corpus files in this folder; expected files ending in "
                    f"{', '.join(defaults.CORPUS_SUFFIXES)}"
                )
            found.extend(inside)
        elif path.is_file():
            if path.suffix.lower() not in defaults.CORPUS_SUFFIXES:
                raise CorpusError(
                    f"{path}: unknown corpus format {path.suffix or '(no extension)'!r}; "
                    f"use a .csv, .tsv or .jsonl file"
                )
            found.append(path)
        elif path.exists():
            raise CorpusError(f"{path}: not a regular file or folder; pass a corpus file or a folder of them")
        else:
            raise CorpusError(f"{path}: no such file or folder; check the path")
    if not found:
        raise CorpusError("no corpus files given; pass one or more .csv, .tsv or .jsonl files or folders")
    return found


def load_corpus(
    paths: Iterable[str | os.PathLike[str]],
    columns: Columns | None = None,
) -> Corpus:
    """Read, validate and deduplicate labeled sentences from files or folders of files.

    Raises :class:`CorpusError` naming the file and line of the first problem found.
    """
    columns = columns or Columns()
    files = find_corpus_files(paths)
    digest = hashlib.sha256()
    n_bytes = 0
    rows: list[LabeledSentence] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CorpusError(f"{path}: cannot read ({exc.strerror}); check the file's permissions") from exc
        digest.update(hashlib.sha256(data).digest())
        n_bytes += len(data)
        rows.extend(_parse_file(path, _decode(path, data), columns))
    if not rows:
        raise CorpusError(f"{', '.join(map(str, files))}: no labeled sentences found; add rows with text and label")
    _check_label_spelling(rows)
    sentences, notes = _deduplicate(rows)
    if len({s.label for s in sentences}) < 2:
        only = sentences[0]
        if len(sentences) == 1:
            raise CorpusError(
                f"{only.where}: the corpus has a single labeled sentence; a classifier needs sentences "
                "of at least two frames: add labeled sentences"
            )
        shown = ", ".join(map(str, files[:3])) + (f" and {len(files) - 3} more files" if len(files) > 3 else "")
        raise CorpusError(
            f"{shown}: the corpus has only one frame ({only.label!r}); a classifier needs at least two "
            "frames: add labeled sentences of another frame"
        )
    return Corpus(
        sentences=tuple(sentences),
        files=tuple(str(p) for p in files),
        sha256=digest.hexdigest(),
        n_bytes=n_bytes,
        notes=tuple(notes),
    )


def check_trainable(corpus: Corpus, min_per_frame: int, why: str) -> None:
    """Raise if a frame has fewer than ``min_per_frame`` examples (``why`` says what needs them)."""
    short = [(label, n) for label, n in corpus.label_counts().items() if n < min_per_frame]
    if short:
        listed = ", ".join(f"{label!r} has {n}" for label, n in short)
        raise CorpusError(
            f"too few examples: {listed}; {why} needs at least {min_per_frame} per frame: "
            "add examples, merge the frame into another, or lower --cv-folds"
        )


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Spreadsheet programs export "Unicode text" as UTF-16 with a byte-order mark.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise CorpusError(f"{path}: not valid UTF-16 despite its byte-order mark; re-save it as UTF-8") from None
        return _check_nul(path, text)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CorpusError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save the file as UTF-8"
        ) from None
    return _check_nul(path, text)


def _check_nul(path: Path, text: str) -> str:
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise CorpusError(f"{path}:{line}: contains NUL bytes, so it is not a text corpus; check the file")
    return text


def _parse_file(path: Path, text: str, columns: Columns) -> Iterator[LabeledSentence]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _parse_jsonl(path, text, columns)
    return _parse_delimited(path, text, columns, "\t" if suffix == ".tsv" else ",")


def _require(path: Path, present: Sequence[str], name: str, option: str) -> None:
    if name not in present:
        shown = ", ".join(repr(c) for c in present) or "none"
        raise CorpusError(f"{path}: no {name!r} column (columns: {shown}); rename it or pass {option} NAME")


def _parse_delimited(path: Path, text: str, columns: Columns, delimiter: str) -> Iterator[LabeledSentence]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CorpusError(f"{path}: empty file; a corpus needs a header row and labeled sentences") from None
    except csv.Error as exc:
        raise CorpusError(f"{path}:1: malformed header ({exc}); fix the quoting") from None
    header = [h.strip() for h in header]
    _require(path, header, columns.text, "--text-column")
    _require(path, header, columns.label, "--label-column")
    index = {name: i for i, name in reversed(list(enumerate(header)))}
    width = len(header)
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CorpusError(f"{path}:{line}: malformed row ({exc}); fix the quoting") from None
        start, line = line, reader.line_num + 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            raise CorpusError(
                f"{path}:{start}: {len(row)} fields but the header has {width}; quote fields that contain the delimiter"
            )
        yield _make_row(path, start, functools.partial(_cell, row, index), columns)


def _cell(row: list[str], index: dict[str, int], name: str) -> str | None:
    return row[index[name]] if name in index else None


def _parse_jsonl(path: Path, text: str, columns: Columns) -> Iterator[LabeledSentence]:
    # Split on \n only: JSON strings may hold raw U+2028, U+0085 and the like, which splitlines() breaks on.
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        record = parse_json_line(raw, f"{path}:{number}", CorpusError)
        if not isinstance(record, dict):
            raise CorpusError(
                f"{path}:{number}: a JSON {type(record).__name__}, expected an object with text and label"
            )
        if columns.text not in record:
            _require(path, list(record), columns.text, "--text-column")
        if columns.label not in record:
            _require(path, list(record), columns.label, "--label-column")
        yield _make_row(path, number, functools.partial(_json_field, path, number, record), columns)


def _json_field(path: Path, line: int, record: dict[str, object], name: str) -> str | None:
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CorpusError(f"{path}:{line}: field {name!r} is a JSON {type(value).__name__}; use a string")
    return str(value)


def _make_row(path: Path, line: int, field_of: Callable[[str], str | None], columns: Columns) -> LabeledSentence:
    text = field_of(columns.text) or ""
    label = field_of(columns.label) or ""
    if not text.strip():
        raise CorpusError(f"{path}:{line}: empty text; fill it in or delete the row")
    if not label.strip():
        raise CorpusError(f"{path}:{line}: empty label; label the sentence or delete the row")
    doc_id = field_of(columns.group)
    source = field_of(columns.source)
    return LabeledSentence(
        text=text.strip(),
        label=label,
        doc_id=(doc_id or "").strip() or None,
        source=(source or "").strip() or None,
        file=str(path),
        line=line,
    )


def _check_label_spelling(rows: list[LabeledSentence]) -> None:
    first: dict[str, LabeledSentence] = {}
    for row in rows:
        first.setdefault(row.label, row)
    by_key: dict[str, list[str]] = defaultdict(list)
    for label in first:
        by_key[label.strip().casefold()].append(label)
    for variants in by_key.values():
        if len(variants) > 1:
            shown = " and ".join(f"{v!r} ({first[v].where})" for v in variants)
            raise CorpusError(
                f"labels {shown} differ only by case or surrounding spaces; "
                f"spell them the same, e.g. {variants[0].strip()!r}"
            )
    for label, row in first.items():
        if label != label.strip():
            raise CorpusError(f"{row.where}: label {label!r} has surrounding spaces; remove them")


def _deduplicate(rows: list[LabeledSentence]) -> tuple[list[LabeledSentence], list[str]]:
    by_text: dict[str, list[LabeledSentence]] = defaultdict(list)
    for row in rows:
        by_text[" ".join(row.text.split())].append(row)
    conflicts = [group for group in by_text.values() if len({r.label for r in group}) > 1]
    if conflicts:
        group = conflicts[0]
        listed = ", ".join(f"{r.where} ({r.label})" for r in group)
        more = f" (and {len(conflicts) - 1} more such sentences)" if len(conflicts) > 1 else ""
        raise CorpusError(f"the same sentence has conflicting labels at {listed}{more}; keep one label per sentence")
    kept: list[LabeledSentence] = []
    dropped: list[str] = []
    for row in rows:
        group = by_text[" ".join(row.text.split())]
        if group[0] is row:
            kept.append(row)
        else:
            dropped.append(row.where)
    notes = []
    if dropped:
        shown = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
        notes.append(f"{len(dropped)} exact duplicate sentence(s) with the same label ignored: {shown}")
    return kept, notes
