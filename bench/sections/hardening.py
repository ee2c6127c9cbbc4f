"""Hardening budgets: the model file of a ~150k-term model, and hostile text (a 50 MB line) end to end."""

from __future__ import annotations

import sys

from bench.common import ROOT, Context, Section, measure, shown

KEY = "hardening"
TITLE = "Model file budget and hostile input"
ORDER = 50


def run(ctx: Context) -> Section:
    commands = [
        [sys.executable, str(ROOT / "bench" / "bench_model_file.py"), "--runs", "7"],
        [sys.executable, str(ROOT / "bench" / "bench_hostile_input.py")],
    ]
    outputs = []
    for command in commands:
        ctx.log(f"hardening: {shown(command)}")
        outputs.append(measure(command).stdout.strip())
    body = "\n\n".join(
        [
            "A model of about 150,000 TF-IDF terms (8 frames, generated sentences) against the budget of "
            "30 MB and 0.5 s load, timed in fresh processes with scikit-learn already imported, beside a "
            "joblib dump of the same fitted objects (which framing never loads). Then `framing classify` "
            "on a 100,000-character sentence and a 50 MB single-line file, with the model named on the "
            "`model:` line ($FRAMING_MODEL, else `models/default.framing`, else a small one trained on the "
            "spot): overlong sentences are cut at 2,000 characters, and memory is the child's peak RSS.",
            "```text\n" + "\n\n".join(outputs) + "\n```",
        ]
    )
    return Section(KEY, TITLE, body, tuple(shown(c) for c in commands))
