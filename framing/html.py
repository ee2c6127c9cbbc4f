"""Render classified documents and evaluation reports as one self-contained, escaped HTML file.

The file makes no network requests (a Content-Security-Policy forbids them), carries its CSS and
a small script inline, and escapes every piece of input text, so a document containing
``<script>`` shows as text. Frames are told apart by colour, by a short code after every
sentence and by border styles and bar patterns, so the report also reads in black-and-white
print and for colour-blind readers. Large collections stay light: one shared tooltip element,
per-sentence details in data attributes, no per-sentence scripts or styles.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__, defaults
from .atomic import atomic_write
from .codebook import Codebook, codebook_from_labels

if TYPE_CHECKING:
    import os

    from .classify import ClassifiedSentence, Document
    from .documents import DocumentText
    from .metrics import EvaluationReport
    from .model import FramingModel
    from .quantify import AggregateEstimate, GroupedEstimate, GroupEstimate

#: Sentences explained per batch: bounds the feature matrix held at once.
EXPLAIN_BATCH = 2048
#: Bar segments narrower than this share carry no code inside (the key below the bar lists them).
BAR_LABEL_MIN = 0.07
#: Tint of a highlighted sentence: the frame colour at this opacity (hex alpha), so text stays readable.
TINT_ALPHA = "38"
UNCLASSIFIED_CODE = "?"
NEUTRAL_COLOUR = "#8A8A8A"

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Characters HTML forbids or that cannot be encoded (lone surrogates from JSON input): shown as U+FFFD.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Border styles under highlighted sentences and stripe patterns in bars: cues besides colour.
_BORDERS = ("solid", "dashed", "dotted", "double")
_PATTERNS = (
    "none",
    "repeating-linear-gradient(45deg,{s} 0 3px,transparent 3px 8px)",
    "repeating-linear-gradient(0deg,{s} 0 3px,transparent 3px 8px)",
    "repeating-linear-gradient(90deg,{s} 0 3px,transparent 3px 8px)",
    "repeating-linear-gradient(-45deg,{s} 0 3px,transparent 3px 8px)",
    "repeating-radial-gradient(circle at 0 0,{s} 0 2px,transparent 2px 6px)",
    "repeating-linear-gradient(45deg,{s} 0 2px,transparent 2px 9px),"
    "repeating-linear-gradient(-45deg,{s} 0 2px,transparent 2px 9px)",
    "repeating-linear-gradient(45deg,{s} 0 7px,transparent 7px 14px)",
)


def esc(value: object) -> str:
    """Text safe inside HTML elements and double-quoted attributes."""
    return escape(_INVALID.sub("\ufffd", str(value)), quote=True)


# -- frames: colour, code, border and pattern ----------------------------------------------------
@dataclass(frozen=True)
class FrameStyle:
    """How one frame is drawn: CSS class, colour, short code and title."""

    id: str
    title: str
    definition: str
    colour: str
    code: str
    css_class: str
    border: str
    pattern: str

    @property
    def name(self) -> str:
        return self.id if self.title == self.id else f"{self.title} ({self.id})"


def frame_codes(frame_ids: Sequence[str]) -> dict[str, str]:
    """Short unique codes (ASCII letters and digits only): initials of multi-word ids, else 3 letters."""
    codes: dict[str, str] = {}
    used: set[str] = set()
    for n, frame in enumerate(frame_ids, 1):
        parts = re.findall(r"[A-Za-z0-9]+", frame)
        if len(parts) > 1:
            base = "".join(p[0] for p in parts[:4]).upper()
        elif parts:
            base = parts[0][:3].upper()
        else:
            base = f"F{n}"
        code, k = base, 2
        while code in used or code == UNCLASSIFIED_CODE:
            code, k = f"{base}{k}", k + 1
        used.add(code)
        codes[frame] = code
    return codes


def frame_styles(frame_ids: Sequence[str], codebook: Codebook | None) -> dict[str, FrameStyle]:
    """A style for each frame, in order, plus ``unclassified`` (neutral grey, dotted, code ``?``)."""
    book = codebook or codebook_from_labels(frame_ids)
    codes = frame_codes(frame_ids)
    styles: dict[str, FrameStyle] = {}
    for i, frame_id in enumerate(frame_ids):
        frame = book.get(frame_id)
        colour = frame.colour if frame and _COLOUR.match(frame.colour) else NEUTRAL_COLOUR
        stripe = "#0006" if _luminance(colour) > 0.45 else "#fff9"
        styles[frame_id] = FrameStyle(
            id=frame_id,
            title=frame.title if frame else frame_id,
            definition=frame.definition if frame else "",
            colour=colour.upper(),
            code=codes[frame_id],
            css_class=f"f{i}",
            border=_BORDERS[i % len(_BORDERS)],
            pattern=_PATTERNS[i % len(_PATTERNS)].format(s=stripe),
        )
    styles[defaults.UNCLASSIFIED] = FrameStyle(
        id=defaults.UNCLASSIFIED,
        title=defaults.UNCLASSIFIED,
        definition="below the --min-confidence threshold: no frame assigned",
        colour=NEUTRAL_COLOUR,
        code=UNCLASSIFIED_CODE,
        css_class="fu",
        border="dotted",
        pattern="none",
    )
    return styles


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _chip(style: FrameStyle) -> str:
    """The frame's code in a small box of its colour and border style."""
    return f"<span class='k {style.css_class}'>{esc(style.code)}</span>"


def _score_cell(value: Any, interval: Any) -> str:
    """A score with its interval (``[low, high]``), three decimals."""
    return f"<td class=num>{_num(value)} <span class=meta>{_interval_text(*_pair(interval), percent=False)}</span></td>"


def _style_of(styles: Mapping[str, FrameStyle], frame: str) -> FrameStyle:
    """The frame's style; a frame the styles lack (an unknown label) is drawn neutral under its own name."""
    found = styles.get(frame)
    if found is not None:
        return found
    neutral = styles[defaults.UNCLASSIFIED]
    return FrameStyle(frame, frame, "", NEUTRAL_COLOUR, neutral.code, "fu", "dotted", "none")


def _frame_css(styles: Mapping[str, FrameStyle]) -> str:
    rules = []
    for style in styles.values():
        tint = "transparent" if style.css_class == "fu" else f"{style.colour}{TINT_ALPHA}"
        # Codes are ASCII letters and digits (or "?"), so they are safe inside a CSS string.
        rules.append(
            f'.{style.css_class}{{--c:{style.colour};--t:{tint};--bs:{style.border};--l:"{style.code}";'
            f"--pat:{style.pattern}}}"
        )
    widths = "".join(f".w{p}{{--w:{p}%}}" for p in range(101))
    return "\n".join(rules) + "\n" + widths


# -- per-sentence n-grams for the tooltips ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SentenceTip:
    """What a sentence's tooltip shows besides its frame: the model's choice, runner-up and n-grams."""

    choice: str
    runner_up: str
    runner_up_confidence: float
    ngrams: tuple[tuple[str, str, float], ...]


