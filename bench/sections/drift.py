"""Proportions under drift: synthetic "months" with known, drifting frame mixes; error and coverage per method."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.common import Context, Section, framing_command, measure, shown, table
from bench.sections.ptc import dev_gold, imported
from framing import defaults
from framing.classify import classify_documents
from framing.corpus import load_corpus
from framing.documents import DocumentText
from framing.model import FramingModel, ModelConfig
from framing.quantify import LABELS, ConfusionRates, aggregate_groups, rates_from_model
from framing.train import train_model

KEY = "drift"
TITLE = "Proportions over time: synthetic months with drifting frame mixes (issue 16)"
ORDER = 30
MONTHS = 12
DOCS_PER_MONTH = 150
#: Each corpus's year of months is drawn this many times (different drifts), the errors pooled.
REPEATS = 5
SEED = 0


def months(
    texts: Sequence[str], labels: Sequence[str], frames: Sequence[str], rng: np.random.Generator
) -> tuple[list[DocumentText], list[tuple[str]], list[dict[str, float]]]:
    """Documents drawn month by month from a mix that drifts linearly between two random mixes."""
    by_frame = {f: [i for i, label in enumerate(labels) if label == f] for f in frames}
    start, end = rng.dirichlet(np.ones(len(frames))), rng.dirichlet(np.ones(len(frames)))
    documents: list[DocumentText] = []
    groups: list[tuple[str]] = []
    mixes: list[dict[str, float]] = []
    for m in range(MONTHS):
        mix = start + (end - start) * m / (MONTHS - 1)
        counts = rng.multinomial(DOCS_PER_MONTH, mix)
        for frame, n in zip(frames, counts, strict=True):
            for i in rng.choice(by_frame[frame], size=n, replace=n > len(by_frame[frame])):
                documents.append(DocumentText(f"m{m:02d}-{len(documents)}-{labels[i]}", texts[i]))
                groups.append((f"2020-{m + 1:02d}",))
        mixes.append(dict(zip(frames, counts / counts.sum(), strict=True)))
    return documents, groups, mixes


EMQ = "emq (SLD; measured here, not in the tool)"


def emq(proba: np.ndarray, train_prior: np.ndarray, tolerance: float = 1e-6, max_rounds: int = 1000) -> np.ndarray:
    """Saerens, Latinne and Decaestecker's EM: re-weight the posteriors by new/training priors until stable."""
    prior = train_prior.copy()
    for _ in range(max_rounds):
        posterior = proba * (prior / train_prior)
        posterior /= posterior.sum(axis=1, keepdims=True)
        updated = posterior.mean(axis=0)
        if np.abs(updated - prior).max() < tolerance:
            return updated
        prior = updated
    return prior


def measure_drift(
    model: FramingModel, documents: list[DocumentText], groups: list[tuple[str]], frames: Sequence[str]
) -> tuple[dict[str, float], dict[str, float], str, int]:
    """Mean absolute error against each month's true (sentence-weighted) mix, and interval coverage, per method."""
    classified = list(classify_documents(model, documents))
    truth: dict[str, dict[str, float]] = {}
    for document, (group,) in zip(classified, groups, strict=True):
        frame = document.id.rsplit("-", 1)[1]
        truth.setdefault(group, dict.fromkeys(frames, 0.0))[frame] += document.n_sentences
    for mix in truth.values():
        total = sum(mix.values())
        for frame in mix:
            mix[frame] /= total
    grouped = aggregate_groups(model, iter(classified), iter(groups), ["date"], samples=defaults.BOOTSTRAP_SAMPLES)
    errors: dict[str, list[float]] = {}
    covered: dict[str, list[bool]] = {}
    for month in grouped.groups:
        true_mix = truth[month.group[0]]
        for item in month.estimate.estimates:
            for frame in frames:
                errors.setdefault(item.method, []).append(abs(item.proportions[frame] - true_mix[frame]))
                low, high = item.intervals[frame].low, item.intervals[frame].high
                covered.setdefault(item.method, []).append(
                    low is not None and high is not None and low <= true_mix[frame] <= high
                )
    # EMQ (SLD), measured here only: a point estimate per month from the sentences' probabilities.
    rates = rates_from_model(model)
    if isinstance(rates, ConfusionRates):
        prior = rates.counts / rates.counts.sum()
        by_month: dict[str, list[np.ndarray]] = {}
        for document, (group,) in zip(classified, groups, strict=True):
            for sentence in document.sentences:
                by_month.setdefault(group, []).append(np.asarray([sentence.scores[f] for f in model.frames]))
        for group, rows in by_month.items():
            shares = dict(zip(model.frames, emq(np.vstack(rows), prior), strict=True))
            errors.setdefault(EMQ, []).extend(abs(shares[f] - truth[group][f]) for f in frames)
    return (
        {m: float(np.mean(v)) for m, v in errors.items()},
        {m: float(np.mean(v)) for m, v in covered.items()},
        grouped.recommended,
        len(grouped.groups),
    )


