"""The `framing` command line: parse options, call one library function, render the result.

Exit codes: 0 success; 1 an error the user can fix (message on stderr, no traceback);
2 a usage error (unknown option, missing argument); 3 finished, but some inputs were skipped
(each named in a warning, with a summary at the end); 130 interrupted (Ctrl-C).
Standard output that cannot be written (disk full, I/O error, closed) is an error, exit 1; a
reader that goes away (``framing classify ... | head``) ends the run quietly, exit 0.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__, defaults
from .errors import FramingError
from .groups import PERIODS
from .interchange import FORMATS as LABEL_FORMATS

ANNOTATE_STRATEGIES = ("uncertainty", "entropy", "random", "sequential")

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from rich.console import Console

    from .classify import Document
    from .corpus import Columns, Corpus
    from .documents import DocumentText
    from .model import FramingModel
    from .quantify import GroupedEstimate
    from .stream import Engine, Inputs

EXIT_SKIPPED = 3
EXIT_INTERRUPTED = 130
MODEL_ENV = "FRAMING_MODEL"


class FramingGroup(click.Group):
    """Turns library errors into one `Error: ...` line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        if sys.stdout is None:
            # Started with stdout closed (`>&-`): output would vanish without a word; make it fail.
            sys.stdout = _ClosedStream()
        try:
            result = super().invoke(ctx)
            # Written output may still sit in the buffer: fail here, with a message, not at exit.
            if sys.stdout is not None:
                sys.stdout.flush()
            return result
        except FramingError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing was half-written.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except OSError as exc:
            if exc.errno not in _STREAM_ERRNOS or not _is_stream_error(exc):
                raise
            _silence_stdout()
            if exc.errno == errno.EPIPE:
                # The reader (e.g. `head`) went away; stop quietly like other Unix tools.
                sys.exit(0)
            _fail(f"cannot write to standard output: {_STREAM_ERRNOS[exc.errno]}")


#: Why standard output could not be written, said in the user's words.
_STREAM_ERRNOS = {
    errno.ENOSPC: "no space left on device (disk full); free some space or write to another disk",
    errno.EDQUOT: "disk quota exceeded; free some space or write to another disk",
    errno.EFBIG: "the file grew past the size limit; write to another file system",
    errno.EIO: "input/output error; check the device it is written to",
    errno.EBADF: "it is closed; redirect it to a file (> results.json) or use --output",
    errno.EPIPE: "the pipe was closed",
}


def _is_stream_error(exc: OSError) -> bool:
    """Whether ``exc`` came from writing stdout (files raise OutputError with their own name)."""
    return exc.filename is None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail a second time."""
    if isinstance(sys.stdout, _ClosedStream):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


class _ClosedStream:
    """Stands in for a stdout that was closed before the start: every write fails with EBADF."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _fail(message: str, code: int = 1) -> NoReturn:
    # If stderr itself is gone, the exit code is all that is left to say it.
    with contextlib.suppress(OSError):
        click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


class Warnings:
    """Collects warnings for stderr and remembers how many inputs were skipped."""

    def __init__(self) -> None:
        self.skipped = 0
        self.count = 0

    def __call__(self, message: str) -> None:
        self.count += 1
        if message.endswith("skipped"):
            self.skipped += 1
        click.echo(f"Warning: {message}", err=True)


def _progress() -> Callable[[str], None] | None:
    if not sys.stderr.isatty():
        return None

    def say(message: str) -> None:
        click.echo(f"… {message}", err=True)

    return say


def resolve_model_path(model: str | None) -> Path:
    """The model to use: --model, else $FRAMING_MODEL, else the default model in models/."""
    if model:
        return Path(model)
    if os.environ.get(MODEL_ENV):
        return Path(os.environ[MODEL_ENV])
    path = defaults.DEFAULT_MODEL_PATH
    if not path.exists():
        raise_missing_default(path)
    return path


def raise_missing_default(path: Path) -> NoReturn:
    from .errors import ModelError

    raise ModelError(f"no default model at {path}; build it with `make model` or pass --model FILE")


def load_model(model: str | None) -> FramingModel:
    from .model import FramingModel

    return FramingModel.load(resolve_model_path(model))


def _columns(text_column: str, label_column: str, group_column: str) -> Columns:
    from .corpus import Columns

    return Columns(text=text_column, label=label_column, group=group_column)


