"""A long fuzz campaign (not part of `make test`): the properties of tests/test_fuzz.py, many times over.

Runs pytest on tests/test_fuzz.py in rounds, each with FRAMING_FUZZ_SCALE times the usual number of
examples and a different Hypothesis seed, until the time budget is spent; prints one line per round
and a summary (examples per property, failures). Failing examples are also kept in .hypothesis/.

    python tests/fuzz/run_campaign.py --minutes 10 --scale 20
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUZZ_TESTS = ROOT / "tests" / "test_fuzz.py"


def base_examples() -> dict[str, int]:
    """Each property's example count at scale 1, read from its @fuzz(N) decorator."""
    counts = {}
    for node in ast.parse(FUZZ_TESTS.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "fuzz":
                    counts[node.name] = ast.literal_eval(decorator.args[0])
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="time budget")
    parser.add_argument("--scale", type=int, default=20, help="examples per round, as a multiple of make test's")
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    env = {**os.environ, "FRAMING_FUZZ_SCALE": str(args.scale)}
    counts = base_examples()
    rounds, failures, started = 0, [], time.monotonic()
    while time.monotonic() < deadline:
        seed = rounds + 1
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(FUZZ_TESTS),
            f"--hypothesis-seed={seed}",
        ]
        round_start = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        rounds += 1
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(no output)"
        print(f"round {rounds} (seed {seed}): {summary} [{time.monotonic() - round_start:.0f} s]", flush=True)
        if done.returncode != 0:
            failures.extend(re.findall(r"^FAILED (\S+)", done.stdout, re.MULTILINE))
            print(done.stdout[-6000:], flush=True)
    print(f"\n{rounds} rounds in {(time.monotonic() - started) / 60:.1f} min, scale {args.scale}, seeds 1..{rounds}")
    for name, n in sorted(counts.items()):
        print(f"  {name}: up to {rounds * n * args.scale:,} examples")
    print(f"failures: {', '.join(sorted(set(failures))) or 'none'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
