"""Benchmark the HTML report of a 1,000-article collection: build time, file size, and how fast it opens.

Classifies 1,000 real news articles (the PTC articles under ../shared/data/ptc, repeated under
new ids to reach the count) with a model, writes the report as ``framing classify --html``
does, and opens it in headless Chromium several times, each in a fresh browser: the time from
navigation to the load event plus two animation frames (laid out and painted). Budget: 3 s.

    python bench/bench_html.py [--model models/default.framing] [--documents 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from headless_chromium import Chromium, chromium_missing  # noqa: E402

from framing.classify import classify_documents  # noqa: E402
from framing.defaults import DEFAULT_MODEL_PATH  # noqa: E402
from framing.documents import DocumentText  # noqa: E402
from framing.html import write_classify_html  # noqa: E402
from framing.model import FramingModel  # noqa: E402

ARTICLES = Path("../shared/data/ptc")
BUDGET_S = 3.0


def load_articles(count: int) -> list[DocumentText]:
    folder = ROOT / ARTICLES
    files = sorted(folder.glob("*/articles/*.txt"))
    if not files:
        sys.exit(f"no articles under {folder}; this benchmark needs ../shared/data/ptc")
    documents = []
    for n in range(count):
        path = files[n % len(files)]
        copy = n // len(files)
        documents.append(DocumentText(f"{path.stem}-{copy}" if copy else path.stem, path.read_text(encoding="utf-8")))
    return documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL_PATH))
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="also copy the report and a screenshot into this folder")
    args = parser.parse_args()
    missing = chromium_missing()
    if missing:
        sys.exit(f"cannot open the report: {missing}")
    model = FramingModel.load(args.model)
    texts = load_articles(args.documents)
    start = time.perf_counter()
    documents = list(classify_documents(model, texts))
    classify_s = time.perf_counter() - start
    n_sentences = sum(d.n_sentences for d in documents)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(args.keep or tmp) / "collection.html"
        report.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        write_classify_html(report, documents, model, texts=[t.text for t in texts])
        write_s = time.perf_counter() - start
        size_mb = report.stat().st_size / 1e6
        opens, errors, shown = [], [], 0
        for run in range(args.runs):
            with Chromium() as browser:
                opens.append(browser.open(report))
                shown = browser.evaluate("document.querySelectorAll('.s').length")
                errors += browser.errors()
                if args.keep and run == 0:
                    browser.screenshot(Path(args.keep) / "collection.png")
    print(f"documents: {len(documents)}, sentences: {n_sentences}, highlighted in the browser: {shown}")
    print(f"classify: {classify_s:.1f} s; report (n-grams, overall estimate, HTML): {write_s:.1f} s; {size_mb:.1f} MB")
    print(
        f"open in headless Chromium (load + paint), {args.runs} fresh browsers: "
        f"median {statistics.median(opens):.2f} s, "
        f"max {max(opens):.2f} s (budget {BUDGET_S:.0f} s)"
    )
    print(f"console errors: {len(errors)}")
    for error in errors:
        print(f"  {error}")
    if shown != n_sentences or errors or max(opens) > BUDGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
