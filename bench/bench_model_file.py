"""Benchmark the model file: size and load time of a ~150k-term model (budget: 30 MB, 0.5 s load).

Trains a real model (8 frames, no cross-validation) on generated news-like sentences whose
vocabulary gives about 150,000 TF-IDF terms, saves it, and times ``FramingModel.load`` in fresh
processes (scikit-learn imported first, as the CLI does before loading). For reference it also
measures a joblib dump of the same fitted scikit-learn objects, which framing never loads.

    python bench/bench_model_file.py [--terms 150000] [--runs 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from framing.model import FramingModel, ModelConfig  # noqa: E402

FRAMES = [f"frame_{i}" for i in range(8)]
SYLLABLES = [consonant + vowel for consonant in "bdkrstnmlpgzf" for vowel in "aeiou"]
COMMON = ["the", "a", "of", "in", "to", "and", "said", "on", "for", "that", "with", "was", "by"]
COMMON += ["as", "at", "from", "is", "its", "his", "their", "officials", "forces"]

LOAD_SNIPPET = """
import sys, time
import sklearn.feature_extraction.text, sklearn.pipeline  # the CLI has these loaded already
from framing.model import FramingModel
start = time.perf_counter()
model = FramingModel.load(sys.argv[1])
loaded = time.perf_counter() - start
model.predict_proba(["The militias fired rockets at the base."])  # anything set up lazily happens here
print(loaded, time.perf_counter() - start)
"""

JOBLIB_SNIPPET = """
import sys, time
import joblib, sklearn.feature_extraction.text, sklearn.pipeline, sklearn.linear_model
start = time.perf_counter()
pipeline = joblib.load(sys.argv[1])
loaded = time.perf_counter() - start
pipeline.predict_proba(["The militias fired rockets at the base."])
print(loaded, time.perf_counter() - start)
"""


def generate(n_sentences: int, n_words: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(n_words)]
    texts, labels = [], []
    for i in range(n_sentences):
        body = [rng.choice(COMMON) if rng.random() < 0.4 else rng.choice(words) for _ in range(rng.randint(15, 35))]
        texts.append(" ".join(body).capitalize() + ".")
        labels.append(FRAMES[i % len(FRAMES)])
    return texts, labels


def n_terms(model: FramingModel) -> int:
    assert model.features_ is not None
    return sum(len(v.vocabulary_) for _, v in model.features_.transformer_list)


def time_in_fresh_processes(snippet: str, path: Path, runs: int) -> tuple[list[float], list[float]]:
    """Seconds to load, and to load and score a first sentence, in ``runs`` fresh processes."""
    timings = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", snippet, str(path)], check=True, capture_output=True, text=True, cwd=ROOT
        )
        load, first = done.stdout.split()
        timings.append((float(load), float(first)))
    return [t[0] for t in timings], [t[1] for t in timings]


def reference_pipeline(model: FramingModel) -> object:
    """The same fitted model as a plain scikit-learn Pipeline, for the joblib comparison."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    classifier = LogisticRegression()
    classifier.coef_, classifier.intercept_ = model.coef_, model.intercept_
    classifier.classes_ = np.asarray(model.frames)
    return Pipeline([("features", model.features_), ("classifier", classifier)])


def describe(name: str, size: int, loads: list[float], firsts: list[float]) -> str:
    return (
        f"{name}: {size / 1e6:.1f} MB, load median {statistics.median(loads):.3f} s "
        f"(min {min(loads):.3f}, max {max(loads):.3f}), load + first sentence median {statistics.median(firsts):.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=150_000, help="target number of TF-IDF terms")
    parser.add_argument("--runs", type=int, default=7, help="load timings (fresh processes)")
    args = parser.parse_args()

    # Tuned so that word 1-2-grams and char_wb 2-5-grams add up to about ``--terms``.
    n_sentences = max(200, args.terms // 30)
    texts, labels = generate(n_sentences, n_words=max(500, args.terms // 10))
    start = time.perf_counter()
    model = FramingModel(ModelConfig(cv_folds=0)).fit(texts, labels)
    fit_seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        import joblib

        path, joblib_path = Path(folder) / "bench.framing", Path(folder) / "bench.joblib"
        model.save(path)
        joblib.dump(reference_pipeline(model), joblib_path)
        loads, firsts = time_in_fresh_processes(LOAD_SNIPPET, path, args.runs)
        joblib_loads, joblib_firsts = time_in_fresh_processes(JOBLIB_SNIPPET, joblib_path, args.runs)
        size, joblib_size = path.stat().st_size, joblib_path.stat().st_size
    print(f"model: {n_terms(model):,} terms, {len(FRAMES)} frames, {n_sentences:,} sentences (fit {fit_seconds:.1f} s)")
    print(describe("framing file", size, loads, firsts) + f", {args.runs} runs")
    print(describe("joblib file (reference only)", joblib_size, joblib_loads, joblib_firsts))
    median = statistics.median(loads)
    print(f"budget: 30 MB and 0.5 s load -> {'OK' if size <= 30e6 and median <= 0.5 else 'OVER'}")


if __name__ == "__main__":
    main()