def _read_corpus(
    paths: tuple[str, ...], text_column: str, label_column: str, group_column: str, data_dir: str, half: str
) -> Corpus:
    """Corpus files and folders, standoff folders among them, with their warnings said on stderr."""
    from .standoff import load_corpora

    data = load_corpora(
        paths, _columns(text_column, label_column, group_column), data=data_dir, half=None if half == "all" else half
    )
    for note in data.notes:
        click.echo(f"Warning: {note}", err=True)
    return data


def _with_options(func: Callable[..., Any], options: list[Callable[..., Any]]) -> Callable[..., Any]:
    """``func`` decorated with ``options``, the first shown first in --help."""
    for option in reversed(options):
        func = option(func)
    return func


def corpus_options(func: Callable[..., Any]) -> Callable[..., Any]:
    return _with_options(
        func,
        [
            click.option(
                "--text-column", default=defaults.TEXT_COLUMN, show_default=True, help="Column holding the sentence."
            ),
            click.option(
                "--label-column", default=defaults.LABEL_COLUMN, show_default=True, help="Column holding the frame."
            ),
            click.option(
                "--group-column",
                default=defaults.GROUP_COLUMN,
                show_default=True,
                help="Column grouping sentences into documents (kept together in cross-validation).",
            ),
            click.option(
                "--data",
                "data_dir",
                default=str(defaults.DATA_PATH),
                show_default="../shared/data",
                type=click.Path(file_okay=False),
                help="Folder where standoff label folders (like corpus/real) find the articles they label.",
            ),
            click.option(
                "--half",
                type=click.Choice(["dev", "test", "all"]),
                default="all",
                show_default=True,
                help="Standoff label folders: use only this half of their articles.",
            ),
        ],
    )