def sentence_tips(
    model: FramingModel, documents: Sequence[Document], top: int = defaults.HTML_NGRAMS
) -> list[list[SentenceTip]]:
    """Per document, per sentence: the n-grams that pushed it toward its frame over the runner-up.

    The same contributions as :mod:`framing.explain` (x_j · (w_frame,j − w_runner-up,j)), computed
    for a whole batch at once: featurising once and ranking with array operations keeps a
    1,000-article report from costing several times its classification.
    """
    from .explain import feature_names

    texts = [s.text for d in documents for s in d.sentences]
    frames = model.frames
    if not texts:
        return [[] for _ in documents]
    assert model.coef_ is not None
    names, kinds = feature_names(model)
    proba = np.asarray([[s.scores[f] for f in frames] for d in documents for s in d.sentences], dtype=float)
    chosen, _ = model.decide(proba)
    rest = proba.copy()
    rest[np.arange(len(rest)), chosen] = -np.inf
    runner = rest.argmax(axis=1)
    tips: list[SentenceTip] = []
    for lo in range(0, len(texts), EXPLAIN_BATCH):
        hi = min(lo + EXPLAIN_BATCH, len(texts))
        features = model.transform(texts[lo:hi]).tocsr()
        rows = np.repeat(np.arange(hi - lo), np.diff(features.indptr))
        c, r = chosen[lo:hi][rows], runner[lo:hi][rows]
        cols = features.indices
        if model.coef_.shape[0] == 1:
            # Binary: one weight row, the log-odds of frame 1 over frame 0.
            weights = np.where(c == 1, 1.0, -1.0) * model.coef_[0, cols]
        else:
            weights = model.coef_[c, cols] - model.coef_[r, cols]
        contributions = features.data * weights
        # Only n-grams that pushed toward the frame; sorted by sentence, then largest first.
        positive = np.flatnonzero(contributions > 0)
        order = positive[np.lexsort((-contributions[positive], rows[positive]))]
        sorted_rows = rows[order]
        rank = np.arange(len(order)) - np.searchsorted(sorted_rows, sorted_rows)
        keep = order[rank < top]
        best: list[list[tuple[str, str, float]]] = [[] for _ in range(hi - lo)]
        for j in keep:
            best[rows[j]].append((str(names[cols[j]]), str(kinds[cols[j]]), float(contributions[j])))
        for i in range(hi - lo):
            row = lo + i
            tips.append(
                SentenceTip(
                    frames[int(chosen[row])],
                    frames[int(runner[row])],
                    float(proba[row, runner[row]]),
                    tuple(best[i]),
                )
            )
    out, position = [], 0
    for document in documents:
        out.append(tips[position : position + document.n_sentences])
        position += document.n_sentences
    return out


def _ngram_text(ngram: str, kind: str, weight: float) -> str:
    shown = f"“{ngram}”" if kind == "word" else f"‹{ngram.replace(' ', '␣')}›"
    return f"{shown} +{weight:.2f}"


def keep_texts(documents: Iterable[DocumentText], into: list[str]) -> Iterator[DocumentText]:
    """Pass documents through, appending each text to ``into`` (the report shows the original layout)."""
    for document in documents:
        into.append(document.text)
        yield document


# -- classify report -------------------------------------------------------------------------------
def classify_html(
    documents: Sequence[Document],
    model: FramingModel,
    *,
    texts: Sequence[str | None] | None = None,
    tips: Sequence[Sequence[SentenceTip]] | None = None,
    aggregate: AggregateEstimate | None = None,
    aggregate_note: str | None = None,
    grouped: GroupedEstimate | None = None,
    min_confidence: float = defaults.MIN_CONFIDENCE,
    title: str | None = None,
) -> str:
    """The whole report: legend, overview table, overall proportions, then each document.

    ``texts`` (the original document texts, in order) keep paragraph breaks; without them,
    sentences are joined by spaces. ``tips`` add each sentence's runner-up and n-grams.
    """
    frames = model.display_frames
    styles = frame_styles(frames, model.codebook_)
    n_sentences = sum(d.n_sentences for d in documents)
    title = title or (
        f"Frames in {documents[0].id}" if len(documents) == 1 else f"Frames in {len(documents)} documents"
    )
    info = model.describe()
    book = model.codebook_
    about = [f"{len(documents)} document{'s' if len(documents) != 1 else ''}", f"{n_sentences} sentences"]
    if book is not None and book.name:
        about.append(f"codebook {book.name}" + (f" v{book.version}" if book.version else ""))
    if info.get("created"):
        about.append(f"model trained {info['created']}")
    if min_confidence > 0:
        about.append(f"--min-confidence {min_confidence:g}")
    parts = [
        f"<header><h1>{esc(title)}</h1><p class=meta>{esc(' · '.join(about))}</p>",
        "<p class=help>Each sentence is highlighted in its frame's colour and tagged with the frame's code. "
        "Hover over a sentence, or focus it with Tab (then ← →), to see its frame, the model's confidence "
        "and the n-grams behind it.</p>",
        _definitions(styles, frames),
        "</header>",
    ]
    if not documents:
        parts.append("<p>No documents.</p>")
    if len(documents) > 1:
        parts.append(_overview(documents, styles))
    if documents and (len(documents) > 1 or aggregate is not None):
        parts.append(_overall(documents, styles, aggregate, aggregate_note))
    if grouped is not None:
        parts.append(_grouped(grouped, styles))
    for n, document in enumerate(documents, 1):
        text = texts[n - 1] if texts is not None and n - 1 < len(texts) else None
        doc_tips = tips[n - 1] if tips is not None else None
        parts.append(_document_section(n, document, styles, text, doc_tips, min_confidence, len(documents) > 1))
    shown = [*frames, *([defaults.UNCLASSIFIED] if _has_unclassified(documents) else [])]
    return _page(title, styles, shown, "\n".join(parts))


def write_classify_html(
    path: str | os.PathLike[str],
    documents: Sequence[Document],
    model: FramingModel,
    *,
    texts: Sequence[str | None] | None = None,
    min_confidence: float = defaults.MIN_CONFIDENCE,
    title: str | None = None,
    grouped: GroupedEstimate | None = None,
) -> None:
    """Explain every sentence, estimate the overall proportions, and write the report atomically."""
    from .errors import FramingError
    from .quantify import aggregate_documents

    tips = sentence_tips(model, documents)
    aggregate, note = None, None
    if documents:
        try:
            aggregate = aggregate_documents(model, documents)
        except FramingError as exc:
            note = str(exc)
    page = classify_html(
        documents,
        model,
        texts=texts,
        tips=tips,
        aggregate=aggregate,
        aggregate_note=note,
        grouped=grouped,
        min_confidence=min_confidence,
        title=title,
    )
    with atomic_write(path) as handle:
        handle.write(page)


def _has_unclassified(documents: Sequence[Document]) -> bool:
    return any(s.frame == defaults.UNCLASSIFIED for d in documents for s in d.sentences)


def _definitions(styles: Mapping[str, FrameStyle], frames: Sequence[str]) -> str:
    items = "".join(
        f"<dt>{_chip(s)} {esc(s.title)} <code>{esc(s.id)}</code></dt>"
        f"<dd>{esc(s.definition) or '<span class=meta>(no definition)</span>'}</dd>"
        for s in (styles[f] for f in frames)
    )
    return f"<details class=defs><summary>What the frames mean</summary><dl>{items}</dl></details>"


