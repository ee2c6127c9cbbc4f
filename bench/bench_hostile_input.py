"""Benchmark hostile text end to end: a 50 MB single-line file and a 100,000-character sentence.

Runs `framing classify --format csv` on each in a fresh process and reports wall time, peak
memory (max RSS of the child) and the number and maximum length of the sentences it produced.
Uses --model, else $FRAMING_MODEL, else models/default.framing; else trains a small model.

    python bench/bench_hostile_input.py [--model FILE] [--megabytes 50]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = b"militias fired rockets at the base near the airport while officials said "


def small_model(folder: Path) -> Path:
    corpus = folder / "corpus.csv"
    rows = ["text,label"]
    for i in range(40):
        rows.append(f"Iran-backed militias fired rockets at base number {i}.,proxy")
        rows.append(f"The ministry published report number {i} on Tuesday.,factual")
    corpus.write_text("\n".join(rows) + "\n", encoding="utf-8")
    model = folder / "small.framing"
    subprocess.run(
        [sys.executable, "-m", "framing.cli", "train", str(corpus), "-o", str(model)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return model


def measure(model: Path, document: Path, label: str) -> None:
    command = [sys.executable, "-m", "framing.cli", "classify", str(document), "-m", str(model), "--format", "csv"]
    output = document.with_suffix(".csv")
    start = time.perf_counter()
    with output.open("wb") as sink:
        child = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.DEVNULL)
        # wait4 gives this child's own peak memory (RUSAGE_CHILDREN would mix in earlier children).
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{label}: exit {os.waitstatus_to_exitcode(status)}")
    with output.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    longest = max(len(r[6]) for r in rows)
    size = document.stat().st_size
    print(
        f"{label}: {size / 1e6:.1f} MB in {seconds:.1f} s ({size / 1e6 / seconds:.2f} MB/s), "
        f"max RSS {usage.ru_maxrss / 1024:.0f} MB, {len(rows):,} sentences, longest {longest:,} characters"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file")
    parser.add_argument("--megabytes", type=float, default=50.0, help="size of the single-line file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        model_name = args.model or os.environ.get("FRAMING_MODEL")
        default = ROOT / "models" / "default.framing"
        model = Path(model_name) if model_name else default if default.exists() else small_model(folder)
        print(f"model: {model.name}")
        sentence = folder / "sentence.txt"
        sentence.write_bytes((WORDS * (100_000 // len(WORDS) + 1))[:100_000])
        measure(model, sentence, "100,000-character sentence")
        line = folder / "line.txt"
        line.write_bytes(WORDS * int(args.megabytes * 1e6 / len(WORDS)))
        measure(model, line, f"{args.megabytes:g} MB single line")


if __name__ == "__main__":
    main()