def document_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say how to read documents: JSONL field names and a text encoding."""
    return _with_options(
        func,
        [
            click.option(
                "--text-field",
                default=defaults.TEXT_FIELD,
                show_default=True,
                help="JSONL input: field holding the text.",
            ),
            click.option(
                "--id-field",
                default=defaults.ID_FIELD,
                show_default=True,
                help="JSONL input: field holding the document id.",
            ),
            click.option("--encoding", help="Decode text files with this encoding instead of UTF-8."),
        ],
    )


model_option = click.option(
    "-m",
    "--model",
    type=click.Path(dir_okay=False),
    help=f"Model file (default: ${MODEL_ENV}, else models/{defaults.DEFAULT_MODEL_PATH.name}).",
)


@click.group(cls=FramingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="framing")
def main() -> None:
    """Tag each sentence of news articles with a narrative frame and report frame proportions.

    \b
    Example:
      framing classify article.txt
      framing train corpus/labeled --codebook corpus/codebook.json -o my.framing
    """


@main.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Where to write the model file.")
@click.option("--codebook", type=click.Path(dir_okay=False), help="Codebook JSON: frame titles, definitions, colours.")
@click.option(
    "--cv-folds",
    default=defaults.CV_FOLDS,
    show_default=True,
    help="Cross-validation folds for scores and threshold (0: none).",
)
@click.option("--seed", default=defaults.SEED, show_default=True, help="Random seed (cross-validation folds).")
@click.option(
    "-C",
    "c",
    type=float,
    help=f"Inverse regularisation strength of the logistic regression [default: {defaults.C:g}; "
    f"{defaults.EMBEDDING_C:g} with --embeddings].",
)
@click.option(
    "--embeddings",
    is_flag=True,
    help=f"Add sentence embeddings ({defaults.EMBEDDING_ENCODER}); needs pip install 'framing[embeddings]'.",
)
@corpus_options
def train(
    corpus: tuple[str, ...],
    output: str,
    codebook: str | None,
    cv_folds: int,
    seed: int,
    c: float | None,
    embeddings: bool,
    text_column: str,
    label_column: str,
    group_column: str,
    data_dir: str,
    half: str,
) -> None:
    """Train a model on labeled sentences (CSV, TSV or JSONL files, or folders of them).

    A standoff label folder (like corpus/real) adds the lines it labels, read from --data.

    \b
    Example:
      framing train corpus/labeled --codebook corpus/codebook.json -o models/mine.framing
      framing train corpus/labeled corpus/real --half dev -o models/real.framing
    """
    from .atomic import check_writable
    from .codebook import load_codebook
    from .model import ModelConfig
    from .report import render_training
    from .train import train_model

    check_writable(output)
    book = load_codebook(codebook) if codebook else None
    data = _read_corpus(corpus, text_column, label_column, group_column, data_dir, half)
    encoder = defaults.EMBEDDING_ENCODER if embeddings else None
    if c is None:
        c = defaults.EMBEDDING_C if embeddings else defaults.C
    config = ModelConfig(cv_folds=cv_folds, seed=seed, C=c, embeddings=encoder)
    if embeddings:
        from .embeddings import get_encoder

        get_encoder(defaults.EMBEDDING_ENCODER)  # fail before reading the corpus if the extra is missing
    model = train_model(data, book, config, progress=_progress())
    model.save(output)
    render_training(_console(), model, output)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@model_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=defaults.MIN_CONFIDENCE,
    show_default=True,
    help=f"Sentences whose confidence is below this are '{defaults.UNCLASSIFIED}'.",
)
@document_options
@click.option(
    "--aggregate",
    is_flag=True,
    help="Print only corpus-level frame proportions over all documents: counted and adjusted, with 95% intervals.",
)
@click.option(
    "--by",
    "by",
    multiple=True,
    metavar="FIELD",
    help="With --aggregate: proportions per group, by this JSONL field (a.b for nested keys; repeat for several).",
)
@click.option(
    "--period",
    type=click.Choice(PERIODS),
    help="With --by date: group the dates by day, week (ISO), month or year.",
)
@click.option(
    "--explain", is_flag=True, help="Show, per sentence, the n-grams behind its frame and against the runner-up."
)
@click.option(
    "--html",
    "html",
    type=click.Path(dir_okay=False),
    help="Also write a self-contained HTML report (highlighted sentences, proportion charts) to this file.",
)
@click.option("--stdin-jsonl", is_flag=True, help="Read standard input (-) as JSONL documents, one per line.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write results to this .jsonl, .csv or .sqlite file (complete only when the run is; see --resume).",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted --output run where it stopped.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes for --output and --format jsonl/csv  [default: all cores].",
)
@click.option("--scheduler", metavar="ADDRESS", help="Run on this Dask scheduler (needs framing[dask]).")
@click.option("--dask-local", type=click.IntRange(min=1), metavar="N", help="Run on a local Dask cluster of N workers.")
def classify(
    paths: tuple[str, ...],
    model: str | None,
    fmt: str,
    min_confidence: float,
    text_field: str,
    id_field: str,
    encoding: str | None,
    aggregate: bool,
    by: tuple[str, ...],
    period: str | None,
    explain: bool,
    html: str | None,
    stdin_jsonl: bool,
    output: str | None,
    resume: bool,
    jobs: int | None,
    scheduler: str | None,
    dask_local: int | None,
) -> None:
    """Tag each sentence of documents with a frame and report frame proportions.

    PATHS are text files, folders (all *.txt inside, recursively), JSONL files
    (one document per line, .jsonl or .jsonl.gz) or - for standard input.

    With --output, or --format jsonl/csv, documents stream through --jobs worker
    processes (or a Dask cluster) in bounded memory, results in input order.

    \b
    Example:
      framing classify seeds/000_f1f53ae782e7b667.txt
      cat article.txt | framing classify - --format json
      framing classify articles/ --html report.html
      framing classify archive/ news.jsonl.gz --output results.sqlite --jobs 8
      framing classify news.jsonl --aggregate --by source --by date --period month
    """
    from .classify import classify_documents
    from .documents import read_documents
    from .report import document_jsonl, documents_csv, documents_json, render_document

    if not paths:
        raise click.UsageError("give at least one file, folder or - for standard input")
    _check_classify_modes(aggregate, explain, fmt, min_confidence, by, period)
    grouped_output = output if aggregate and by and output and output.lower().endswith(".sqlite") else None
    if grouped_output:
        from .atomic import check_writable

        check_writable(grouped_output)
        output = None  # the grouped proportions go to this SQLite file; the documents are not streamed
    if _check_stream_options(fmt, output, resume, jobs, scheduler, dask_local, aggregate or explain or bool(html)):
        from .parallel import default_jobs
        from .stream import Engine, Inputs

        inputs = Inputs(paths, text_field, id_field, encoding, stdin_jsonl)
        engine = Engine(jobs or default_jobs(), scheduler, dask_local)
        _classify_stream(inputs, model, fmt, output, resume, engine, min_confidence)
        return
    if html:
        from .atomic import check_writable

        check_writable(html)
    loaded = load_model(model)
    warn = Warnings()
    grouping = (by, period) if by else None
    documents = read_documents(
        paths,
        text_field=text_field,
        id_field=id_field,
        encoding=encoding,
        warn=warn,
        stdin_jsonl=stdin_jsonl,
        grouping=grouping,
    )
    groups: list[tuple[str, ...]] = []
    if grouping is not None:
        documents = _remember_groups(documents, groups, by, period)
    texts: list[str] = []
    if html:
        from .html import keep_texts

        documents = keep_texts(documents, texts)
    results = classify_documents(loaded, documents, min_confidence=min_confidence)
    kept: list[Document] | None = None
    if html:
        # The report needs every document (overview, overall proportions), so keep them.
        kept = list(results)
        results = iter(kept)
    grouped = None
    if aggregate and by:
        grouped = _print_grouped(loaded, results, iter(groups), by, period, fmt)
    elif aggregate:
        _print_aggregate(loaded, results, fmt)
    elif explain:
        _print_explained(loaded, results, fmt)
    elif fmt == "table":
        console = _console()
        for document in results:
            render_document(console, document, loaded)
    elif fmt == "json":
        click.echo(documents_json(results, loaded))
    elif fmt == "jsonl":
        for document in results:
            click.echo(document_jsonl(document))
    else:
        click.echo(documents_csv(results), nl=False)
    if grouped_output and grouped is not None:
        from .outputs import write_grouped_sqlite
        from .stream import model_digest

        write_grouped_sqlite(grouped_output, grouped, model_digest(loaded.to_bytes()))
        click.echo(f"Proportions of {len(grouped.groups)} groups written to {grouped_output}", err=True)
    if html and kept is not None:
        _write_classify_html(html, kept, loaded, texts, min_confidence, grouped)
    if warn.skipped:
        click.echo(f"Warning: {warn.skipped} input(s) skipped; see the warnings above.", err=True)
        sys.exit(EXIT_SKIPPED)


def _write_classify_html(
    path: str,
    documents: list[Document],
    model: FramingModel,
    texts: list[str],
    min_confidence: float,
    grouped: GroupedEstimate | None = None,
) -> None:
    from .html import write_classify_html

    write_classify_html(path, documents, model, texts=texts, min_confidence=min_confidence, grouped=grouped)
    click.echo(f"HTML report written to {path}", err=True)


def _check_stream_options(
    fmt: str,
    output: str | None,
    resume: bool,
    jobs: int | None,
    scheduler: str | None,
    dask_local: int | None,
    whole_collection: bool,
) -> bool:
    """Whether to stream (per-document results, in order, through workers); refuses options that clash."""
    distributed = scheduler is not None or dask_local is not None
    if resume and not output:
        raise click.UsageError("--resume continues an --output file; give --output FILE")
    if scheduler is not None and dask_local is not None:
        raise click.UsageError("use either --scheduler ADDRESS or --dask-local N, not both")
    if distributed and jobs is not None:
        raise click.UsageError("--jobs sets local processes; with Dask the cluster's workers do the work, so drop it")
    streaming_options = output or jobs is not None or distributed
    if whole_collection:
        if streaming_options:
            raise click.UsageError(
                "--output, --jobs and Dask write per-document results; drop --aggregate/--explain/--html"
            )
        return False
    if output and fmt != "table":
        raise click.UsageError(
            "--output writes the format its file suffix names (.jsonl, .csv, .sqlite); drop --format"
        )
    if streaming_options and fmt in ("table", "json") and not output:
        raise click.UsageError("--jobs and Dask stream results: give --output FILE, or --format jsonl or csv")
    return bool(output) or fmt in ("jsonl", "csv")


def _classify_stream(
    inputs: Inputs,
    model: str | None,
    fmt: str,
    output: str | None,
    resume: bool,
    engine: Engine,
    min_confidence: float,
) -> None:
    from .atomic import check_writable
    from .model import FramingModel
    from .outputs import Output, StreamOutput, open_output, output_kind
    from .progress import Progress
    from .stream import classify_stream, count_documents, model_digest, output_columns

    if output:
        output_kind(output)
        check_writable(output)
    path = resolve_model_path(model)
    loaded = FramingModel.load(path)
    data = path.read_bytes()
    progress = Progress()
    if progress.enabled:
        progress.total = count_documents(inputs)
    warnings = Warnings()

    def warn(message: str) -> None:
        progress.clear()
        warnings(message)

    sink: Output
    if output:
        settings = {"model": model_digest(data), "min_confidence": min_confidence, **inputs.settings()}
        sink = open_output(output, settings, output_columns(loaded, min_confidence), resume=resume)
        if sink.documents_done:
            click.echo(f"Resuming {output}: {sink.documents_done} documents already done.", err=True)
    else:
        sink = StreamOutput(sys.stdout, fmt)
    summary = classify_stream(
        loaded,
        inputs,
        sink,
        kind=output_kind(output) if output else fmt,
        min_confidence=min_confidence,
        engine=engine,
        model_bytes=lambda: data,
        warn=warn,
        progress=progress,
    )
    if output:
        click.echo(f"{summary.documents} documents ({summary.sentences} sentences) written to {output}", err=True)
    if warnings.skipped:
        click.echo(f"Warning: {warnings.skipped} input(s) skipped; see the warnings above.", err=True)
        sys.exit(EXIT_SKIPPED)


def _check_classify_modes(
    aggregate: bool, explain: bool, fmt: str, min_confidence: float, by: tuple[str, ...] = (), period: str | None = None
) -> None:
    from .errors import InputError
    from .groups import check_grouping

    if aggregate and explain:
        raise click.UsageError("use either --aggregate (corpus proportions) or --explain (per sentence), not both")
    if (by or period) and not aggregate:
        raise click.UsageError("--by and --period group the --aggregate proportions; add --aggregate")
    try:
        check_grouping(by, period)
    except InputError as exc:
        raise click.UsageError(f"{exc} (--by, --period)") from None
    if aggregate and by and fmt not in ("table", "json", "csv"):
        raise click.UsageError("--aggregate --by prints a table, JSON or CSV; use --format table, json or csv")
    if aggregate and not by and fmt not in ("table", "json"):
        raise click.UsageError("--aggregate prints a table or JSON; use --format table or --format json")
    if aggregate and min_confidence > 0:
        raise click.UsageError("--aggregate counts every sentence, so --min-confidence does not apply; drop it")
    if explain and fmt == "csv":
        raise click.UsageError("--explain works with --format table, json or jsonl, not csv")


def _print_aggregate(model: FramingModel, results: Iterable[Document], fmt: str) -> None:
    from .quantify import aggregate_documents
    from .report import aggregate_json, render_aggregate

    estimate = aggregate_documents(model, results)
    if fmt == "json":
        click.echo(aggregate_json(estimate, model))
    else:
        render_aggregate(_console(), estimate, model.codebook_)


def _remember_groups(
    documents: Iterable[DocumentText], groups: list[tuple[str, ...]], by: tuple[str, ...], period: str | None
) -> Iterator[DocumentText]:
    """Pass documents on, noting each one's group (documents without metadata, such as text files: missing)."""
    from .groups import group_of

    for document in documents:
        groups.append(document.group if document.group is not None else group_of({}, by, period))
        yield document