def _legend(styles: Mapping[str, FrameStyle], shown: Sequence[str]) -> str:
    items = "".join(
        f'<span class=li data-k={s.css_class} data-f="{esc(s.id)}" data-title="{esc(s.title)}" '
        f'data-name="{esc(s.name)}">'
        f"{_chip(s)} {esc(s.title)}</span>"
        for s in (_style_of(styles, f) for f in shown)
    )
    toggle = "<label class=noprint><input type=checkbox id=codes checked> codes</label>"
    return f"<nav id=legend aria-label='Frame legend'><b>Frames</b> {items} {toggle}</nav>"


def _bar(proportions: Mapping[str, float], styles: Mapping[str, FrameStyle], what: str) -> str:
    segments, spoken = [], []
    for frame, share in proportions.items():
        if share <= 0:
            continue
        style = _style_of(styles, frame)
        code = f"<span>{esc(style.code)}</span>" if share >= BAR_LABEL_MIN else ""
        segments.append(f"<div class='seg {style.css_class}' style='width:{share * 100:.3f}%'>{code}</div>")
        spoken.append(f"{style.title} {share:.0%}")
    label = f"{what}: " + (", ".join(spoken) if spoken else "no sentences")
    return f'<div class=bar role=img aria-label="{esc(label)}">{"".join(segments)}</div>'


def _key(proportions: Mapping[str, float], counts: Mapping[str, int], styles: Mapping[str, FrameStyle]) -> str:
    items = "".join(
        f"<li>{_chip(s)} {esc(s.title)} <b>{share:.0%}</b> <span class=meta>({counts.get(frame, 0)})</span></li>"
        for frame, share in proportions.items()
        if share > 0
        for s in (_style_of(styles, frame),)
    )
    return f"<ul class=key>{items}</ul>"


def _document_section(
    n: int,
    document: Document,
    styles: Mapping[str, FrameStyle],
    text: str | None,
    tips: Sequence[SentenceTip] | None,
    min_confidence: float,
    linked: bool,
) -> str:
    counts = Counter(s.frame for s in document.sentences)
    meta = [f"{document.n_sentences} sentence{'s' if document.n_sentences != 1 else ''}"]
    if document.path and document.path != document.id:
        meta.append(document.path)
    # Off-screen sections are neither styled nor laid out (content-visibility); a size estimate
    # keeps the scrollbar honest until they are.
    lines = sum(len(s.text) for s in document.sentences) / 80 + document.n_sentences / 3
    head = (
        f"<section class=doc id=d{n} aria-labelledby=h{n} style='contain-intrinsic-size:auto {200 + lines * 33:.0f}px'>"
        f"<h2 id=h{n}><span class=n>{n}.</span> {esc(document.id)}</h2>"
        f"<p class=meta>{esc(' · '.join(meta))}</p>"
    )
    if not document.sentences:
        return head + "<p class=meta>No sentences: the document is empty.</p></section>"
    proportions = document.proportions
    body = _sentences_html(document.sentences, styles, text, tips, min_confidence)
    back = "<p class='back noprint'><a href=#overview>↑ overview</a></p>" if linked else ""
    return (
        head
        + _bar(proportions, styles, "Frame proportions")
        + _key(proportions, counts, styles)
        + f"<p class=text>{body}</p>{back}</section>"
    )


def _sentences_html(
    sentences: Sequence[ClassifiedSentence],
    styles: Mapping[str, FrameStyle],
    text: str | None,
    tips: Sequence[SentenceTip] | None,
    min_confidence: float,
) -> str:
    if text is not None and any(text[s.start : s.end] != s.text for s in sentences):
        text = None  # not this document's text: fall back to spaces between sentences
    out: list[str] = []
    previous_end: int | None = None
    for i, sentence in enumerate(sentences):
        if previous_end is not None:
            out.append(_gap(text[previous_end : sentence.start] if text is not None else None))
        previous_end = sentence.end
        style = _style_of(styles, sentence.frame)
        attrs = f" data-c={sentence.confidence:.2f}"
        tip = tips[i] if tips is not None and i < len(tips) else None
        if tip is not None:
            if sentence.frame == defaults.UNCLASSIFIED:
                attrs += f' data-g="{esc(tip.choice)}" data-m={min_confidence:g}'
            attrs += f' data-r="{esc(tip.runner_up)} {tip.runner_up_confidence:.2f}"'
            if tip.ngrams:
                attrs += ' data-n="' + esc(" · ".join(_ngram_text(*g) for g in tip.ngrams)) + '"'
        out.append(f"<span class='s {style.css_class}' tabindex=0{attrs}>{esc(sentence.text)}</span>")
    return "".join(out)


def _gap(raw: str | None) -> str:
    """Whitespace between two sentences: a paragraph break, a line break or a space (``pre-line``)."""
    if raw is None:
        return " "
    breaks = len(_LINE_BREAKS.findall(raw))
    return "\n\n" if breaks >= 2 else "\n" if breaks == 1 else " " if raw else ""


