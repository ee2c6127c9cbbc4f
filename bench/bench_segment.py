"""Benchmark framing.segment.split_sentences on about 20 MB of news-like text and print MB/s."""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from framing.segment import split_sentences  # noqa: E402

SEED_ARTICLE = ROOT / "seeds" / "000_f1f53ae782e7b667.txt"
TARGET_CHARS = 20_000_000
RUNS = 5

# Sentences exercising the slow paths: abbreviations, initials, numbers, quotes, URLs, ellipses.
VARIED = [
    "Mr. Smith told reporters at 10 a.m. that the U.S. Army would stay.",
    'Gen. Mark A. Milley said "we will leave." Then he left the room.',
    "Shares of Apple Inc. rose 3.5% to $1,204.50 on Tuesday, approx. 2 points above forecasts.",
    "The report, published Sept. 11 by the U.N. (see un.org/report-v1.2.3.pdf), was blunt.",
    "Sen. Elizabeth Warren, D-Mass., asked why? Nobody answered.",
    "Officials in the U.S. The decision, e.g. the tariffs, drew criticism from the U.K. and others.",
    "“It is over,” said Dr. Jane Doe of St. Mary’s Hospital. “We tried.”",
    "He paused... and then went on. It was, he said, a long day…",
    "Contact j.doe@example.com for details. Prices fell 1.2 billion yen vs. last year.",
    "George W. Bush met J. R. R. Tolkien fans in Washington, D.C. on Jan. 5. Really!",
]

HEADLINES = [
    "Markets rally as Fed holds rates",
    "By JOHN SMITH, Associated Press",
    "A protester holds a sign outside parliament. (photo credit: REUTERS)",
    "WASHINGTON (AP) —",
]


def build_corpus(target_chars: int = TARGET_CHARS) -> str:
    """Repeat the seed article interleaved with varied paragraphs until ``target_chars``."""
    rng = random.Random(0)
    seed = SEED_ARTICLE.read_text(encoding="utf-8")
    parts: list[str] = []
    size = 0
    while size < target_chars:
        block = [seed, rng.choice(HEADLINES)]
        for _ in range(rng.randint(2, 6)):
            paragraph = " ".join(rng.choice(VARIED) for _ in range(rng.randint(2, 8)))
            block.append(paragraph)
        newline = rng.choice(["\n", "\r\n", "\n\n"])
        chunk = newline.join(block) + newline
        parts.append(chunk)
        size += len(chunk)
    return "".join(parts)[:target_chars]


def measure(name: str, text: str) -> None:
    """Print the median throughput of ``RUNS`` runs of split_sentences over ``text``."""
    megabytes = len(text.encode("utf-8")) / 1e6
    wall: list[float] = []
    cpu: list[float] = []
    count = 0
    for _ in range(RUNS):
        began, began_cpu = time.perf_counter(), time.process_time()
        count = len(split_sentences(text))
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    median = statistics.median(wall)
    # CPU time as well, since wall-clock time on a shared machine includes other processes.
    median_cpu = statistics.median(cpu)
    print(f"{name}: {megabytes:.1f} MB, {count} sentences, median of {RUNS} runs {median:.3f} s")
    print(f"{name}: {megabytes / median:.1f} MB/s wall-clock, {megabytes / median_cpu:.1f} MB/s CPU time")


def main() -> None:
    measure("mixed news", build_corpus())
    seed = SEED_ARTICLE.read_text(encoding="utf-8") + "\n"
    measure("seed article only", seed * (TARGET_CHARS // len(seed) + 1))


if __name__ == "__main__":
    main()