def _print_grouped(
    model: FramingModel,
    results: Iterable[Document],
    groups: Iterator[tuple[str, ...]],
    by: tuple[str, ...],
    period: str | None,
    fmt: str,
) -> GroupedEstimate:
    from .quantify import aggregate_groups
    from .report import grouped_csv, grouped_json, render_grouped

    estimate = aggregate_groups(model, results, groups, by, period)
    missing = estimate.missing_note()
    if missing:
        click.echo(f"Warning: {missing}", err=True)
    if fmt == "json":
        click.echo(grouped_json(estimate, model))
    elif fmt == "csv":
        click.echo(grouped_csv(estimate), nl=False)
    else:
        render_grouped(_console(), estimate, model.codebook_)
    return estimate


def _print_explained(model: FramingModel, results: Iterable[Document], fmt: str) -> None:
    from .explain import explain_documents
    from .report import explained_document_jsonl, explained_documents_json, render_document

    pairs = explain_documents(model, results)
    if fmt == "json":
        click.echo(explained_documents_json(pairs, model))
        return
    console = _console()
    for document, explanations in pairs:
        if fmt == "jsonl":
            click.echo(explained_document_jsonl(document, explanations))
        else:
            render_document(console, document, model, explanations)


@main.command()
@click.argument("text")
@model_option
@click.option(
    "--top", default=defaults.EXPLAIN_TOP, show_default=True, type=click.IntRange(min=1), help="N-grams on each side."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help="Output format.")
