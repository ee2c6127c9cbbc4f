"""Turn articles plus character-offset span annotations (the PTC layout) into labeled sentences.

Layout: ``ARTICLES_DIR/<name>.txt`` and ``LABELS_DIR/<name>.labels.tsv`` (or ``<name>.tsv``),
each labels line ``ID<TAB>label<TAB>start<TAB>end`` with Python string offsets into the article
text, end exclusive. An article without spans needs an empty labels file: a missing one is an
error, because silently labeling a whole article ``none`` would corrupt a corpus.

Rules (documented in the README and the CLI help):

* A unit is a non-blank line of the article (``units="lines"``) or one of framing's own sentences
  (``units="sentences"``, :func:`framing.segment.split_sentences`). A span overlaps a unit when
  they share at least one character of the unit's stripped text.
* Binary labels: ``positive`` when any span overlaps the unit, else ``none``.
* Multi labels: the label of the overlapping span with the most characters inside the unit (ties:
  the earliest span, then the name), else ``none``. Every overlapping label is kept, sorted and
  joined with ``|``, in the ``labels`` column.
* A span whose offsets fall outside the article (or end before they start) is reported through
  ``warn`` naming the file and line, then skipped; without ``warn`` it is an error.
* The same text appearing with different labels (a republished article annotated twice, a stock
  phrase) cannot be trained on as is; with ``resolve_conflicts`` every copy gets the majority
  label of its copies (ties: a span label over ``none``, then by name), and a note says how many
  texts were relabeled.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from . import defaults
from .atomic import atomic_write
from .errors import CorpusError, OutputError
from .segment import split_sentences

Warn = Callable[[str], None]
Units = Literal["lines", "sentences"]

#: Output columns, in order.
COLUMNS = ("text", "label", "doc_id", "start", "end", "labels")
LABEL_FILE_SUFFIXES = (".labels.tsv", ".tsv")
OUTPUT_SUFFIXES = (".csv", ".tsv", ".jsonl")
_ARTICLE_PREFIX = "article"


@dataclass(frozen=True, slots=True)
class Span:
    """One annotated fragment: ``label`` on characters ``start:end`` of article ``doc_id``."""

    doc_id: str
    label: str
    start: int
    end: int
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class SpanUnit:
    """A labeled line or sentence of an article, with its offsets into the article text."""

    doc_id: str
    start: int
    end: int
    text: str
    label: str
    labels: tuple[str, ...]

    def to_row(self) -> dict[str, str | int]:
        return {
            "text": self.text,
            "label": self.label,
            "doc_id": self.doc_id,
            "start": self.start,
            "end": self.end,
            "labels": "|".join(self.labels),
        }


@dataclass(frozen=True)
class SpanImport:
    """Everything imported: the labeled units, in article then offset order, and notes for the user."""

    units: tuple[SpanUnit, ...]
    n_articles: int
    n_spans: int
    n_skipped_spans: int
    notes: tuple[str, ...] = ()

    def label_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(u.label for u in self.units).items()))


def doc_id_of(article: Path) -> str:
    """``article111.txt`` -> ``111`` (the PTC convention); any other ``name.txt`` -> ``name``."""
    stem = article.name[: -len(".txt")]
    rest = stem[len(_ARTICLE_PREFIX) :]
    return rest if stem.startswith(_ARTICLE_PREFIX) and rest else stem


def read_spans(path: Path, doc_id: str, text_length: int, warn: Warn | None) -> tuple[list[Span], int]:
    """Parse one labels file; returns the usable spans and how many were skipped as out of range."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror}); check the file's permissions") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = raw.count(b"\n", 0, exc.start) + 1
        raise CorpusError(f"{path}:{where}: not valid UTF-8; re-save the labels file as UTF-8") from None
    spans: list[Span] = []
    skipped = 0
    for number, raw_line in enumerate(content.split("\n"), 1):
        line = raw_line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise CorpusError(
                f"{path}:{number}: {len(fields)} tab-separated fields; expected ID<TAB>label<TAB>start<TAB>end"
            )
        ident, label, start_text, end_text = (f.strip() for f in fields)
        if ident != doc_id:
            raise CorpusError(
                f"{path}:{number}: article id {ident!r} does not match the article file's id {doc_id!r}; "
                "fix the id or move the line to the right labels file"
            )
        if not label:
            raise CorpusError(f"{path}:{number}: empty label; name the span's label")
        try:
            start, end = int(start_text), int(end_text)
        except ValueError:
            raise CorpusError(
                f"{path}:{number}: offsets {start_text!r} and {end_text!r} are not whole numbers; "
                "give character offsets"
            ) from None
        if not 0 <= start < end <= text_length:
            problem = (
                "ends before it starts" if end <= start else f"lies outside the article's {text_length} characters"
            )
            message = f"{path}:{number}: span {start}-{end} ({label}) {problem}; skipped"
            if warn is None:
                raise CorpusError(f"{message[: -len('; skipped')]}; fix the offsets")
            warn(message)
            skipped += 1
            continue
        spans.append(Span(doc_id, label, start, end, str(path), number))
    return spans, skipped