def gvfc(ctx: Context) -> tuple[FramingModel, list[str], list[str], list[str]]:
    """A model on 60% of GVFC's headlines (by doc_id), the other 40% as the pool months are drawn from."""
    corpus = load_corpus([ctx.data / "gvfc" / "gvfc_train.csv"])
    rng = np.random.default_rng(SEED)
    docs = sorted(set(corpus.groups()))
    held = set(rng.choice(docs, size=int(0.4 * len(docs)), replace=False))
    train = [s for s, g in zip(corpus.sentences, corpus.groups(), strict=True) if g not in held]
    pool = [s for s, g in zip(corpus.sentences, corpus.groups(), strict=True) if g in held]
    from framing.corpus import Corpus

    part = Corpus(tuple(train), corpus.files, corpus.sha256, corpus.n_bytes)
    model = train_model(part, config=ModelConfig())
    return model, [s.text for s in pool], [s.label for s in pool], sorted(set(corpus.labels))


def ptc(ctx: Context) -> tuple[FramingModel, list[str], list[str], list[str]]:
    """A model on PTC train lines (propaganda / none), dev lines as the pool."""
    corpus = load_corpus([imported(ctx, "train")])
    model = train_model(corpus, config=ModelConfig())
    texts, gold = dev_gold(ctx)
    return model, texts, ["propaganda" if g else "none" for g in gold], ["none", "propaganda"]


#: The scale target: this many dated documents aggregated by month.
SCALE_DOCUMENTS = 100_000


def scale(ctx: Context, texts: Sequence[str], model_path: str) -> tuple[str, float, float]:
    """`classify --aggregate --by date --period month` on 100,000 dated documents of real lines, timed."""
    rng = np.random.default_rng(SEED)
    path = ctx.work / "dated.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(SCALE_DOCUMENTS):
            lines = rng.choice(len(texts), size=5)
            day = f"20{17 + i % 2}-{1 + int(rng.integers(12)):02d}-{1 + int(rng.integers(28)):02d}"
            text = " ".join(texts[j] for j in lines)
            handle.write(json.dumps({"id": f"d{i}", "date": day, "text": text}) + "\n")
    command = framing_command(
        "classify", str(path), "-m", model_path, "--aggregate", "--by", "date", "--period", "month", "--format", "csv"
    )
    result = measure(command)
    return shown(command), result.seconds, result.peak_mib


def run(ctx: Context) -> Section:
    rows: list[list[Any]] = []
    verdicts = []
    for name, build in (("GVFC (9 frames)", gvfc), ("PTC (propaganda / none)", ptc)):
        ctx.log(f"drift: {name}")
        model, texts, labels, frames = build(ctx)
        runs = [
            measure_drift(model, *months(texts, labels, frames, np.random.default_rng(SEED + r))[:2], frames)
            for r in range(1, REPEATS + 1)
        ]
        recommended = runs[0][2]
        errors = {m: float(np.mean([run[0][m] for run in runs if m in run[0]])) for m in runs[0][0]}
        coverage = {m: float(np.mean([run[1][m] for run in runs])) for m in runs[0][1]}
        n_groups = sum(run[3] for run in runs)
        if name.startswith("PTC"):
            model_path = ctx.work / "drift-ptc.framing"
            model.save(model_path)
            ctx.log("drift: 100,000 dated documents")
            command, seconds, peak = scale(ctx, texts, str(model_path))
        for method, error in errors.items():
            mark = " (recommended)" if method == recommended else ""
            covers = f"{coverage[method]:.1%}" if method in coverage else "-"
            rows.append([name, f"{method}{mark}", f"{error:.4f}", covers])
        better = errors[recommended] < errors["classify_and_count"]
        verdicts.append(
            f"{name}: the recommended {recommended} {'beats' if better else 'does not beat'} classify & count "
            f"({errors[recommended]:.4f} vs {errors['classify_and_count']:.4f} mean absolute error), and its 95% "
            f"intervals cover the true share {coverage[recommended]:.1%} of the time ({n_groups} months × "
            f"{len(frames)} frames)."
        )
    methods = "; ".join(f"`{m}`: {label}" for m, label in LABELS.items())
    body = "\n\n".join(
        [
            f"Known truth under drift: {REPEATS} runs of {MONTHS} synthetic months of {DOCS_PER_MONTH} documents "
            "each, drawn from a "
            "pool of labeled items the model never trained on, with a frame mix that drifts linearly between two "
            "random mixes (Dirichlet(1)), new mixes in each run. GVFC: the model trains on 60% of the headlines "
            "(by doc_id) and the months are drawn from the other 40%; PTC: trained on train/ lines, months drawn "
            "from dev/ lines. "
            "Each item is one document; `framing.quantify.aggregate_groups` (what `classify --aggregate --by date "
            "--period month` computes) estimates each month's mix. Error: mean absolute error per month and "
            "frame against the month's true, sentence-weighted mix. Coverage: share of (month, frame) whose true "
            f"share lies in the method's 95% bootstrap interval. Methods: {methods}.",
            table(["corpus", "method", "mean absolute error", "interval coverage"], rows),
            "\n".join(f"- {v}" for v in verdicts),
            f"Scale: {SCALE_DOCUMENTS:,} dated JSONL documents of 5 PTC dev lines each, grouped by month over two "
            f"years (24 groups, every estimate with its 1,000-resample intervals), with the PTC model: "
            f"{seconds:.1f} s end to end (process start, reading, classifying, aggregating, writing the CSV), "
            f"peak {peak:.0f} MiB, one process.",
        ]
    )
    return Section(KEY, TITLE, body, ("python bench/run.py --only drift", command))