def explain(text: str, model: str | None, top: int, fmt: str) -> None:
    """Show which n-grams pushed each sentence of TEXT toward its frame and away from the runner-up.

    TEXT is a sentence (or several) in quotes, or - to read standard input.

    \b
    Example:
      framing explain "The occupation must end and foreign troops must leave Iraq."
    """
    from .documents import decode_text
    from .explain import explain_text
    from .report import explanations_json, render_explanations

    if text == "-":
        text = decode_text(sys.stdin.buffer.read(), "<stdin>")
    loaded = load_model(model)
    explanations = explain_text(loaded, text, top)
    if fmt == "json":
        click.echo(explanations_json(explanations, loaded))
    else:
        render_explanations(_console(), explanations, loaded.codebook_)


@main.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path())
@model_option
@click.option(
    "--cv", "cv", type=int, help="Cross-validate training on CORPUS with this many folds instead of using a model."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Output format."
)
@click.option("--seed", default=defaults.SEED, show_default=True, help="Random seed for --cv folds and the bootstrap.")
@click.option(
    "--errors",
    "errors",
    type=click.Path(dir_okay=False),
    help="Write every misclassified sentence (gold, predicted, confidence) to this .csv or .jsonl file.",
)
@click.option(
    "--learning-curve",
    is_flag=True,
    help="Also cross-validate on 25/50/75/100% of the training data, to see whether more labels would help.",
)
@click.option(
    "--bootstrap",
    "samples",
    default=defaults.BOOTSTRAP_SAMPLES,
    show_default=True,
    type=click.IntRange(min=100),
    help="Bootstrap resamples for the 95% intervals.",
)
@click.option(
    "--html",
    "html",
    type=click.Path(dir_okay=False),
    help="Also write a self-contained HTML report (metrics, confusion heat map, calibration plot, mistakes).",
)
@corpus_options
def evaluate(
    corpus: tuple[str, ...],
    model: str | None,
    cv: int | None,
    fmt: str,
    seed: int,
    errors: str | None,
    learning_curve: bool,
    samples: int,
    html: str | None,
    text_column: str,
    label_column: str,
    group_column: str,
    data_dir: str,
    half: str,
) -> None:
    """Score a model on a held-out labeled corpus, or cross-validate with --cv K.

    Scores come with bootstrap 95% intervals (resampling documents when there is a doc_id
    column), calibration, a --min-confidence table, the most confused frames, per-source and
    per-document results.

    \b
    Example:
      framing evaluate heldout.csv -m models/default.framing --errors mistakes.csv
      framing evaluate corpus/labeled --cv 5 --learning-curve --format json
      framing evaluate corpus/real --half dev -m models/default.framing
    """
    from .evaluate import EvaluationOptions, cross_validate, evaluate_model
    from .model import ModelConfig
    from .report import render_evaluation, to_json

    if cv is not None and model is not None:
        raise click.UsageError("use either --model (score a trained model) or --cv K (cross-validate), not both")
    if html:
        from .atomic import check_writable

        check_writable(html)
    data = _read_corpus(corpus, text_column, label_column, group_column, data_dir, half)
    codebook = None
    options = EvaluationOptions(samples=samples, seed=seed, learning_curve=learning_curve, errors=errors)
    if cv is not None:
        report = cross_validate(data, cv, ModelConfig(seed=seed), progress=_progress(), options=options)
    else:
        loaded = load_model(model)
        codebook = loaded.codebook_
        report = evaluate_model(loaded, data, options, progress=_progress())
    if fmt == "json":
        click.echo(to_json(report.to_dict()))
    else:
        render_evaluation(_console(), report, codebook)
    if html:
        from .html import write_evaluation_html

        write_evaluation_html(html, report, codebook)
        click.echo(f"HTML report written to {html}", err=True)


