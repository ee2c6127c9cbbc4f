"""Standoff labels: frames for the lines of articles kept outside the project, checked against their text.

A standoff set is a folder of two JSONL files and never holds the text itself:

- ``articles.jsonl``: one object per article, ``{"article", "path", "sha256", "half", "topic"}``;
  ``path`` is relative to a data folder (the real corpora beside the project), ``sha256`` is
  the hash of the file's bytes, ``half`` is the fixed dev/test split.
- ``labels.jsonl``: one object per non-blank line, ``{"article", "line", "start", "end",
  "label"}`` and an optional ``note`` ("unsure", "boilerplate"); ``start``/``end`` are
  character offsets of the line without its surrounding whitespace.

:func:`resolve_standoff` reads the articles from the data folder, refuses any whose bytes differ
from the hash, and checks that every non-blank line has exactly one label at the right offsets.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .corpus import Columns, Corpus, LabeledSentence, load_corpus
from .errors import CorpusError, read_json_lines

ARTICLES_FILE = "articles.jsonl"
LABELS_FILE = "labels.jsonl"
HALVES = ("dev", "test")


class StandoffError(CorpusError):
    """A standoff label set is malformed, or the texts it points to are missing or different."""


@dataclass(frozen=True)
class StandoffArticle:
    """An article the labels point into, with the hash of the bytes they were made on."""

    article: str
    path: str
    sha256: str
    half: str
    topic: str


@dataclass(frozen=True)
class StandoffLabel:
    """The frame of one line of an article."""

    article: str
    line: int
    start: int
    end: int
    label: str
    notes: tuple[str, ...] = ()
    where: str = ""


@dataclass(frozen=True)
class StandoffSet:
    """The articles and line labels of a standoff folder, validated for shape but not yet resolved."""

    folder: str
    articles: tuple[StandoffArticle, ...]
    labels: tuple[StandoffLabel, ...]


@dataclass(frozen=True)
class RealSentence:
    """A labeled line with its text, resolved from the data folder."""

    text: str
    label: str
    article: str
    half: str
    topic: str
    line: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RealSet:
    """Resolved standoff sentences, in article and line order."""

    sentences: tuple[RealSentence, ...]
    folder: str

    def select(self, half: str | None = None, *, without: Iterable[str] = ()) -> RealSet:
        """The sentences of one half (``None``: both), leaving out those with any of these notes."""
        skip = set(without)
        kept = tuple(s for s in self.sentences if (half is None or s.half == half) and not skip.intersection(s.notes))
        return RealSet(kept, self.folder)

    @property
    def articles(self) -> list[str]:
        return list(dict.fromkeys(s.article for s in self.sentences))

    def corpus(self) -> Corpus:
        """The sentences as a training or evaluation corpus, one document (``doc_id``) per article."""
        where = str(Path(self.folder) / LABELS_FILE)
        rows = tuple(
            LabeledSentence(s.text, s.label, s.article, s.topic, where, n) for n, s in enumerate(self.sentences, 1)
        )
        digest = hashlib.sha256("\n".join(f"{s.article}:{s.line}:{s.label}" for s in self.sentences).encode())
        return Corpus(rows, (where,), digest.hexdigest(), sum(len(s.text) for s in self.sentences))

    def __len__(self) -> int:
        return len(self.sentences)


def load_standoff(folder: str | os.PathLike[str]) -> StandoffSet:
    """Read and validate a standoff folder's two files (no article text is read)."""
    root = Path(folder)
    if not root.is_dir():
        raise StandoffError(f"{root}: no such folder of standoff labels; check the path")
    articles = tuple(_article(where, record) for where, record in _records(root / ARTICLES_FILE))
    known = {a.article for a in articles}
    if len(known) != len(articles):
        twice = [n for n, k in Counter(a.article for a in articles).items() if k > 1]
        raise StandoffError(f"{root / ARTICLES_FILE}: article {twice[0]!r} is listed twice; list each article once")
    labels = tuple(_label(where, record, known) for where, record in _records(root / LABELS_FILE))
    return StandoffSet(str(root), articles, labels)