def _overview(documents: Sequence[Document], styles: Mapping[str, FrameStyle]) -> str:
    columns = list(documents[0].proportions)
    for document in documents[1:]:
        columns += [f for f in document.proportions if f not in columns]
    heads = "".join(
        f'<th aria-sort=none><button title="{esc(s.name)}" aria-label="sort by share of {esc(s.title)}">'
        f"{_chip(s)}</button></th>"
        for s in (_style_of(styles, f) for f in columns)
    )
    rows = []
    for n, document in enumerate(documents, 1):
        cells = "".join(
            f"<td class='pc {_style_of(styles, f).css_class} w{round(share * 100)}'>{share * 100:.0f}</td>"
            for f in columns
            for share in (document.proportions.get(f, 0.0),)
        )
        rows.append(
            f"<tr><td>{n}</td><td><a href=#d{n}>{esc(document.id)}</a></td><td>{document.n_sentences}</td>{cells}</tr>"
        )
    return (
        "<section id=overview aria-labelledby=overview-h><h2 id=overview-h>Documents</h2>"
        "<p class=meta>Share of each document's sentences per frame, in %. Choose a column heading to sort; "
        "a document's name links to its text.</p>"
        "<div class=scroll><table class='ov sortable'><thead><tr>"
        "<th aria-sort=ascending><button aria-label='sort by position'>#</button></th>"
        "<th aria-sort=none class=txt><button aria-label='sort by document name'>document</button></th>"
        "<th aria-sort=none><button aria-label='sort by number of sentences'>sentences</button></th>"
        f"{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _overall(
    documents: Sequence[Document],
    styles: Mapping[str, FrameStyle],
    aggregate: AggregateEstimate | None,
    note: str | None,
) -> str:
    counts = Counter(s.frame for d in documents for s in d.sentences)
    total = sum(counts.values())
    frames = [f for f in styles if f != defaults.UNCLASSIFIED or counts[f]]
    shares = {f: counts[f] / total if total else 0.0 for f in frames}
    short = {
        "classify_and_count": "counted",
        "probabilistic_count": "mean prob. (PCC)",
        "adjusted": "adjusted (ACC)",
        "probabilistic_adjusted": "adjusted (PACC)",
    }
    estimates = list(aggregate.estimates) if aggregate is not None else []
    level = f"{aggregate.level:.0%}" if aggregate is not None else ""
    # The counted estimate equals the highlighted shares unless --min-confidence left sentences out.
    highlighted = not estimates or counts[defaults.UNCLASSIFIED] > 0
    heads = (
        "<th>frame</th>"
        + ("<th>highlighted</th>" if highlighted else "")
        + "".join(
            f"<th>{esc(short.get(e.method, e.method))} <span class=meta>[{level} interval]</span></th>"
            for e in estimates
        )
    )
    rows = []
    for frame in frames:
        style = _style_of(styles, frame)
        cells = f"<td class=num>{shares[frame]:.1%}</td>" if highlighted else ""
        for estimate in estimates:
            value = estimate.proportions.get(frame)
            interval = estimate.intervals.get(frame)
            if value is None:
                cells += "<td class=meta>–</td>"
                continue
            low, high = (interval.low, interval.high) if interval is not None else (None, None)
            shown = f"{value:.1%} <span class=meta>{_interval_text(low, high)}</span>"
            cells += f"<td class=num>{shown}{_ci_bar(style, value, low, high)}</td>"
        rows.append(f"<tr><th scope=row>{_chip(style)} {esc(style.title)}</th>{cells}</tr>")
    notes = ["<li><b>highlighted</b>: share of all sentences shown with each frame below</li>"] if highlighted else []
    notes += [f"<li>{esc(e.label)}</li>" for e in estimates]
    if aggregate is not None:
        notes.append(
            f"<li>intervals: {aggregate.samples} bootstrap resamples of the {esc(aggregate.resampled)}; "
            "adjusted estimates count every sentence, whatever its confidence</li>"
        )
        notes += [f"<li class=note>{esc(n)}</li>" for n in aggregate.notes]
    if note:
        notes.append(f"<li class=note>{esc(note)}</li>")
    what = "all documents" if len(documents) != 1 else "the document"
    return (
        f"<section id=overall aria-labelledby=overall-h><h2 id=overall-h>Frame proportions over {what}</h2>"
        f"<p class=meta>{len(documents)} document{'s' if len(documents) != 1 else ''}, {total} sentences</p>"
        + _bar(shares, styles, "Frame proportions over all sentences")
        + f"<div class=scroll><table class=agg><thead><tr>{heads}</tr></thead>"
        + f"<tbody>{''.join(rows)}</tbody></table></div>"
        + f"<ul class=notes>{''.join(notes)}</ul></section>"
    )