@main.command()
@model_option
@click.option(
    "--codebook", type=click.Path(dir_okay=False), help="Show this codebook file instead of a model's frames."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Output format."
)
def frames(model: str | None, codebook: str | None, fmt: str) -> None:
    """List the frames of a model (or a codebook) with titles and definitions.

    \b
    Example:
      framing frames
      framing frames --codebook corpus/codebook.json --format json
    """
    from .codebook import load_codebook
    from .report import render_frames, to_json

    if codebook and model:
        raise click.UsageError("use either --model or --codebook, not both")
    if codebook:
        book = load_codebook(codebook)
    else:
        loaded = load_model(model)
        assert loaded.codebook_ is not None
        book = loaded.codebook_
    if fmt == "json":
        click.echo(to_json(book.to_dict()))
    else:
        render_frames(_console(), book)


@main.command()
@click.argument("first", type=click.Path())
@click.argument("second", type=click.Path())
@model_option
@document_options
@click.option(
    "--seed", default=defaults.SEED, show_default=True, help="Random seed for the bootstrap and permutations."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Output format."
)
def compare(
    first: str,
    second: str,
    model: str | None,
    text_field: str,
    id_field: str,
    encoding: str | None,
    seed: int,
    fmt: str,
) -> None:
    """Compare the frame proportions of two collections: SECOND minus FIRST, frame by frame.

    FIRST and SECOND are each a text file, a folder of *.txt files or a JSONL file. Per frame:
    both shares (adjusted, PACC), the difference with a 95% bootstrap interval, and the p-value
    of a permutation test of "one mix for both".

    \b
    Example:
      framing compare outlet_a.jsonl outlet_b.jsonl
    """
    from .classify import classify_documents
    from .compare import compare_collections
    from .documents import read_documents
    from .report import comparison_json, render_comparison

    loaded = load_model(model)
    warn = Warnings()
    sides = [
        classify_documents(
            loaded, read_documents([path], text_field=text_field, id_field=id_field, encoding=encoding, warn=warn)
        )
        for path in (first, second)
    ]
    result = compare_collections(loaded, sides[0], sides[1], seed=seed)
    if fmt == "json":
        click.echo(comparison_json(result, loaded, first, second))
    else:
        render_comparison(_console(), result, first, second, loaded.codebook_)
    if warn.skipped:
        click.echo(f"Warning: {warn.skipped} input(s) skipped; see the warnings above.", err=True)
        sys.exit(EXIT_SKIPPED)


