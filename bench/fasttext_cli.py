"""fastText as a command, the counterpart of `framing train` / `framing classify` in the speed benchmark.

    python bench/fasttext_cli.py train CORPUS.csv MODEL.bin
    python bench/fasttext_cli.py load MODEL.bin            # prints the median load time in seconds
    python bench/fasttext_cli.py classify MODEL.bin DOCS.jsonl > out.jsonl

`classify` reads JSONL documents ({"id", "text"}), splits them with framing's own sentence
splitter (so both tools see the same sentences), and writes one JSON line per document with
each sentence's label and probability, as `framing classify --format jsonl` does.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import fasttext_baseline  # noqa: E402
from framing.segment import split_sentences  # noqa: E402


def train(corpus: str, out: str) -> None:
    with open(corpus, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    model = fasttext_baseline.train([r["text"] for r in rows], [r["label"] for r in rows], Path(out).parent)
    model.save_model(out)


def load(path: str, runs: str = "5") -> None:
    import fasttext

    times = []
    for _ in range(int(runs)):
        began = time.perf_counter()
        fasttext.load_model(path)
        times.append(time.perf_counter() - began)
    print(statistics.median(times))


def classify(path: str, documents: str) -> None:
    import fasttext

    model = fasttext.load_model(path)
    out = sys.stdout
    with open(documents, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            sentences = [s.text for s in split_sentences(record["text"])]
            labels, probs = model.predict([fasttext_baseline.one_line(s) for s in sentences], k=1)
            frames = [
                {"text": s, "frame": label[0][len(fasttext_baseline.PREFIX) :], "confidence": float(prob[0])}
                for s, label, prob in zip(sentences, labels, probs, strict=True)
            ]
            out.write(json.dumps({"id": record["id"], "sentences": frames}) + "\n")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"train": train, "load": load, "classify": classify}[command](*args)