def _grouped(grouped: GroupedEstimate, styles: Mapping[str, FrameStyle]) -> str:
    """Per group: a line chart per frame over the periods (with interval bands), and stacked bars."""
    from .groups import MISSING
    from .quantify import LABELS

    method = grouped.recommended
    by = " × ".join(grouped.fields) + (f" (by {grouped.period})" if grouped.period else "")
    parts = [
        f"<section id=groups aria-labelledby=groups-h><h2 id=groups-h>Frame proportions by {esc(by)}</h2>",
        f"<p class=meta>{len(grouped.groups)} groups; shares by {esc(LABELS[method])}, with their "
        f"{grouped.overall.level:.0%} intervals ({grouped.overall.samples} bootstrap resamples of each group's "
        "documents)</p>",
    ]
    timeline = [g for g in grouped.groups if MISSING not in g.group]
    if grouped.period is not None and len(timeline) > 1:
        parts.append("<div class=trends>")
        for frame in grouped.overall.frames:
            parts.append(_trend_svg(frame, timeline, method, _style_of(styles, frame)))
        parts.append("</div>")
    rows = []
    for group in grouped.groups:
        chosen = group.estimate.get(method)
        if chosen is None:
            continue
        name = " / ".join(group.group)
        flags = "".join(f"<li class=note>{esc(flag)}</li>" for flag in group.flags)
        rows.append(
            f"<div class=grp><h3>{esc(name)} <span class=meta>{group.estimate.n_documents} documents, "
            f"{group.estimate.n_sentences} sentences</span></h3>"
            + _bar(chosen.proportions, styles, f"Frame proportions of {name}")
            + (f"<ul class=notes>{flags}</ul>" if flags else "")
            + "</div>"
        )
    parts.append("".join(rows))
    if grouped.notes:
        parts.append("<ul class=notes>" + "".join(f"<li class=note>{esc(n)}</li>" for n in grouped.notes) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def _trend_svg(frame: str, groups: Sequence[GroupEstimate], method: str, style: FrameStyle) -> str:
    """One frame's share over the periods: the estimate as a line, its interval as a band."""
    width, height, left, top, bottom = 300, 150, 40, 22, 30
    inner_w, inner_h = width - left - 10, height - top - bottom
    points = []
    for group in groups:
        chosen = group.estimate.get(method)
        assert chosen is not None
        interval = chosen.intervals[frame]
        points.append((group.group, chosen.proportions[frame], interval.low, interval.high))
    ceiling = max([p[1] for p in points] + [p[3] for p in points if p[3] is not None] + [0.05])
    ceiling = min(1.0, math.ceil(ceiling * 10) / 10)

    def x(i: int) -> float:
        return left + inner_w * i / max(len(points) - 1, 1)

    def y(v: float) -> float:
        return top + inner_h * (1 - v / ceiling)

    upper = [f"{x(i):.1f},{y(p[3]):.1f}" for i, p in enumerate(points) if p[3] is not None]
    lower = [f"{x(i):.1f},{y(p[2]):.1f}" for i, p in reversed(list(enumerate(points))) if p[2] is not None]
    band = f"<polygon class=band points='{' '.join(upper + lower)}' />" if upper and lower else ""
    line = " ".join(f"{x(i):.1f},{y(p[1]):.1f}" for i, p in enumerate(points))
    dots = "".join(
        f"<circle cx={x(i):.1f} cy={y(p[1]):.1f} r=2.5><title>{esc(' / '.join(p[0]))}: {p[1]:.1%} "
        f"{esc(_interval_text(p[2], p[3]))}</title></circle>"
        for i, p in enumerate(points)
    )
    first, last = " / ".join(points[0][0]), " / ".join(points[-1][0])
    return (
        f"<figure class='trend {style.css_class}'><svg viewBox='0 0 {width} {height}' width={width} "
        f"height={height} role=img aria-label='{esc(style.title)}: share by period, {esc(first)} to {esc(last)}'>"
        f"<text x={left} y=14 class=t>{esc(style.title)}</text>"
        f"<line class=grid x1={left} y1={y(0):.1f} x2={left + inner_w} y2={y(0):.1f} />"
        f"<line class=grid x1={left} y1={y(ceiling):.1f} x2={left + inner_w} y2={y(ceiling):.1f} />"
        f"<text x={left - 4} y={y(0) + 4:.1f} text-anchor=end>0%</text>"
        f"<text x={left - 4} y={y(ceiling) + 4:.1f} text-anchor=end>{ceiling:.0%}</text>"
        f"{band}<polyline class=line points='{line}' />{dots}"
        f"<text x={left} y={height - 8} text-anchor=start>{esc(first)}</text>"
        f"<text x={left + inner_w} y={height - 8} text-anchor=end>{esc(last)}</text>"
        "</svg></figure>"
    )


def _interval_text(low: float | None, high: float | None, percent: bool = True) -> str:
    if low is None or high is None:
        return "[undefined]"
    return f"[{low:.1%}–{high:.1%}]" if percent else f"[{low:.3f}–{high:.3f}]"


def _ci_bar(style: FrameStyle, value: float, low: float | None, high: float | None) -> str:
    whisker = ""
    if low is not None and high is not None:
        whisker = f"<b style='left:{low * 100:.2f}%;width:{max(high - low, 0) * 100:.2f}%'></b>"
    return f"<div class='ci {style.css_class}' aria-hidden=true><i style='width:{value * 100:.2f}%'></i>{whisker}</div>"


# -- evaluate report -------------------------------------------------------------------------------
def evaluation_html(report: EvaluationReport, codebook: Codebook | None = None, title: str | None = None) -> str:
    """Headline scores, per-frame metrics, confusion heat map, calibration plot and mistakes."""
    labels = list(report.labels)
    styles = frame_styles(labels, codebook)
    extras = report.extras
    title = title or f"Evaluation ({report.method}, {report.n} sentences)"
    parts = [
        f"<header><h1>{esc(title)}</h1><p class=meta>framing {esc(__version__)} · {esc(report.method)} · "
        f"{report.n} sentences</p>{_definitions(styles, labels)}</header>",
        _headline(report, _dict(extras.get("intervals"))),
        _per_frame(report, styles, _dict(extras.get("intervals"))),
        _confusion(report, styles),
        _calibration(_dict(extras.get("calibration"))),
        _coverage(extras.get("coverage")),
        _mistakes(extras.get("confused_pairs"), _dict(extras.get("errors")), styles),
        _per_source(extras.get("per_source")),
        _document_error(_dict(extras.get("documents")), styles),
        _top_ngrams(_dict(extras.get("top_ngrams")), styles),
    ]
    if report.undefined:
        items = "".join(f"<li>{esc(u)}</li>" for u in report.undefined)
        parts.append(f"<section aria-labelledby=undef-h><h2 id=undef-h>Undefined values</h2><ul>{items}</ul></section>")
    return _page(title, styles, labels, "\n".join(p for p in parts if p))


def write_evaluation_html(
    path: str | os.PathLike[str], report: EvaluationReport, codebook: Codebook | None = None
) -> None:
    """Write the evaluation report atomically."""
    page = evaluation_html(report, codebook)
    with atomic_write(path) as handle:
        handle.write(page)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list; nothing when ``value`` is not a list."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _num(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) and math.isfinite(value) else "undefined"


def _pair(value: Any) -> tuple[float | None, float | None]:
    if isinstance(value, list | tuple) and len(value) == 2:
        low, high = value
        if isinstance(low, int | float) and isinstance(high, int | float):
            return float(low), float(high)
    return None, None


def _headline(report: EvaluationReport, intervals: dict[str, Any]) -> str:
    level = intervals.get("level")
    rows = []
    for name, value, key, base in (
        ("accuracy", report.accuracy, "accuracy", report.baseline.accuracy),
        ("macro-F1", report.macro_f1, "macro_f1", report.baseline.macro_f1),
    ):
        score = _score_cell(value, intervals.get(key)) if intervals else f"<td class=num>{value:.3f}</td>"
        rows.append(f"<tr><th scope=row>{name}</th>{score}<td class=num>{base:.3f}</td></tr>")
    interval_head = f" <span class=meta>[{level:.0%} interval]</span>" if isinstance(level, float) else ""
    source = ""
    if intervals:
        source = (
            f"<p class=meta>intervals: {esc(intervals.get('bootstrap_samples', '?'))} bootstrap resamples of "
            f"{esc(intervals.get('n_units', '?'))} {esc(intervals.get('resampled', 'units'))}</p>"
        )
    return (
        "<section aria-labelledby=head-h><h2 id=head-h>Scores</h2><table class=agg><thead><tr><th></th>"
        f"<th>model{interval_head}</th><th>baseline: always {esc(report.baseline.frame)}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{source}</section>"
    )


def _per_frame(report: EvaluationReport, styles: Mapping[str, FrameStyle], intervals: dict[str, Any]) -> str:
    per_f1 = _dict(intervals.get("per_frame_f1"))
    rows = []
    for frame, score in report.per_frame.items():
        style = _style_of(styles, frame)
        f1 = score.f1
        bar = f" w{round(f1 * 100)}" if f1 is not None else ""
        low, high = _pair(per_f1.get(frame))
        interval = f"<td class=num>{_interval_text(low, high, percent=False)}</td>" if intervals else ""
        rows.append(
            f"<tr><th scope=row>{_chip(style)} {esc(style.title)}</th>"
            f"<td class=num>{_num(score.precision)}</td><td class=num>{_num(score.recall)}</td>"
            f"<td class='pc {style.css_class}{bar}'>{_num(f1)}</td>{interval}"
            f"<td class=num>{score.support}</td><td class=num>{score.predicted}</td></tr>"
        )
    interval_head = "<th aria-sort=none><button>F1 interval</button></th>" if intervals else ""
    return (
        "<section aria-labelledby=per-h><h2 id=per-h>Per frame</h2><div class=scroll><table class='agg sortable'>"
        "<thead><tr><th aria-sort=none class=txt><button>frame</button></th>"
        "<th aria-sort=none><button>precision</button></th><th aria-sort=none><button>recall</button></th>"
        f"<th aria-sort=none><button>F1</button></th>{interval_head}"
        "<th aria-sort=none><button>support</button></th><th aria-sort=none><button>predicted</button></th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        "<p class=meta>support: gold sentences of the frame; predicted: sentences the model gave it.</p></section>"
    )


def _confusion(report: EvaluationReport, styles: Mapping[str, FrameStyle]) -> str:
    labels = list(report.labels)
    heads = "".join(
        f'<th scope=col title="predicted {esc(s.name)}">{_chip(s)}</th>' for s in (_style_of(styles, f) for f in labels)
    )
    rows = []
    for i, (label, row) in enumerate(zip(labels, report.matrix, strict=True)):
        gold = _style_of(styles, label)
        total = sum(row)
        cells = []
        for j, count in enumerate(row):
            share = count / total if total else 0.0
            # One blue, darker for a larger share of the gold row; the count is always printed.
            ink = " light" if share > 0.5 else ""
            diag = " diag" if i == j else ""
            tip = f"gold {label}, predicted {labels[j]}: {count} ({share:.0%} of gold {label})"
            cells.append(
                f"<td class='hm{diag}{ink}' style='background:rgba(0,90,160,{share * 0.9:.3f})' "
                f'title="{esc(tip)}">{count}</td>'
            )
        rows.append(
            f'<tr><th scope=row title="gold {esc(gold.name)}">{_chip(gold)} '
            f"{esc(gold.title)}</th>{''.join(cells)}<td class=num>{total}</td></tr>"
        )
    return (
        "<section aria-labelledby=cm-h><h2 id=cm-h>Confusion matrix</h2>"
        "<p class=meta>Rows: gold frame; columns: predicted frame (codes as in the legend). Shade: share of the "
        "row's gold sentences; the diagonal (outlined) is correct.</p>"
        f"<div class=scroll><table class=cm><thead><tr><th>gold \\ predicted</th>{heads}<th>total</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _calibration(calibration: dict[str, Any]) -> str:
    bins = _dicts(calibration.get("bins"))
    if not bins:
        return (
            "<section aria-labelledby=cal-h><h2 id=cal-h>Calibration</h2>"
            "<p class=meta>Not available in this evaluation.</p></section>"
        )
    ece_low, ece_high = _pair(calibration.get("ece_interval"))
    brier_low, brier_high = _pair(calibration.get("brier_interval"))
    summary = (
        f"expected calibration error (ECE) {_num(calibration.get('ece'))} "
        f"{_interval_text(ece_low, ece_high, percent=False)}; Brier score {_num(calibration.get('brier'))} "
        f"{_interval_text(brier_low, brier_high, percent=False)}"
    )
    rows = "".join(
        f"<tr><td>{_num(b.get('low'), 1)}–{_num(b.get('high'), 1)}</td><td class=num>{esc(b.get('n', 0))}</td>"
        f"<td class=num>{_num(b.get('confidence'))}</td><td class=num>{_num(b.get('accuracy'))}</td></tr>"
        for b in bins
    )
    return (
        "<section aria-labelledby=cal-h><h2 id=cal-h>Calibration</h2>"
        f"<p>{esc(summary)}</p>{_calibration_svg(bins)}"
        "<details><summary>Reliability table</summary><table class=agg><thead><tr><th>confidence</th><th>sentences</th>"
        f"<th>mean confidence</th><th>accuracy</th></tr></thead><tbody>{rows}</tbody></table></details></section>"
    )


def _calibration_svg(bins: Sequence[dict[str, Any]]) -> str:
    """Reliability diagram: accuracy against confidence per bin; on the dashed diagonal is calibrated."""
    left, top, size = 48, 12, 260

    def x(v: float) -> float:
        return left + v * size

    def y(v: float) -> float:
        return top + (1 - v) * size

    grid = []
    for t in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        grid.append(f"<line class=grid x1={x(0)} y1={y(t):.1f} x2={x(1)} y2={y(t):.1f} />")
        grid.append(f"<text x={left - 6} y={y(t) + 4:.1f} text-anchor=end>{t:.1f}</text>")
        grid.append(f"<text x={x(t):.1f} y={top + size + 16} text-anchor=middle>{t:.1f}</text>")
    shapes, points = [], []
    total = sum(int(b.get("n") or 0) for b in bins) or 1
    for b in bins:
        low, high, n = b.get("low"), b.get("high"), int(b.get("n") or 0)
        confidence, accuracy = b.get("confidence"), b.get("accuracy")
        if not n or not all(isinstance(v, int | float) for v in (low, high, confidence, accuracy)):
            continue
        assert isinstance(low, int | float) and isinstance(high, int | float)
        assert isinstance(confidence, int | float) and isinstance(accuracy, int | float)
        what = esc(f"confidence {low:.1f}–{high:.1f}: accuracy {accuracy:.2f}")
        shapes.append(
            f"<rect class=bin x={x(low) + 1:.1f} y={y(accuracy):.1f} width={(high - low) * size - 2:.1f} "
            f"height={accuracy * size:.1f}><title>{what}</title></rect>"
        )
        radius = 3 + 7 * math.sqrt(n / total)
        label = f"{n} sentences, mean confidence {confidence:.2f}, accuracy {accuracy:.2f}"
        points.append((x(confidence), y(accuracy), radius, label))
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
    dots = "".join(
        f"<circle cx={px:.1f} cy={py:.1f} r={r:.1f}><title>{esc(label)}</title></circle>" for px, py, r, label in points
    )
    return (
        f"<svg class=cal viewBox='0 0 {left + size + 12} {top + size + 40}' width={left + size + 12} "
        f"height={top + size + 40} role=img aria-labelledby=cal-t><title id=cal-t>Reliability diagram: accuracy "
        "against the model's confidence, per confidence bin (dot size: sentences in the bin)</title>"
        + "".join(grid)
        + f"<line class=diag x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} />"
        + "".join(shapes)
        + (f"<polyline class=curve points='{line}' />" if len(points) > 1 else "")
        + dots
        + f"<text x={x(0.5)} y={top + size + 34} text-anchor=middle>confidence</text>"
        + f"<text transform='translate(12 {y(0.5)}) rotate(-90)' text-anchor=middle>accuracy</text>"
        + "</svg>"
    )


def _coverage(coverage: Any) -> str:
    rows = _dicts(coverage)
    if not rows:
        return ""
    body = "".join(
        f"<tr><td class=num>{_num(r.get('min_confidence'), 1)}</td><td class=num>{esc(r.get('n', ''))}</td>"
        f"<td class=num>{_num(r.get('coverage'))}</td><td class=num>{_num(r.get('accuracy'))}</td>"
        f"<td class=num>{_num(r.get('macro_f1'))}</td></tr>"
        for r in rows
    )
    return (
        "<section aria-labelledby=cov-h><h2 id=cov-h>Keeping only confident sentences</h2>"
        "<p class=meta>With <code>--min-confidence</code>: how many sentences keep a frame, "
        "and how accurate they are.</p>"
        "<table class=agg><thead><tr><th>min confidence</th><th>sentences</th><th>coverage</th><th>accuracy</th>"
        f"<th>macro-F1</th></tr></thead><tbody>{body}</tbody></table></section>"
    )


def _mistakes(pairs: Any, errors: dict[str, Any], styles: Mapping[str, FrameStyle]) -> str:
    shown = _dicts(pairs)
    parts = ["<section aria-labelledby=err-h><h2 id=err-h>Misclassified examples</h2>"]
    if pairs is None or not isinstance(pairs, list):
        parts.append("<p class=meta>Not available in this evaluation.</p>")
    elif not shown:
        parts.append("<p>No sentence was misclassified.</p>")
    else:
        parts.append(
            "<p class=meta>The most frequent confusions (gold → predicted), each with its most confident mistakes.</p>"
        )
    for pair in shown:
        gold, predicted = _style_of(styles, str(pair.get("gold"))), _style_of(styles, str(pair.get("predicted")))
        share = pair.get("share_of_gold")
        share_text = f", {share:.0%} of gold {gold.id}" if isinstance(share, int | float) else ""
        examples = "".join(
            f"<li><q>{esc(e.get('text', ''))}</q> <span class=meta>confidence {_num(e.get('confidence'), 2)}"
            + (f" · {esc(e['doc_id'])}" if e.get("doc_id") else "")
            + (f" · {esc(e['where'])}" if e.get("where") else "")
            + "</span></li>"
            for e in _dicts(pair.get("examples"))
        )
        parts.append(
            f"<h3>{_chip(gold)} {esc(gold.title)} → "
            f"{_chip(predicted)} {esc(predicted.title)} "
            f"<span class=meta>{esc(pair.get('count', ''))} sentences{esc(share_text)}</span></h3>"
            f"<ul class=ex>{examples}</ul>"
        )
    if errors.get("file"):
        parts.append(
            f"<p>All {esc(errors.get('n', ''))} misclassified sentences were written to "
            f"<code>{esc(errors['file'])}</code>.</p>"
        )
    else:
        parts.append(
            "<p class=meta>Every misclassified sentence: <code>framing evaluate ... --errors FILE.csv</code>.</p>"
        )
    parts.append("</section>")
    return "".join(parts)


def _per_source(sources: Any) -> str:
    rows = _dicts(sources)
    if not rows:
        return ""
    body = "".join(
        f"<tr><th scope=row>{esc(r.get('source', ''))}</th><td class=num>{esc(r.get('n', ''))}</td>"
        f"{_score_cell(r.get('accuracy'), r.get('accuracy_interval'))}"
        f"{_score_cell(r.get('macro_f1'), r.get('macro_f1_interval'))}</tr>"
        for r in rows
    )
    return (
        "<section aria-labelledby=src-h><h2 id=src-h>Per source</h2><div class=scroll><table class=agg><thead><tr>"
        f"<th>source</th><th>sentences</th><th>accuracy</th><th>macro-F1</th></tr></thead><tbody>{body}</tbody></table></div></section>"
    )


def _document_error(documents: dict[str, Any], styles: Mapping[str, FrameStyle]) -> str:
    mae = _dict(documents.get("mae"))
    if not mae:
        return ""
    intervals = _dict(documents.get("mae_interval"))
    body = "".join(
        f"<tr><th scope=row>{_chip(s)} {esc(s.title)}</th>{_score_cell(value, intervals.get(frame))}</tr>"
        for frame, value in mae.items()
        for s in (_style_of(styles, frame),)
    )
    overall = documents.get("mae_overall")
    return (
        "<section aria-labelledby=doc-h><h2 id=doc-h>Document proportions</h2>"
        f"<p class=meta>Mean absolute error of each document's predicted frame shares against its gold shares, over "
        f"{esc(documents.get('n_documents', '?'))} documents; overall {_num(overall)}.</p>"
        f"<table class=agg><thead><tr><th>frame</th><th>MAE</th></tr></thead><tbody>{body}</tbody></table></section>"
    )


def _top_ngrams(top: dict[str, Any], styles: Mapping[str, FrameStyle]) -> str:
    frames = _dict(top.get("frames"))
    if not frames:
        return ""
    items = []
    for frame, kinds in frames.items():
        style = _style_of(styles, frame)
        shown = ", ".join(esc(w.get("ngram", "")) for w in _dicts(_dict(kinds).get("word")))
        items.append(f"<dt>{_chip(style)} {esc(style.title)}</dt><dd>{shown or '–'}</dd>")
    return (
        "<section aria-labelledby=ng-h><h2 id=ng-h>N-grams with the most weight</h2>"
        f"<p class=meta>Word n-grams pushing hardest toward each frame, in {esc(top.get('from', 'the model'))}.</p>"
        f"<dl class=ngrams>{''.join(items)}</dl></section>"
    )


# -- the page --------------------------------------------------------------------------------------
def _page(title: str, styles: Mapping[str, FrameStyle], shown: Sequence[str], body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
        # No network at all: whatever the text says, the page cannot fetch anything.
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">\n"
        "<meta name=viewport content='width=device-width, initial-scale=1'>\n"
        f"<meta name=generator content='framing {esc(__version__)}'>\n"
        "<link rel=icon href='data:,'>\n"
        f"<title>{esc(title)}</title>\n<style>\n{_CSS}\n{_frame_css(styles)}\n</style></head>\n"
        "<body><a class=skip href=#main>Skip to the report</a>\n"
        f"{_legend(styles, shown)}\n<main id=main>\n{body}\n</main>\n"
        f"<div id=tip role=tooltip hidden></div>\n<script>\n{_SCRIPT}\n</script>\n</body></html>\n"
    )


_CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1b1b1b;
 background:#fff}
main{max-width:64rem;margin:0 auto;padding:.5rem 1.25rem 4rem}
a{color:#0b57a4}
h1{font-size:1.6rem;margin:.8rem 0 .2rem}
h2{font-size:1.25rem;margin:2.2rem 0 .3rem}
h3{font-size:1rem;margin:1.2rem 0 .3rem}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.meta{color:#555;font-size:.88rem;margin:.1rem 0}
.help{font-size:.92rem;max-width:46rem}
.skip{position:absolute;left:-9999px}
.skip:focus{left:1rem;top:.5rem;z-index:30;background:#fff;padding:.4rem .6rem;border:2px solid #000}
#legend{position:sticky;top:0;z-index:10;display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .9rem;
 padding:.4rem 1.25rem;
 font-size:.82rem;background:#fffffff0;border-bottom:1px solid #ccc}
#legend label{margin-left:auto;cursor:pointer}
.k{display:inline-block;min-width:2.3em;padding:0 .25em;text-align:center;
 font:700 .72rem/1.45 ui-monospace,Menlo,Consolas,monospace;
 color:#111;background-color:var(--t);border:2px var(--bs) var(--c);border-radius:3px;vertical-align:.05em}
.fu.k{color:#555}
.defs{margin:.6rem 0;font-size:.9rem;max-width:46rem}
.defs dt{margin-top:.4rem;font-weight:600}
.defs dd{margin:0 0 0 3rem;color:#333}
.doc{border-top:1px solid #ddd;margin-top:2rem;content-visibility:auto;contain-intrinsic-size:auto 1500px}
section{scroll-margin-top:4.5rem}
.num{font-variant-numeric:tabular-nums;text-align:right}
.doc h2 .n{color:#666;font-weight:400}
.text{white-space:pre-line;line-height:2;font-size:1.02rem;max-width:46rem;margin:.6rem 0}
.s{background-color:var(--t);border-bottom:3px var(--bs) var(--c);padding:.1em 0;cursor:help;
 -webkit-box-decoration-break:clone;box-decoration-break:clone}
.s::after{content:var(--l);font:700 .6em/1 ui-monospace,Menlo,Consolas,monospace;vertical-align:.45em;
 margin-left:.2em;padding:.05em .2em;
 color:#222;background:#fff;border:1px solid var(--c);border-radius:2px}
.s.fu{color:#505050;background:none;border-bottom:1px dotted #aaa}
.s:hover{outline:2px solid var(--c);outline-offset:1px}
.s:focus{outline:3px solid #000;outline-offset:2px}
.nocodes .s::after{display:none}
.bar{display:flex;height:1.7rem;max-width:46rem;margin:.5rem 0 .3rem;border:1px solid #777;border-radius:3px;
 overflow:hidden;background:#f4f4f4}
.seg{display:flex;align-items:center;justify-content:center;min-width:0;overflow:hidden;background-color:var(--c);
 background-image:var(--pat);
 border-right:1px solid #fff}
.seg span{font:700 .68rem/1 ui-monospace,Menlo,Consolas,monospace;color:#111;background:#fff;padding:.12em .25em;
 border-radius:2px}
.key{list-style:none;display:flex;flex-wrap:wrap;gap:.15rem 1.1rem;margin:.2rem 0 .6rem;padding:0;font-size:.85rem}
.scroll{overflow-x:auto}
.trends{display:flex;flex-wrap:wrap;gap:.4rem 1rem}
.trend{margin:0}
.trend svg{font:11px system-ui,sans-serif;overflow:visible}
.trend .t{font-weight:600;font-size:12px}
.trend .band{fill:var(--c);fill-opacity:.25;stroke:none}
.trend .line{fill:none;stroke:var(--c);stroke-width:2}
.trend circle{fill:var(--c);stroke:#111;stroke-width:.6}
.trend .grid{stroke:#bbb;stroke-width:1}
.grp h3{margin:.8rem 0 0}
@media print{.trend .band{fill-opacity:.35}.trend .line{stroke:#000;stroke-dasharray:none}}
table{border-collapse:collapse;font-size:.86rem;margin:.4rem 0}
th,td{padding:.22rem .45rem;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}
thead th{background:#fff;border-bottom:2px solid #999;white-space:nowrap}
th button{font:inherit;font-weight:700;background:none;border:0;padding:0;cursor:pointer;color:inherit}
th button:focus-visible{outline:2px solid #000}
th[aria-sort=ascending] button::after{content:" ▲"}
th[aria-sort=descending] button::after{content:" ▼"}
.pc{text-align:right;font-variant-numeric:tabular-nums;min-width:3.2rem;
 background-image:linear-gradient(var(--c),var(--c));
 background-repeat:no-repeat;background-position:left bottom 2px;background-size:var(--w,0%) 5px}
.ci{position:relative;height:8px;width:8rem;margin-top:3px;background:#eee}
.ci i{position:absolute;left:0;top:0;bottom:0;background:var(--c);opacity:.75}
.ci b{position:absolute;top:3px;height:2px;background:#000}
.notes{font-size:.84rem;color:#444;padding-left:1.2rem}
.note{color:#8a4b00}
.cm td.hm{text-align:center;min-width:2.6rem;font-variant-numeric:tabular-nums}
.cm td.light{color:#fff}
.cm td.diag{outline:2px solid #000;outline-offset:-2px;font-weight:700}
svg.cal{max-width:100%;height:auto;font:11px system-ui,sans-serif}
svg.cal .grid{stroke:#e2e2e2}
svg.cal .diag{stroke:#666;stroke-dasharray:5 4}
svg.cal .bin{fill:#0072b2;fill-opacity:.15}
svg.cal .curve{fill:none;stroke:#0072b2;stroke-width:2}
svg.cal circle{fill:#0072b2;stroke:#fff;stroke-width:1}
.ex{padding-left:1.2rem;max-width:52rem}
.ex li{margin:.25rem 0}
.ngrams dd{margin:0 0 .4rem 3rem}
.back{font-size:.85rem}
#tip{position:absolute;z-index:40;max-width:26rem;padding:.45rem .6rem;border-radius:6px;background:#111;
 color:#fff;font-size:.84rem;
 line-height:1.4;box-shadow:0 4px 14px #0005;pointer-events:none}
#tip .t{font-weight:700}
#tip .g{color:#ddd}
@media print{
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 #legend{position:static}
 .noprint,#tip,.skip{display:none}
 a{color:inherit;text-decoration:none}
 h2{break-after:avoid}
 main{max-width:none}
}
""".strip()

_SCRIPT = """
(function () {
  "use strict";
  var tip = document.getElementById("tip"), names = {}, titles = {}, current = null;
  Array.prototype.forEach.call(document.querySelectorAll("#legend [data-k]"), function (e) {
    names[e.getAttribute("data-k")] = e.getAttribute("data-name");
    titles[e.getAttribute("data-f")] = e.getAttribute("data-title");
  });
  function frame(value) {
    // "frame-id 0.12": the frame's title, then the number
    var cut = value.lastIndexOf(" "), id = value.slice(0, cut);
    return (titles[id] || id) + value.slice(cut);
  }
  function line(text, cls) {
    var d = document.createElement("div");
    if (cls) d.className = cls;
    d.textContent = text;
    tip.appendChild(d);
  }
  function hide() {
    if (current) current.removeAttribute("aria-describedby");
    current = null;
    tip.hidden = true;
  }
  function show(s) {
    if (current === s) return;
    hide();
    current = s;
    var d = s.dataset, k = s.classList[1];
    tip.textContent = "";
    if (k === "fu") {
      line("unclassified", "t");
      line("confidence " + d.c + (d.m ? " is below --min-confidence " + d.m : "") +
           (d.g ? "; best guess: " + (titles[d.g] || d.g) : ""));
    } else {
      line(names[k] || k, "t");
      line("confidence " + d.c + (d.r ? " · runner-up: " + frame(d.r) : ""));
    }
    if (d.n) line("n-grams behind it: " + d.n, "g");
    tip.hidden = false;
    var r = s.getClientRects()[0] || s.getBoundingClientRect();
    var width = document.documentElement.clientWidth;
    var x = Math.max(8, Math.min(r.left, width - tip.offsetWidth - 8));
    tip.style.left = (x + window.scrollX) + "px";
    tip.style.top = (r.bottom + window.scrollY + 6) + "px";
    s.setAttribute("aria-describedby", "tip");
  }
  function sentence(e) { return e && e.closest ? e.closest(".s") : null; }
  document.addEventListener("mouseover", function (e) {
    var s = sentence(e.target);
    if (s) show(s); else if (current && current !== document.activeElement) hide();
  });
  document.addEventListener("focusin", function (e) {
    var s = sentence(e.target);
    if (s) show(s); else hide();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { hide(); return; }
    var s = sentence(document.activeElement), next = null;
    if (!s) return;
    if (e.key === "ArrowRight") next = s.nextElementSibling;
    else if (e.key === "ArrowLeft") next = s.previousElementSibling;
    if (next && next.classList.contains("s")) { e.preventDefault(); next.focus(); }
  });
  var codes = document.getElementById("codes");
  if (codes) codes.addEventListener("change", function () {
    document.body.classList.toggle("nocodes", !codes.checked);
  });
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells, body = table.tBodies[0];
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var text = th.classList.contains("txt"), state = th.getAttribute("aria-sort");
        var descending = state === "none" ? !text : state === "ascending";
        var keyed = Array.prototype.map.call(body.rows, function (row, i) {
          var t = row.cells[col].textContent, v = parseFloat(t);
          return [text || isNaN(v) ? t.toLowerCase() : v, i, row];
        });
        keyed.sort(function (a, b) {
          var numbers = typeof a[0] === "number" && typeof b[0] === "number";
          var c = numbers ? a[0] - b[0] : String(a[0]).localeCompare(String(b[0]));
          return (descending ? -c : c) || a[1] - b[1];
        });
        var fragment = document.createDocumentFragment();
        keyed.forEach(function (k) { fragment.appendChild(k[2]); });
        body.appendChild(fragment);
        Array.prototype.forEach.call(heads, function (h) {
          if (h.hasAttribute("aria-sort")) h.setAttribute("aria-sort", "none");
        });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      });
    });
  });
})();
""".strip()