@main.command()
@click.argument("labels", type=click.Path(dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Output format."
)
@click.option(
    "--show", default=20, show_default=True, type=click.IntRange(min=0), help="Disagreements listed in the table."
)
def agreement(labels: str, fmt: str, show: int) -> None:
    """How far annotators agree: Krippendorff's alpha, Cohen's kappa per pair, the contested sentences.

    LABELS is a JSONL file of answers (as `framing annotate` writes them): label, annotator, and an
    id or the text (with its doc_id) to match the same sentence across annotators.

    \b
    Example:
      framing agreement labels.jsonl
    """
    from .agreement import agreement_report, read_annotations
    from .report import agreement_json, render_agreement

    report = agreement_report(read_annotations(labels))
    if fmt == "json":
        click.echo(agreement_json(report))
    else:
        render_agreement(_console(), report, show)


@main.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path())
@click.option(
    "-m",
    "--model",
    "model",
    type=click.Path(dir_okay=False),
    help="Judge with this model's probabilities instead of cross-validation (it may believe labels it was trained on).",
)
@click.option("--cv", "folds", default=defaults.CV_FOLDS, show_default=True, type=int, help="Cross-validation folds.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write every finding to this .csv or .jsonl file."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Output format."
)
@click.option("--show", default=20, show_default=True, type=click.IntRange(min=0), help="Findings listed in the table.")
@corpus_options
def audit(
    corpus: tuple[str, ...],
    model: str | None,
    folds: int,
    output: str | None,
    fmt: str,
    show: int,
    text_column: str,
    label_column: str,
    group_column: str,
    data_dir: str,
    half: str,
) -> None:
    """Find likely label errors in a labeled corpus, and near-duplicates labeled differently.

    Each sentence is judged by a model that never saw it (cross-validation, by document); where
    the model is confident another frame fits better than the label, the label is listed, most
    doubtful first, with the frame suggested (confident learning).

    \b
    Example:
      framing audit corpus/labeled -o suspects.csv
    """
    from .audit import audit_corpus, write_audit
    from .report import audit_json, render_audit

    if output:
        from .atomic import check_writable

        check_writable(output)
    data = _read_corpus(corpus, text_column, label_column, group_column, data_dir, half)
    found = audit_corpus(data, model=load_model(model) if model else None, folds=folds)
    if output:
        write_audit(output, found)
        click.echo(f"{len(found.findings)} findings written to {output}", err=True)
    if fmt == "json":
        click.echo(audit_json(found))
    else:
        render_audit(_console(), found, show)


