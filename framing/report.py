"""Render results for people (rich tables) and for programs (JSON, JSONL, CSV)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any

from . import defaults
from .codebook import Codebook

if TYPE_CHECKING:
    from rich.console import Console

    from .classify import Document
    from .metrics import EvaluationReport
    from .model import FramingModel

BAR_WIDTH = 30
CSV_COLUMNS = ("document", "index", "start", "end", "frame", "confidence", "text")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "undefined" if value is None else f"{value:.{digits}f}"


def _bar(share: float, width: int = BAR_WIDTH) -> str:
    cells = share * width
    full = int(cells)
    return "█" * full + ("▌" if cells - full >= 0.5 else "")


def _title(codebook: Codebook | None, frame: str) -> str:
    found = codebook.get(frame) if codebook else None
    return found.title if found and found.title != frame else frame


def _style(codebook: Codebook | None, frame: str) -> str:
    found = codebook.get(frame) if codebook else None
    return found.colour if found else "grey50"


# -- classify ----------------------------------------------------------------------------------
def render_document(console: Console, document: Document, model: FramingModel) -> None:
    """One document: a table of its sentences, then its frame proportions as bars."""
    from rich.table import Table

    codebook = model.codebook_
    table = Table(title=f"{document.id}  ({document.n_sentences} sentences)", title_justify="left", expand=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("frame", no_wrap=True)
    table.add_column("conf", justify="right")
    table.add_column("sentence", overflow="fold")
    for sentence in document.sentences:
        table.add_row(
            str(sentence.index + 1),
            f"[{_style(codebook, sentence.frame)}]{sentence.frame}[/]",
            f"{sentence.confidence:.2f}",
            sentence.text,
        )
    console.print(table)
    render_proportions(console, document.proportions, model.codebook_, "Frame proportions")


def render_proportions(
    console: Console, proportions: Mapping[str, float], codebook: Codebook | None, title: str
) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_header=True, box=None, pad_edge=False)
    table.add_column("frame", no_wrap=True)
    table.add_column("title", no_wrap=True)
    table.add_column("share", justify="right")
    table.add_column("", no_wrap=True)
    for frame, share in proportions.items():
        colour = "grey50" if frame == defaults.UNCLASSIFIED else _style(codebook, frame)
        table.add_row(frame, _title(codebook, frame), f"{share:6.1%}", f"[{colour}]{_bar(share)}[/]")
    console.print(table)
    console.print()


def document_record(document: Document) -> dict[str, Any]:
    return document.to_dict()


def documents_json(documents: Iterable[Document], model: FramingModel) -> str:
    return to_json({"model": model.describe(), "documents": [document_record(d) for d in documents]})


def document_jsonl(document: Document) -> str:
    return json.dumps(document_record(document), ensure_ascii=False, allow_nan=False)


def write_csv_rows(stream: IO[str], documents: Iterable[Document], header: bool = True) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for document in documents:
        for s in document.sentences:
            writer.writerow([document.id, s.index, s.start, s.end, s.frame, f"{s.confidence:.6f}", s.text])


def documents_csv(documents: Iterable[Document]) -> str:
    buffer = io.StringIO()
    write_csv_rows(buffer, documents)
    return buffer.getvalue()


# -- evaluate ----------------------------------------------------------------------------------
def render_evaluation(console: Console, report: EvaluationReport, codebook: Codebook | None = None) -> None:
    """Headline scores beside the majority baseline, per-frame table and confusion matrix."""
    from rich.table import Table

    console.print(f"[bold]Evaluation[/] ({report.method}, {report.n} sentences)")
    head = Table(box=None, pad_edge=False)
    head.add_column("")
    head.add_column("model", justify="right")
    head.add_column(f"baseline: always {report.baseline.frame}", justify="right")
    head.add_row("accuracy", f"{report.accuracy:.3f}", f"{report.baseline.accuracy:.3f}")
    head.add_row("macro-F1", f"{report.macro_f1:.3f}", f"{report.baseline.macro_f1:.3f}")
    console.print(head)
    console.print()
    per = Table(title="Per frame", title_justify="left")
    for name in ("frame", "precision", "recall", "F1", "support", "predicted"):
        per.add_column(name, justify="left" if name == "frame" else "right")
    for frame, score in report.per_frame.items():
        per.add_row(
            f"[{_style(codebook, frame)}]{frame}[/]",
            _fmt(score.precision),
            _fmt(score.recall),
            _fmt(score.f1),
            str(score.support),
            str(score.predicted),
        )
    console.print(per)
    matrix = Table(title="Confusion matrix (rows: gold, columns: predicted)", title_justify="left")
    matrix.add_column("gold \\ predicted")
    short = [label[:10] for label in report.labels]
    for label in short:
        matrix.add_column(label, justify="right")
    for label, row in zip(report.labels, report.matrix, strict=True):
        cells = [f"[bold]{v}[/]" if i == report.labels.index(label) else (str(v) if v else "[dim]0[/]") for i, v in enumerate(row)]
        matrix.add_row(label, *cells)
    console.print(matrix)
    for note in report.undefined:
        console.print(f"[yellow]undefined:[/] {note}")


# -- train / frames ----------------------------------------------------------------------------
def render_training(console: Console, model: FramingModel, path: str) -> None:
    from rich.table import Table

    info = model.info_
    corpus = info.get("corpus", {})
    counts: dict[str, int] = corpus.get("label_counts", {})
    docs = corpus.get("n_documents")
    console.print(
        f"[bold]Trained[/] on {corpus.get('n_sentences', 0)} sentences"
        + (f" from {docs} documents" if docs else "")
        + f", {len(counts)} frames"
    )
    cv = info.get("cv")
    table = Table(box=None, pad_edge=False)
    table.add_column("frame")
    table.add_column("sentences", justify="right")
    if cv:
        table.add_column("CV precision", justify="right")
        table.add_column("CV recall", justify="right")
        table.add_column("CV F1", justify="right")
    for frame in model.display_frames:
        row = [f"[{_style(model.codebook_, frame)}]{frame}[/]", str(counts.get(frame, 0))]
        if cv:
            score = cv["per_frame"].get(frame, {})
            row += [_fmt(score.get("precision")), _fmt(score.get("recall")), _fmt(score.get("f1"))]
        table.add_row(*row)
    console.print(table)
    if cv:
        console.print(
            f"{cv['method']}: accuracy {cv['accuracy']:.3f}, macro-F1 {cv['macro_f1']:.3f} "
            f"(always {cv['baseline']['frame']}: accuracy {cv['baseline']['accuracy']:.3f})"
        )
    if model.threshold_ is not None and model.positive_ is not None:
        console.print(
            f"decision threshold for {model.frames[model.positive_]!r}: {model.threshold_:.3f} "
            "(maximises its cross-validated F1)"
        )
    console.print(f"model saved to {path}")


def render_frames(console: Console, codebook: Codebook) -> None:
    from rich.table import Table

    table = Table(show_lines=True)
    table.add_column("id", no_wrap=True)
    table.add_column("title", no_wrap=True)
    table.add_column("definition", overflow="fold")
    for frame in codebook.frames:
        table.add_row(f"[{frame.colour}]■[/] {frame.id}", frame.title, frame.definition or "-")
    console.print(table)
    if codebook.precedence:
        console.print("When two frames apply: " + " > ".join(codebook.precedence))