def find_labels_file(labels_dir: Path, article: Path) -> Path:
    stem = article.name[: -len(".txt")]
    for suffix in LABEL_FILE_SUFFIXES:
        candidate = labels_dir / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    raise CorpusError(
        f"{article}: no labels file {labels_dir / (stem + LABEL_FILE_SUFFIXES[0])}; "
        "create an empty one if the article has no spans"
    )


def iter_units(text: str, units: Units) -> Iterable[tuple[int, int, str]]:
    """(start, end, text) of each unit, stripped of surrounding whitespace and byte-order marks."""
    if units == "sentences":
        for sentence in split_sentences(text):
            yield from _stripped(sentence.start, sentence.text)
        return
    position = 0
    for line in text.split("\n"):
        yield from _stripped(position, line)
        position += len(line) + 1


def _stripped(start: int, chunk: str) -> Iterable[tuple[int, int, str]]:
    lead = len(chunk) - len(chunk.lstrip(_BLANK))
    kept = chunk.strip(_BLANK)
    if kept:
        yield start + lead, start + lead + len(kept), kept


# str.strip() keeps U+FEFF (a byte-order mark left at the start of a file); it is not text.
_BLANK = " \t\n\r\x0b\x0c\u00a0\ufeff\u200b"


def label_unit(start: int, end: int, spans: Sequence[Span], positive: str | None) -> tuple[str, tuple[str, ...]]:
    """The unit's label (binary when ``positive`` is given, else longest overlap) and all its labels."""
    overlaps = [(min(end, s.end) - max(start, s.start), s) for s in spans if s.start < end and s.end > start]
    if not overlaps:
        return defaults.SPAN_NEGATIVE_LABEL, ()
    labels = tuple(sorted({s.label for _, s in overlaps}))
    if positive is not None:
        return positive, labels
    _, best = min(overlaps, key=lambda o: (-o[0], o[1].start, o[1].label))
    return best.label, labels