@main.command("convert-labels")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Where to write the labels.")
@click.option("--from", "source_format", type=click.Choice(LABEL_FORMATS), required=True, help="The format of SOURCE.")
@click.option("--to", "target_format", type=click.Choice(LABEL_FORMATS), required=True, help="The format to write.")
def convert_labels(source: str, output: str, source_format: str, target_format: str) -> None:
    """Move labels between framing, Label Studio (JSON export) and doccano (JSONL export).

    framing's labels are JSONL lines of text, label and, when known, id, doc_id and annotator
    (what `framing agreement` reads, and a corpus `framing train` reads). Each sentence takes one
    frame: an item with several labels is refused; an item with none is left out and counted.

    \b
    Example:
      framing convert-labels project.json --from labelstudio --to framing -o labels.jsonl
      framing convert-labels labels.jsonl --from framing --to doccano -o for_doccano.jsonl
    """
    from .atomic import check_writable
    from .interchange import read_labels, write_labels

    check_writable(output)
    imported = read_labels(source, source_format)
    write_labels(output, imported.records, target_format)
    left_out = f"; {imported.unlabeled} unlabeled items left out" if imported.unlabeled else ""
    click.echo(f"{len(imported.records)} labels written to {output} ({target_format}){left_out}", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@model_option
@click.option("--codebook", type=click.Path(dir_okay=False), help="Codebook JSON shown beside each sentence.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Labels file (JSONL), appended to."
)
@click.option("--annotator", default=lambda: os.environ.get("USER") or "annotator", help="Your name in the labels.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port on 127.0.0.1.")
@click.option(
    "--strategy", type=click.Choice(ANNOTATE_STRATEGIES), default="uncertainty", show_default=True, help="Which next."
)
@click.option("--retrain-every", default=0, type=click.IntRange(min=0), help="Refit the model every N answers.")
@document_options
def annotate(
    paths: tuple[str, ...],
    model: str | None,
    codebook: str | None,
    output: str,
    annotator: str,
    port: int,
    strategy: str,
    retrain_every: int,
    text_field: str,
    id_field: str,
    encoding: str | None,
) -> None:
    """Label sentences in your browser, the model choosing which sentence helps most next.

    Serves a page on 127.0.0.1 (with a secret token in its URL). Keys 1-9 pick a frame, s skips,
    u undoes, ? shows help. Every answer is appended to OUTPUT at once; stop with Ctrl-C and
    start again to continue where you stopped.

    \b
    Example:
      framing annotate articles/ -o labels.jsonl --annotator ana --retrain-every 50
    """
    from .annotate import Session, sentence_items
    from .annotate_server import AnnotationServer
    from .atomic import check_writable
    from .codebook import load_codebook
    from .documents import read_documents

    check_writable(output)
    loaded = load_model(model)
    book = load_codebook(codebook) if codebook else loaded.codebook_
    assert book is not None
    warn = Warnings()
    items = sentence_items(
        read_documents(paths, text_field=text_field, id_field=id_field, encoding=encoding, warn=warn)
    )
    if not items:
        raise click.UsageError("the inputs hold no sentences to label; give files, folders or JSONL with text")
    session = Session(items, loaded, book, Path(output), annotator, strategy, retrain_every=retrain_every).start()
    server = AnnotationServer(session, port)
    done, left = session.counts
    click.echo(f"{len(items)} sentences, {done} already labeled by {annotator}, {left} to go.", err=True)
    click.echo(f"Open {server.url} (Ctrl-C to stop; answers are saved as you go)", err=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        session.close()


@main.command("import-spans")
@click.argument("articles_dir", type=click.Path())
@click.argument("labels_dir", type=click.Path())
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Labeled sentences to write (.csv, .tsv or .jsonl).",
)
@click.option(
    "--units",
    type=click.Choice(["lines", "sentences"]),
    default="lines",
    show_default=True,
    help="Label each line of an article, or each of framing's sentences.",
)
@click.option("--binary", "positive", metavar="NAME", help="NAME if a span overlaps the unit, else 'none'.")
@click.option("--multi", is_flag=True, help="Span labels: the label overlapping the unit most, else 'none' (default).")
def import_spans(
    articles_dir: str, labels_dir: str, output: str, units: str, positive: str | None, multi: bool
) -> None:
    """Turn articles and span annotations (PTC layout) into labeled sentences with doc_id.

    ARTICLES_DIR holds NAME.txt articles; LABELS_DIR holds NAME.labels.tsv files with lines
    ID<TAB>label<TAB>start<TAB>end (character offsets, end exclusive; an empty file for an
    article without spans). A span outside its article is named in a warning and skipped (exit 3).

    \b
    Example:
      framing import-spans ptc/train/articles ptc/train/labels --binary propaganda -o train.csv
    """
    from .atomic import check_writable
    from .spans import Units, write_units
    from .spans import import_spans as run_import

    if multi and positive is not None:
        raise click.UsageError("use either --binary NAME or --multi, not both")
    check_writable(output)
    warn = Warnings()
    unit_kind: Units = "sentences" if units == "sentences" else "lines"
    result = run_import(articles_dir, labels_dir, units=unit_kind, positive=positive, warn=warn)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    count = write_units(output, result.units)
    counts = ", ".join(f"{label} {n}" for label, n in result.label_counts().items())
    click.echo(
        f"{count} {units} from {result.n_articles} articles and {result.n_spans} spans written to {output} ({counts})",
        err=True,
    )
    if result.n_skipped_spans:
        click.echo(f"Warning: {result.n_skipped_spans} span(s) skipped; see the warnings above.", err=True)
        sys.exit(EXIT_SKIPPED)


if __name__ == "__main__":  # pragma: no cover
    main()
