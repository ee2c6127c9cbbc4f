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

    from .agreement import AgreementReport
    from .audit import Audit
    from .classify import Document
    from .compare import Comparison
    from .explain import Explanation
    from .metrics import EvaluationReport
    from .model import FramingModel
    from .quantify import AggregateEstimate, GroupedEstimate

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
def render_document(
    console: Console, document: Document, model: FramingModel, explanations: list[Explanation] | None = None
) -> None:
    """One document: a table of its sentences (with why, if explained), then its frame proportions."""
    from rich.table import Table

    codebook = model.codebook_
    table = Table(title=f"{document.id}  ({document.n_sentences} sentences)", title_justify="left", expand=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("frame", no_wrap=True)
    table.add_column("conf", justify="right")
    table.add_column("sentence", overflow="fold")
    if explanations is not None:
        table.add_column("why: n-grams toward the frame | toward the runner-up", overflow="fold")
    for i, sentence in enumerate(document.sentences):
        table.add_row(
            str(sentence.index + 1),
            f"[{_style(codebook, sentence.frame)}]{sentence.frame}[/]",
            f"{sentence.confidence:.2f}",
            sentence.text,
            *([explanation_summary(explanations[i])] if explanations is not None else []),
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
    intervals = report.extras.get("intervals")
    head = Table(box=None, pad_edge=False)
    head.add_column("")
    head.add_column("model", justify="right")
    if intervals:
        head.add_column(f"{intervals['level']:.0%} interval", justify="right")
    head.add_column(f"baseline: always {report.baseline.frame}", justify="right")
    for name, value, key, base in (
        ("accuracy", report.accuracy, "accuracy", report.baseline.accuracy),
        ("macro-F1", report.macro_f1, "macro_f1", report.baseline.macro_f1),
    ):
        head.add_row(name, f"{value:.3f}", *([_interval(intervals[key])] if intervals else []), f"{base:.3f}")
    console.print(head)
    if intervals:
        console.print(
            f"[dim]intervals: {intervals['bootstrap_samples']} bootstrap resamples of "
            f"{intervals['n_units']} {intervals['resampled']}[/]"
        )
    console.print()
    per = Table(title="Per frame", title_justify="left")
    for name in ("frame", "precision", "recall", "F1", *(["F1 interval"] if intervals else []), "support", "predicted"):
        per.add_column(name, justify="left" if name == "frame" else "right")
    for frame, score in report.per_frame.items():
        per.add_row(
            f"[{_style(codebook, frame)}]{frame}[/]",
            _fmt(score.precision),
            _fmt(score.recall),
            _fmt(score.f1),
            *([_interval(intervals["per_frame_f1"].get(frame))] if intervals else []),
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
        cells = [
            f"[bold]{v}[/]" if i == report.labels.index(label) else (str(v) if v else "[dim]0[/]")
            for i, v in enumerate(row)
        ]
        matrix.add_row(label, *cells)
    console.print(matrix)
    render_evaluation_details(console, report, codebook)
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


# -- evaluation details, corpus proportions, explanations -------------------------------------
def _interval(bounds: list[float | None] | None, digits: int = 3, percent: bool = False) -> str:
    # "\\[" keeps rich from reading the bracket as markup.
    if not bounds or bounds[0] is None or bounds[1] is None:
        return "undefined"
    if percent:
        return f"\\[{bounds[0] * 100:.1f}, {bounds[1] * 100:.1f}]"
    return f"\\[{bounds[0]:.{digits}f}, {bounds[1]:.{digits}f}]"


def _sentences(n: int, noun: str = "sentence") -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def render_evaluation_details(console: Console, report: EvaluationReport, codebook: Codebook | None = None) -> None:
    """Everything beyond the headline scores that the report's ``extras`` hold."""
    extras = report.extras
    for key, render in (
        ("calibration", _render_calibration),
        ("coverage", _render_coverage),
        ("confused_pairs", _render_confused_pairs),
        ("top_ngrams", _render_top_ngrams),
        ("per_source", _render_per_source),
        ("documents", _render_document_level),
        ("learning_curve", _render_learning_curve),
    ):
        if key in extras:
            render(console, extras[key], codebook)
    errors = extras.get("errors")
    if errors:
        console.print(f"{_sentences(errors['n'], 'misclassified sentence')} written to {errors['file']}")


def _render_calibration(console: Console, calibration: dict[str, Any], codebook: Codebook | None) -> None:
    from rich.table import Table

    console.print(
        f"[bold]Calibration[/]: expected calibration error {calibration['ece']:.3f} "
        f"{_interval(calibration['ece_interval'])}, Brier score {calibration['brier']:.3f} "
        f"{_interval(calibration['brier_interval'])} ({calibration['brier_scale']})"
    )
    table = Table(title="Reliability: confidence of the predicted frame vs how often it is right", title_justify="left")
    for name in ("confidence", "sentences", "mean confidence", "accuracy", "accuracy − confidence"):
        table.add_column(name, justify="left" if name == "confidence" else "right")
    for row in calibration["bins"]:
        if not row["n"]:
            continue
        gap = row["accuracy"] - row["confidence"]
        table.add_row(
            f"{row['low']:.1f}–{row['high']:.1f}",
            str(row["n"]),
            f"{row['confidence']:.3f}",
            f"{row['accuracy']:.3f}",
            f"[{'red' if abs(gap) > 0.1 else 'default'}]{gap:+.3f}[/]",
        )
    console.print(table)


def _render_coverage(console: Console, rows: list[dict[str, Any]], codebook: Codebook | None) -> None:
    from rich.table import Table

    table = Table(title="Choosing --min-confidence (sentences below it become 'unclassified')", title_justify="left")
    for name in ("--min-confidence", "sentences kept", "coverage", "accuracy", "macro-F1"):
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(
            f"{row['min_confidence']:.1f}",
            str(row["n"]),
            f"{row['coverage']:.1%}",
            _fmt(row["accuracy"]),
            _fmt(row["macro_f1"]),
        )
    console.print(table)


def _render_confused_pairs(console: Console, pairs: list[dict[str, Any]], codebook: Codebook | None) -> None:
    if not pairs:
        console.print("[bold]Most confused frames[/]: none, every sentence was classified correctly")
        return
    console.print("[bold]Most confused frames[/] (gold → predicted), with the most confident mistakes")
    for pair in pairs:
        console.print(
            f"  [{_style(codebook, pair['gold'])}]{pair['gold']}[/] → [{_style(codebook, pair['predicted'])}]"
            f"{pair['predicted']}[/]: {_sentences(pair['count'])} ({pair['share_of_gold']:.1%} of {pair['gold']})"
        )
        for example in pair["examples"]:
            console.print(f"      [dim]{example['confidence']:.2f}[/] {example['text']}", overflow="fold")
    console.print()


def _render_top_ngrams(console: Console, top: dict[str, Any], codebook: Codebook | None) -> None:
    from rich.table import Table

    table = Table(title=f"Word n-grams that weigh most for each frame ({top['from']})", title_justify="left")
    table.add_column("frame", no_wrap=True)
    table.add_column("n-grams (weight)", overflow="fold")
    for frame, kinds in top["frames"].items():
        words: list[dict[str, Any]] = kinds.get("word") or next(iter(kinds.values()), [])
        shown = ", ".join(f"{item['ngram']} ({item['weight']:.2f})" for item in words[:8])
        table.add_row(f"[{_style(codebook, frame)}]{frame}[/]", shown or "-")
    console.print(table)


def _render_per_source(console: Console, rows: list[dict[str, Any]] | None, codebook: Codebook | None) -> None:
    from rich.table import Table

    if rows is None:
        console.print("[bold]Per source[/]: not available (the corpus has no source column)")
        return
    table = Table(title="Per source", title_justify="left")
    for name in ("source", "sentences", "documents", "accuracy", "95% interval", "macro-F1", "95% interval "):
        table.add_column(name, justify="left" if name == "source" else "right")
    for row in rows:
        table.add_row(
            row["source"],
            str(row["n"]),
            "-" if row["n_documents"] is None else str(row["n_documents"]),
            f"{row['accuracy']:.3f}",
            _interval(row["accuracy_interval"]),
            f"{row['macro_f1']:.3f}",
            _interval(row["macro_f1_interval"]),
        )
    console.print(table)


def _render_document_level(console: Console, docs: dict[str, Any] | None, codebook: Codebook | None) -> None:
    from rich.table import Table

    if docs is None:
        console.print("[bold]Document level[/]: not available (the corpus has no doc_id column)")
        return
    console.print(
        f"[bold]Document level[/] ({docs['n_documents']} documents): mean absolute error of each document's "
        f"predicted frame proportions, {docs['mae_overall']:.3f} {_interval(docs['mae_overall_interval'])} overall"
    )
    if docs["n_sentences_without_doc_id"]:
        console.print(f"  ({docs['n_sentences_without_doc_id']} sentences without doc_id left out)")
    table = Table(box=None, pad_edge=False)
    table.add_column("frame")
    table.add_column("MAE", justify="right")
    table.add_column("95% interval", justify="right")
    for frame, value in docs["mae"].items():
        table.add_row(f"[{_style(codebook, frame)}]{frame}[/]", f"{value:.3f}", _interval(docs["mae_interval"][frame]))
    console.print(table)
    worst = sorted(docs["documents"], key=lambda d: -d["mae"])[:5]
    if worst:
        table = Table(title="Documents whose proportions are furthest off", title_justify="left")
        table.add_column("doc_id")
        table.add_column("sentences", justify="right")
        table.add_column("MAE", justify="right")
        table.add_column("largest gaps (gold → predicted)", overflow="fold")
        for doc in worst:
            gaps = sorted(doc["gold"], key=lambda f: -abs(doc["gold"][f] - doc["predicted"][f]))[:2]
            shown = ", ".join(f"{f} {doc['gold'][f]:.0%} → {doc['predicted'][f]:.0%}" for f in gaps)
            table.add_row(doc["doc_id"], str(doc["n"]), f"{doc['mae']:.3f}", shown)
        console.print(table)


def _render_learning_curve(console: Console, curve: dict[str, Any] | None, codebook: Codebook | None) -> None:
    from rich.table import Table

    if curve is None:
        return
    table = Table(title=f"Learning curve ({curve['on']})", title_justify="left")
    for name in ("training data", "sentences", "accuracy", "macro-F1", "95% interval", ""):
        table.add_column(name, justify="left" if name == "" else "right")
    for point in curve["points"]:
        table.add_row(
            f"{point['fraction']:.0%}",
            f"{point['n_train']:.0f}",
            f"{point['accuracy']:.3f}",
            f"{point['macro_f1']:.3f}",
            _interval(point["macro_f1_interval"]),
            _bar(point["macro_f1"], 20),
        )
    console.print(table)
    points = curve["points"]
    if len(points) >= 2:
        gain = points[-1]["macro_f1"] - points[-2]["macro_f1"]
        console.print(
            f"macro-F1 went {'up' if gain >= 0 else 'down'} {abs(gain):.3f} over the last "
            f"{points[-1]['fraction'] - points[-2]['fraction']:.0%} of the data: "
            + ("labeling more is likely to help" if gain > 0.01 else "more labels of the same kind may help little")
        )


def render_aggregate(console: Console, estimate: AggregateEstimate, codebook: Codebook | None = None) -> None:
    """Corpus-level proportions by each method, with intervals; which is which is spelled out."""
    from rich.table import Table

    level = f"{estimate.level:.0%}"
    console.print(
        f"[bold]Frame proportions over {estimate.n_documents} document{'' if estimate.n_documents == 1 else 's'}[/] "
        f"({estimate.n_sentences} sentences)"
    )
    console.print(
        f"[dim]share \\[{level} interval, %]: {estimate.samples} bootstrap resamples of the {estimate.resampled}[/]"
    )
    short = {
        "classify_and_count": "counted",
        "probabilistic_count": "mean prob. (PCC)",
        "adjusted": "adjusted (ACC)",
        "probabilistic_adjusted": "adjusted (PACC)",
    }
    table = Table(box=None, pad_edge=False)
    table.add_column("frame", no_wrap=True)
    for item in estimate.estimates:
        table.add_column(short.get(item.method, item.method), justify="right", no_wrap=True)
    for frame in estimate.frames:
        cells = [
            f"{item.proportions[frame]:5.1%} {_interval(item.intervals[frame].to_list(), percent=True)}"
            for item in estimate.estimates
        ]
        table.add_row(f"[{_style(codebook, frame)}]{frame}[/]", *cells)
    console.print(table)
    for item in estimate.estimates:
        console.print(f"  [dim]{item.label}[/]")
    for note in estimate.notes:
        console.print(f"[yellow]note:[/] {note}")


#: Tidy columns of `--aggregate --by --format csv`: one row per group, frame and method.
GROUPED_COLUMNS = ("group", "frame", "method", "estimate", "low", "high", "n_docs", "n_sentences")


def render_grouped(console: Console, estimate: GroupedEstimate, codebook: Codebook | None = None) -> None:
    """Per group, the recommended method's share of each frame with its interval; flags and notes below."""
    from rich.table import Table

    from .quantify import LABELS

    method = estimate.recommended
    overall = estimate.overall
    by = " × ".join(estimate.fields) + (f" (by {estimate.period})" if estimate.period else "")
    console.print(
        f"[bold]Frame proportions by {by}[/]: {len(estimate.groups)} groups, {overall.n_documents} documents "
        f"({overall.n_sentences} sentences)"
    )
    console.print(f"[dim]share % \\[{overall.level:.0%} interval] by {LABELS[method]}[/]")
    # Frames down, groups across (like a crosstab): eight rows whatever the number of groups.
    table = Table(box=None, pad_edge=False)
    table.add_column("frame", no_wrap=True)
    columns = [(" / ".join(g.group) + (" !" if g.flags else ""), g.estimate) for g in estimate.groups]
    columns.append(("all", overall))
    for name, item in columns:
        table.add_column(f"{name}\n{item.n_documents} docs", justify="right")
    for frame in overall.frames:
        cells = []
        for _, item in columns:
            chosen = item.get(method)
            assert chosen is not None
            low, high = chosen.intervals[frame].to_list()
            bounds = "" if low is None or high is None else f" [{100 * low:.0f}-{100 * high:.0f}]"
            cells.append(f"{100 * chosen.proportions[frame]:.1f}{bounds}")
        table.add_row(f"[{_style(codebook, frame)}]{frame}[/]", *cells)
    console.print(table)
    for group in estimate.groups:
        for flag in group.flags:
            console.print(f"[yellow]! {' / '.join(group.group)}:[/] {flag}")
    for note in estimate.notes:
        console.print(f"[yellow]note:[/] {note}")


def grouped_json(estimate: GroupedEstimate, model: FramingModel) -> str:
    return to_json({"model": model.describe(), "aggregate": estimate.to_dict(), "rows": estimate.rows()})


def grouped_csv(estimate: GroupedEstimate) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(GROUPED_COLUMNS)
    for row in estimate.rows():
        writer.writerow(["" if row[c] is None else _csv_number(row[c]) for c in GROUPED_COLUMNS])
    return buffer.getvalue()


def _csv_number(value: Any) -> Any:
    return f"{value:.6f}" if isinstance(value, float) else value


def render_comparison(
    console: Console, comparison: Comparison, first: str, second: str, codebook: Codebook | None = None
) -> None:
    """Per frame: both shares, the difference with its interval, and the permutation p-value."""
    from rich.table import Table

    from .quantify import LABELS

    docs, sentences = comparison.n_documents, comparison.n_sentences
    console.print(
        f"[bold]{second}[/] ({docs[1]} documents, {sentences[1]} sentences) against "
        f"[bold]{first}[/] ({docs[0]} documents, {sentences[0]} sentences)"
    )
    console.print(
        f"[dim]shares by {LABELS[comparison.method]}; difference with its {comparison.level:.0%} interval "
        f"({comparison.samples} bootstrap resamples of each side's documents); p: permutation test, "
        f"{comparison.permutations} relabelings[/]"
    )
    table = Table(box=None, pad_edge=False)
    for name, justify in (("frame", "left"), ("first", "right"), ("second", "right"), ("difference", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    table.add_column("p", justify="right")
    for row in comparison.frames:
        interval = _interval([row.low, row.high], percent=True)
        table.add_row(
            f"[{_style(codebook, row.frame)}]{row.frame}[/]",
            f"{row.share_a:5.1%}",
            f"{row.share_b:5.1%}",
            f"{100 * row.difference:+5.1f} pts {interval}",
            f"{row.p_value:.3f}",
        )
    console.print(table)
    for note in comparison.notes:
        console.print(f"[yellow]note:[/] {note}")


def comparison_json(comparison: Comparison, model: FramingModel, first: str, second: str) -> str:
    return to_json({"model": model.describe(), "first": first, "second": second, "comparison": comparison.to_dict()})


def render_agreement(console: Console, report: AgreementReport, shown: int) -> None:
    """Alpha overall and per frame, kappa per pair, the annotators' coincidences, the contested items."""
    from rich.table import Table

    def value(v: float | None) -> str:
        return "undefined" if v is None else f"{v:.3f}"

    console.print(
        f"[bold]Agreement of {len(report.annotators)} annotators[/] on {report.n_items} items "
        f"({report.n_pairable} labeled by two or more)"
    )
    console.print(f"Krippendorff's alpha (nominal): [bold]{value(report.alpha)}[/]")
    pairs = Table(box=None, pad_edge=False, title="Cohen's kappa per pair", title_justify="left")
    for name in ("annotators", "items", "agreement", "kappa"):
        pairs.add_column(name, justify="left" if name == "annotators" else "right")
    for p in report.pairs:
        agreement = "-" if not p.n_items else f"{p.observed:.3f}"
        pairs.add_row(f"{p.first} / {p.second}", str(p.n_items), agreement, value(p.kappa))
    console.print(pairs)
    frames = Table(box=None, pad_edge=False, title="Per frame (this frame vs any other)", title_justify="left")
    frames.add_column("frame")
    frames.add_column("alpha", justify="right")
    frames.add_column("times given", justify="right")
    for i, frame in enumerate(report.frames):
        frames.add_row(frame, value(report.alpha_per_frame[frame]), f"{report.coincidences[i].sum():.0f}")
    console.print(frames)
    matrix = Table(
        box=None, pad_edge=False, title="Coincidences (pairs of labels given to one item)", title_justify="left"
    )
    matrix.add_column("")
    for frame in report.frames:
        matrix.add_column(frame[:10], justify="right")
    for i, frame in enumerate(report.frames):
        matrix.add_row(frame, *(f"{v:.1f}".rstrip("0").rstrip(".") for v in report.coincidences[i]))
    console.print(matrix)
    if report.disagreements:
        n = len(report.disagreements)
        console.print(f"[bold]Disagreements[/] ({n} items; the first {min(shown, n)}):")
        for d in report.disagreements[:shown]:
            labels = ", ".join(f"{who}: {label}" for who, label in d.labels.items())
            console.print(f"  {d.text or d.item}", overflow="fold", markup=False)
            console.print(f"    [dim]{labels}[/]")


def render_audit(console: Console, audit: Audit, shown: int) -> None:
    """How many labels look wrong, per frame, and the most doubtful ones with the suggested frame."""
    errors, duplicates = audit.label_errors, audit.duplicates
    console.print(
        f"[bold]Audit of {audit.n_sentences} sentences[/]: {len(errors)} likely label errors, "
        f"{len(duplicates)} near-duplicate pairs with different frames"
    )
    console.print(f"[dim]probabilities: {audit.method}; confident learning (per-frame thresholds)[/]")
    worst = sorted(audit.noise_per_frame.items(), key=lambda item: -item[1])
    console.print("flagged per frame: " + ", ".join(f"{frame} {share:.1%}" for frame, share in worst))
    for finding in errors[:shown]:
        console.print(f"  {finding.where}  {finding.label} → [bold]{finding.suggested}[/] (margin {finding.score:.2f})")
        console.print(f"    {finding.text}", overflow="fold", markup=False)
    for finding in duplicates[:shown]:
        console.print(
            f"  {finding.where} ({finding.label}) ≈ {finding.other_where} ({finding.suggested}), "
            f"cosine {finding.score:.2f}"
        )
        console.print(f"    {finding.text}", overflow="fold", markup=False)


def audit_json(audit: Audit) -> str:
    return to_json(
        {
            "n_sentences": audit.n_sentences,
            "method": audit.method,
            "flagged_per_frame": audit.noise_per_frame,
            "findings": [f.to_dict() for f in audit.findings],
        }
    )


def agreement_json(report: AgreementReport) -> str:
    return to_json(report.to_dict())


def render_explanations(
    console: Console, explanations: Iterable[Explanation], codebook: Codebook | None = None
) -> None:
    """Per sentence: its frame, the runner-up, and the n-grams that pushed each way."""
    from rich.table import Table

    for explanation in explanations:
        frame, other = explanation.frame, explanation.runner_up
        console.print(f"[bold]{explanation.text}[/]", overflow="fold")
        console.print(
            f"  → [{_style(codebook, frame)}]{frame}[/] ({explanation.confidence:.2f}); runner-up "
            f"[{_style(codebook, other)}]{other}[/] ({explanation.runner_up_confidence:.2f}); "
            f"log-odds {explanation.margin:+.2f} = n-grams {explanation.margin - explanation.bias:+.2f} "
            f"+ bias {explanation.bias:+.2f}"
        )
        table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 4))
        table.add_column(f"toward {frame}")
        table.add_column("weight", justify="right")
        table.add_column(f"toward {other}")
        table.add_column("weight", justify="right")
        for i in range(max(len(explanation.toward), len(explanation.away))):
            row = []
            for side in (explanation.toward, explanation.away):
                if i < len(side):
                    row += [_ngram(side[i].ngram, side[i].kind), f"{side[i].weight:+.3f}"]
                else:
                    row += ["", ""]
            table.add_row(*row)
        console.print(table)
        console.print()


def _ngram(ngram: str, kind: str) -> str:
    from rich.markup import escape

    # Character n-grams carry their spaces, which matter: show them quoted.
    return escape(ngram) if kind == "word" else f"[dim]{kind}[/] {escape(repr(ngram))}"


def explanation_summary(explanation: Explanation, top: int = 3) -> str:
    """A compact one-line form for tables: +n-grams toward the frame, −n-grams toward the runner-up."""
    from rich.markup import escape

    def shown(ngram: str, kind: str) -> str:
        return escape(ngram if kind == "word" else repr(ngram))

    toward = ", ".join(f"+{shown(c.ngram, c.kind)}" for c in explanation.toward[:top])
    away = ", ".join(f"−{shown(c.ngram, c.kind)}" for c in explanation.away[:top])
    return f"{toward} | vs {explanation.runner_up}: {away}" if away else toward


def explained_document_record(document: Document, explanations: list[Explanation]) -> dict[str, Any]:
    """A document's record with each sentence's explanation under ``explanation``."""
    record = document_record(document)
    for sentence, explanation in zip(record["sentences"], explanations, strict=True):
        sentence["explanation"] = {k: v for k, v in explanation.to_dict().items() if k != "text"}
    return record


def explained_documents_json(pairs: Iterable[tuple[Document, list[Explanation]]], model: FramingModel) -> str:
    records = [explained_document_record(d, e) for d, e in pairs]
    return to_json({"model": model.describe(), "documents": records})


def explained_document_jsonl(document: Document, explanations: list[Explanation]) -> str:
    return json.dumps(explained_document_record(document, explanations), ensure_ascii=False, allow_nan=False)


def aggregate_json(estimate: AggregateEstimate, model: FramingModel) -> str:
    return to_json({"model": model.describe(), "aggregate": estimate.to_dict()})


def explanations_json(explanations: Iterable[Explanation], model: FramingModel) -> str:
    return to_json({"model": model.describe(), "sentences": [e.to_dict() for e in explanations]})
