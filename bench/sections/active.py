"""Active learning, simulated: macro-F1 against the number of labels, random order vs the annotate strategies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.common import Context, Section, multiclass_scores, table
from bench.sections.ptc import dev_gold, train_rows
from framing.annotate import priority
from framing.corpus import load_corpus
from framing.model import FramingModel, ModelConfig

KEY = "active"
TITLE = "Which sentence to label next: simulated annotation (issue 15)"
ORDER = 40
STRATEGIES = ("random", "uncertainty", "entropy")
SEEDS = (0, 1, 2)
#: Labels given before the model picks (drawn at random, the same for every strategy).
START = 20


def simulate(
    pool: Sequence[str],
    pool_labels: Sequence[str],
    test: Sequence[str],
    test_labels: Sequence[str],
    strategy: str,
    batch: int,
    seed: int,
) -> list[tuple[int, float]]:
    """Reveal labels batch by batch in the strategy's order; macro-F1 on the test set after each batch."""
    rng = np.random.default_rng(seed)
    start = list(np.random.default_rng(seed).choice(len(pool), size=START, replace=False))
    labeled, curve = list(start), []
    remaining = np.setdiff1d(np.arange(len(pool)), labeled)
    while True:
        labels = [pool_labels[i] for i in labeled]
        if len(set(labels)) >= 2:
            model = FramingModel(ModelConfig()).fit([pool[i] for i in labeled], labels)
            predicted = [str(p) for p in model.predict(list(test))]
            curve.append((len(labeled), multiclass_scores(list(test_labels), predicted)["macro_f1"]))
        else:
            model = None
        if not len(remaining):
            return curve
        if model is None:
            picked = rng.choice(remaining, size=min(batch, len(remaining)), replace=False)
        else:
            scores = priority(model.predict_proba([pool[i] for i in remaining]), strategy, rng)
            picked = remaining[np.argsort(scores, kind="stable")[:batch]]
        labeled.extend(int(i) for i in picked)
        remaining = np.setdiff1d(remaining, picked)


def labels_to_reach(curve: list[tuple[int, float]], target: float) -> int | None:
    return next((n for n, f1 in curve if f1 >= target), None)


def run(ctx: Context) -> Section:
    rows: list[list[Any]] = []
    verdicts = []
    corpora = []
    gvfc = load_corpus([ctx.data / "gvfc" / "gvfc_train.csv"])
    rng = np.random.default_rng(0)
    docs = sorted(set(gvfc.groups()))
    held = set(rng.choice(docs, size=int(0.3 * len(docs)), replace=False))
    pairs = list(zip(gvfc.sentences, gvfc.groups(), strict=True))
    corpora.append(
        (
            "GVFC (9 frames)",
            [s.text for s, g in pairs if g not in held],
            [s.label for s, g in pairs if g not in held],
            [s.text for s, g in pairs if g in held],
            [s.label for s, g in pairs if g in held],
            30,
        )
    )
    texts, labels, _ = train_rows(ctx)
    pick = np.random.default_rng(0).choice(len(texts), size=4000, replace=False)
    dev_texts, dev_is = dev_gold(ctx)
    corpora.append(
        (
            "PTC (propaganda / none)",
            [texts[i] for i in pick],
            [labels[i] for i in pick],
            dev_texts,
            ["propaganda" if g else "none" for g in dev_is],
            200,
        )
    )
    for name, pool, pool_labels, test, test_labels, batch in corpora:
        curves: dict[str, list[list[tuple[int, float]]]] = {}
        for strategy in STRATEGIES:
            ctx.log(f"active: {name}, {strategy}")
            curves[strategy] = [simulate(pool, pool_labels, test, test_labels, strategy, batch, s) for s in SEEDS]
        mean = {
            strategy: [(runs[0][k][0], float(np.mean([run[k][1] for run in runs]))) for k in range(len(runs[0]))]
            for strategy, runs in curves.items()
        }
        final = mean["random"][-1][1]
        total = mean["random"][-1][0]
        marks = sorted({n for n, _ in mean["random"]})
        shown = [n for n in marks if n in {marks[0], *marks[:: max(1, len(marks) // 8)], marks[-1]}]
        for n in shown:
            rows.append([name, n, *(f"{dict(mean[s])[n]:.3f}" for s in STRATEGIES)])
        for strategy in STRATEGIES[1:]:
            needed = labels_to_reach(mean[strategy], final)
            share = f"{needed / total:.0%}" if needed else "never"
            verdicts.append(
                f"{name}: {strategy} reaches random order's final macro-F1 ({final:.3f}, {total} labels) "
                + (f"with {needed} labels ({share} of them)." if needed else "within the pool: never.")
            )
    body = "\n\n".join(
        [
            "Labels revealed as if a person gave them, in the order each strategy asks for them: "
            f"{START} random labels to start, then batches (GVFC 30, PTC 200) chosen with the model refitted on "
            "the labels so far (TF-IDF + logistic regression, default settings), until the pool is labeled. "
            "GVFC: pool = 70% of the headlines (by doc_id), test = the other 30%; PTC: pool = 4,000 random train "
            f"lines, test = the dev lines. Macro-F1 on the test set, the mean of {len(SEEDS)} runs (seeds "
            f"{', '.join(map(str, SEEDS))}: the same starting labels for every strategy in a run).",
            table(["corpus", "labels", *STRATEGIES], rows),
            "\n".join(f"- {v}" for v in verdicts),
        ]
    )
    return Section(KEY, TITLE, body, ("python bench/run.py --only active",))
