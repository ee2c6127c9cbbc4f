"""Speed on the same sentences: training time, model load time, classify throughput, peak memory."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.common import ROOT, Context, Section, framing_command, have, measure, shown, table
from bench.sections.ptc import imported
from framing.documents import read_documents
from framing.segment import split_sentences

KEY = "speed"
TITLE = "Speed: framing vs fastText on the same sentences"
ORDER = 30
#: The PTC articles (train and dev) are repeated under new ids to make a file this many times larger.
REPEAT = 4
LOAD_RUNS = 5
FASTTEXT = [sys.executable, str(ROOT / "bench" / "fasttext_cli.py")]
LOAD_FRAMING = (
    "import statistics, sys, time\n"
    "from framing.model import FramingModel\n"
    "times = []\n"
    "for _ in range(int(sys.argv[2])):\n"
    "    began = time.perf_counter(); FramingModel.load(sys.argv[1]); times.append(time.perf_counter() - began)\n"
    "print(statistics.median(times))\n"
)


def documents_file(ctx: Context) -> tuple[Path, int, int]:
    """A JSONL file of news articles (the PTC articles, repeated); its document and sentence counts."""
    path = ctx.work / "documents.jsonl"
    folders = [str(ctx.data / "ptc" / split / "articles") for split in ("train", "dev")]
    documents = list(read_documents(folders))
    n_sentences = 0
    with path.open("w", encoding="utf-8") as handle:
        for copy in range(REPEAT):
            for document in documents:
                handle.write(json.dumps({"id": f"{copy}-{document.id}", "text": document.text}) + "\n")
                n_sentences += len(split_sentences(document.text))
    return path, REPEAT * len(documents), n_sentences


def run(ctx: Context) -> Section:
    corpus = imported(ctx, "train")
    with corpus.open(encoding="utf-8") as handle:
        n_train = sum(1 for _ in handle) - 1
    docs, n_docs, n_sentences = documents_file(ctx)
    tools: list[tuple[str, list[str], list[str], list[str]]] = []
    framing_model = ctx.work / "speed.framing"
    tools.append(
        (
            "framing",
            framing_command("train", str(corpus), "-o", str(framing_model), "--cv-folds", "0"),
            [sys.executable, "-c", LOAD_FRAMING, str(framing_model), str(LOAD_RUNS)],
            framing_command("classify", "-m", str(framing_model), str(docs), "--format", "jsonl"),
        )
    )
    if have("fasttext"):
        fasttext_model = ctx.work / "speed.fasttext.bin"
        tools.append(
            (
                "fastText",
                [*FASTTEXT, "train", str(corpus), str(fasttext_model)],
                [*FASTTEXT, "load", str(fasttext_model), str(LOAD_RUNS)],
                [*FASTTEXT, "classify", str(fasttext_model), str(docs)],
            )
        )
    rows: list[list[Any]] = []
    commands: list[str] = []
    for name, train_cmd, load_cmd, classify_cmd in tools:
        ctx.log(f"speed: {name}")
        trained = measure(train_cmd)
        loaded = measure(load_cmd)
        classified = measure(classify_cmd)
        n_out = sum(len(json.loads(line)["sentences"]) for line in classified.stdout.splitlines() if line.strip())
        if n_out != n_sentences:
            raise RuntimeError(f"{name} classified {n_out} sentences, expected {n_sentences}")
        model_path = framing_model if name == "framing" else ctx.work / "speed.fasttext.bin"
        rows.append(
            [
                name, f"{trained.seconds:.1f} s", f"{trained.peak_mib:.0f} MiB",
                f"{float(loaded.stdout.strip()) * 1000:.0f} ms", f"{model_path.stat().st_size / 1e6:.1f} MB",
                f"{classified.seconds:.1f} s", f"{n_sentences / classified.seconds:,.0f}",
                f"{classified.peak_mib:.0f} MiB",
            ]
        )  # fmt: skip
        commands += [shown(train_cmd), shown(classify_cmd)]
    body = "\n\n".join(
        [
            f"Training: the {n_train:,} PTC train lines, one fit (framing `--cv-folds 0`: no cross-validation, "
            "no threshold; fastText: one `train_supervised`, one thread). Load: median of "
            f"{LOAD_RUNS} loads in a warm process (imports excluded). Classify: end to end, process start "
            f"included, a JSONL file of {n_docs:,} news documents (the PTC articles, {REPEAT} copies) = "
            f"{n_sentences:,} sentences split by framing's splitter for both tools, one JSON line per "
            "document on stdout. Peak memory: the process's maximum resident set (wait4).",
            table(
                ["tool", "train", "train peak", "model load", "model file", "classify", "sentences/s", "classify peak"],
                rows,
            ),
        ]
    )
    return Section(KEY, TITLE, body, tuple(commands))