def import_spans(
    articles_dir: str | os.PathLike[str],
    labels_dir: str | os.PathLike[str],
    *,
    units: Units = "lines",
    positive: str | None = None,
    resolve_conflicts: bool = True,
    warn: Warn | None = None,
) -> SpanImport:
    """Label every unit of every ``*.txt`` article in ``articles_dir`` from its spans in ``labels_dir``.

    ``positive`` makes the labels binary (``positive`` / ``none``); without it they are the span
    labels. See the module docstring for the rules.
    """
    if units not in ("lines", "sentences"):
        raise CorpusError(f"unknown units {units!r}; use 'lines' or 'sentences'")
    if positive is not None and (not positive.strip() or positive != positive.strip()):
        raise CorpusError(f"--binary {positive!r}: give a label name without surrounding spaces")
    if positive == defaults.SPAN_NEGATIVE_LABEL:
        raise CorpusError(f"--binary {positive!r}: that name is the negative label; choose another, e.g. propaganda")
    articles_path, labels_path = Path(articles_dir), Path(labels_dir)
    for folder, what in ((articles_path, "articles"), (labels_path, "labels")):
        if not folder.is_dir():
            raise CorpusError(f"{folder}: no such folder; pass the {what} folder")
    articles = sorted(p for p in articles_path.iterdir() if p.name.endswith(".txt") and p.is_file())
    if not articles:
        raise CorpusError(
            f"{articles_path}: no .txt articles in this folder; pass the folder holding articleID.txt files"
        )
    out: list[SpanUnit] = []
    n_spans = n_skipped = 0
    seen_ids: dict[str, Path] = {}
    for article in articles:
        doc_id = doc_id_of(article)
        if doc_id in seen_ids:
            raise CorpusError(f"{article}: article id {doc_id!r} also used by {seen_ids[doc_id]}; rename one")
        seen_ids[doc_id] = article
        text = _read_article(article)
        spans, skipped = read_spans(find_labels_file(labels_path, article), doc_id, len(text), warn)
        n_spans += len(spans)
        n_skipped += skipped
        for start, end, chunk in iter_units(text, units):
            label, labels = label_unit(start, end, spans, positive)
            out.append(SpanUnit(doc_id, start, end, chunk, label, labels))
    notes = _orphan_notes(labels_path, {a.name[: -len(".txt")] for a in articles})
    if resolve_conflicts:
        out, relabeled = resolve_label_conflicts(out)
        if relabeled:
            notes.append(
                f"{relabeled} text(s) appear more than once with different labels; every copy now has "
                "the majority label of its copies (ties: the span label)"
            )
    return SpanImport(tuple(out), len(articles), n_spans, n_skipped, tuple(notes))


def resolve_label_conflicts(rows: Sequence[SpanUnit]) -> tuple[list[SpanUnit], int]:
    """Give every copy of a text the same label: the majority label (ties: a span label over ``none``, then by name)."""
    by_text: dict[str, list[SpanUnit]] = defaultdict(list)
    for row in rows:
        by_text[" ".join(row.text.split())].append(row)
    chosen: dict[str, str] = {}
    for key, copies in by_text.items():
        if len({c.label for c in copies}) > 1:
            counts = Counter(c.label for c in copies)
            chosen[key] = min(counts, key=lambda label: (-counts[label], label == defaults.SPAN_NEGATIVE_LABEL, label))
    resolved = [
        replace(row, label=chosen[key]) if (key := " ".join(row.text.split())) in chosen else row for row in rows
    ]
    return resolved, len(chosen)


def write_units(path: str | os.PathLike[str], units: Iterable[SpanUnit]) -> int:
    """Write units as CSV, TSV or JSONL (by ``path``'s suffix), atomically; returns the row count."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise OutputError(
            f"{target}: unknown output format {target.suffix or '(no extension)'!r}; "
            f"name the file with {', '.join(OUTPUT_SUFFIXES)}"
        )
    buffer = io.StringIO()
    count = 0
    if suffix == ".jsonl":
        for unit in units:
            buffer.write(json.dumps(unit.to_row(), ensure_ascii=False) + "\n")
            count += 1
    else:
        writer = csv.DictWriter(buffer, COLUMNS, delimiter="\t" if suffix == ".tsv" else ",", lineterminator="\n")
        writer.writeheader()
        for unit in units:
            writer.writerow(unit.to_row())
            count += 1
    with atomic_write(target) as handle:
        handle.write(buffer.getvalue())
    return count


def _read_article(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror}); check the file's permissions") from None
    try:
        # Plain UTF-8, BOM kept: span offsets count every character of the file as Python reads it.
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CorpusError(f"{path}:{line}: not valid UTF-8; re-save the article as UTF-8") from None


def _orphan_notes(labels_dir: Path, stems: set[str]) -> list[str]:
    orphans = []
    for path in sorted(labels_dir.iterdir()):
        name = path.name
        suffix = next((s for s in LABEL_FILE_SUFFIXES if name.endswith(s)), None)
        if suffix is not None and path.is_file() and name[: -len(suffix)] not in stems:
            orphans.append(name)
    if not orphans:
        return []
    shown = ", ".join(orphans[:3]) + (f" and {len(orphans) - 3} more" if len(orphans) > 3 else "")
    return [f"{len(orphans)} labels file(s) without an article were ignored: {shown}"]