def resolve_standoff(standoff: StandoffSet, data: str | os.PathLike[str]) -> RealSet:
    """Attach each label's text from the data folder; refuse missing or changed articles."""
    data_root = Path(data)
    if not data_root.is_dir():
        raise StandoffError(
            f"{data_root}: no such data folder; the labels in {standoff.folder} are standoff (no text is "
            "committed) and need the corpora they were made on beside the project"
        )
    by_article: dict[str, list[StandoffLabel]] = {a.article: [] for a in standoff.articles}
    for label in standoff.labels:
        by_article[label.article].append(label)
    sentences: list[RealSentence] = []
    for article in standoff.articles:
        text = _article_text(article, data_root, standoff.folder)
        labels = sorted(by_article[article.article], key=lambda lab: lab.line)
        sentences.extend(_resolved(article, text, labels))
    return RealSet(tuple(sentences), standoff.folder)


def load_real_set(folder: str | os.PathLike[str], data: str | os.PathLike[str]) -> RealSet:
    """:func:`load_standoff` then :func:`resolve_standoff`."""
    return resolve_standoff(load_standoff(folder), data)


def is_standoff_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder holding a standoff set (both of its files)."""
    root = Path(path)
    return (root / ARTICLES_FILE).is_file() and (root / LABELS_FILE).is_file()


def load_corpora(
    paths: Iterable[str | os.PathLike[str]],
    columns: Columns | None = None,
    *,
    data: str | os.PathLike[str],
    half: str | None = None,
) -> Corpus:
    """Labeled sentences from corpus files and folders, standoff folders among them.

    Standoff folders are resolved against ``data`` and restricted to ``half`` (``None``: both);
    their lines are kept as they are (a repeated line is a real line of its article).
    """
    paths = [Path(p) for p in paths]
    standoff = [p for p in paths if is_standoff_folder(p)]
    plain = [p for p in paths if p not in standoff]
    parts = [load_corpus(plain, columns)] if plain else []
    for folder in standoff:
        chosen = load_real_set(folder, data).select(half)
        if not len(chosen):
            raise StandoffError(f"{folder}: no labeled lines in the {half!r} half; choose another half")
        parts.append(chosen.corpus())
    if len(parts) == 1:
        return parts[0]
    digest = hashlib.sha256(b"".join(part.sha256.encode("ascii") for part in parts))
    return Corpus(
        sentences=tuple(s for part in parts for s in part.sentences),
        files=tuple(f for part in parts for f in part.files),
        sha256=digest.hexdigest(),
        n_bytes=sum(part.n_bytes for part in parts),
        notes=tuple(n for part in parts for n in part.notes),
    )


def line_spans(text: str) -> Iterator[tuple[int, int, int]]:
    """``(line number, start, end)`` of each non-blank line, without surrounding whitespace."""
    position = 0
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped:
            start = position + len(line) - len(line.lstrip())
            yield number, start, start + len(stripped)
        position += len(line) + 1


def _records(path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    missing = f"missing; a standoff folder holds {ARTICLES_FILE} and {LABELS_FILE}"
    for where, record in read_json_lines(path, StandoffError, missing):
        if not isinstance(record, dict):
            raise StandoffError(f"{where}: expected a JSON object; each line must be one object")
        yield where, record


def _field(where: str, record: dict[str, object], name: str, kind: type) -> object:
    value = record.get(name)
    if type(value) is not kind or (kind is str and not value) or (kind is int and value < 0):  # type: ignore[operator]
        wanted = "a non-empty string" if kind is str else "a non-negative integer"
        raise StandoffError(f"{where}: {name!r} must be {wanted}, not {value!r}")
    return value


def _article(where: str, record: dict[str, object]) -> StandoffArticle:
    path = str(_field(where, record, "path", str))
    if Path(path).is_absolute() or ".." in Path(path).parts:
        raise StandoffError(f"{where}: 'path' {path!r} must be relative to the data folder, without '..'")
    sha = str(_field(where, record, "sha256", str))
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise StandoffError(f"{where}: 'sha256' must be 64 lowercase hex digits")
    half = str(_field(where, record, "half", str))
    if half not in HALVES:
        raise StandoffError(f"{where}: 'half' must be one of {', '.join(HALVES)}, not {half!r}")
    return StandoffArticle(str(_field(where, record, "article", str)), path, sha, half, str(record.get("topic") or ""))


def _label(where: str, record: dict[str, object], known: set[str]) -> StandoffLabel:
    article = str(_field(where, record, "article", str))
    if article not in known:
        raise StandoffError(f"{where}: article {article!r} is not listed in {ARTICLES_FILE}; add it there")
    start, end = int(_field(where, record, "start", int)), int(_field(where, record, "end", int))  # type: ignore[call-overload]
    if end <= start:
        raise StandoffError(f"{where}: 'end' ({end}) must be after 'start' ({start})")
    note = record.get("note", "")
    if not isinstance(note, str):
        raise StandoffError(f"{where}: 'note' must be a string, not {note!r}")
    notes = tuple(n.strip() for n in note.split(",") if n.strip())
    return StandoffLabel(
        article,
        int(_field(where, record, "line", int)),  # type: ignore[call-overload]
        start,
        end,
        str(_field(where, record, "label", str)),
        notes,
        where,
    )


def _article_text(article: StandoffArticle, data_root: Path, folder: str) -> str:
    path = data_root / article.path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StandoffError(
            f"{path}: missing; the labels in {folder} need article {article.article} in the data folder"
        ) from None
    except OSError as exc:
        raise StandoffError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    if hashlib.sha256(raw).hexdigest() != article.sha256:
        raise StandoffError(
            f"{path}: its text differs from the one the labels in {folder} were made on (sha256 mismatch); "
            "use the release of the corpus they name"
        )
    return raw.decode("utf-8")


def _resolved(article: StandoffArticle, text: str, labels: list[StandoffLabel]) -> Iterator[RealSentence]:
    spans = {number: (start, end) for number, start, end in line_spans(text)}
    for label in labels:
        if label.line not in spans:
            raise StandoffError(f"{label.where}: line {label.line} of {article.article} is blank or past the end")
        if spans[label.line] != (label.start, label.end):
            start, end = spans[label.line]
            raise StandoffError(
                f"{label.where}: line {label.line} of {article.article} spans {start}-{end}, "
                f"not {label.start}-{label.end}; fix the offsets"
            )
    lines = [lab.line for lab in labels]
    twice = sorted(n for n, k in Counter(lines).items() if k > 1)
    if twice:
        raise StandoffError(f"{article.article}: line {twice[0]} is labeled twice; keep one label per line")
    missing = sorted(set(spans) - set(lines))
    if missing:
        listed = ", ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else "")
        raise StandoffError(f"{article.article}: non-blank lines {listed} have no label; label every line")
    for label in labels:
        yield RealSentence(
            text[label.start : label.end], label.label, article.article, article.half, article.topic, label.line,
            label.notes,
        )  # fmt: skip


def dump_standoff(
    folder: str | os.PathLike[str], articles: Iterable[StandoffArticle], labels: Iterable[StandoffLabel]
) -> None:
    """Write a standoff folder (used to make and to test label sets)."""
    from .atomic import atomic_write

    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    with atomic_write(root / ARTICLES_FILE, "w") as handle:
        for a in articles:
            row = {"article": a.article, "path": a.path, "sha256": a.sha256, "half": a.half, "topic": a.topic}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    with atomic_write(root / LABELS_FILE, "w") as handle:
        for lab in labels:
            record: dict[str, object] = {
                "article": lab.article, "line": lab.line, "start": lab.start, "end": lab.end, "label": lab.label,
            }  # fmt: skip
            if lab.notes:
                record["note"] = ", ".join(lab.notes)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
