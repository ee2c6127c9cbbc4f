"""Targets of issue 5 against what this run measured, and what the tuning showed."""

from __future__ import annotations

import re
from typing import Any

from bench.common import ROOT, Context, Section, table

KEY = "summary"
TITLE = "Targets and findings"
ORDER = 90

#: (what, results key, system name, target)
TARGETS = [
    ("PTC dev F1, default TF-IDF", "ptc-f1", "framing TF-IDF (default)", 0.60),
    ("GVFC CV accuracy, default TF-IDF", "gvfc-accuracy", "framing TF-IDF (default)", 0.74),
    ("PTC dev F1, with embeddings", "ptc-f1", "framing + embeddings", 0.63),
    ("GVFC CV accuracy, with embeddings", "gvfc-accuracy", "framing + embeddings", 0.80),
]

FINDINGS = """\
What helped, what did not (the tuning table; every choice made on training data only):

- **Sentence embeddings** are the one large gain, on both corpora: all-MiniLM-L6-v2 vectors
  appended to the TF-IDF features of the same logistic regression. Weight 1 (unit-length vectors
  beside the two unit-length TF-IDF blocks) and C 1 scored best in CV on PTC train, so
  `--embeddings` uses C 1 unless -C is given; weight 2, or C 10, were no better.
- **C** barely matters for the TF-IDF model on PTC in cross-validation between 1 and 30, nor on
  the Iraq/Iran corpus; the default 10 is kept, which keeps the default model unchanged.
- **Feature sets**: word 1-3-grams with min_df 2 (a model half the size), char_wb 1-4 instead of
  2-5, and no class weights are within noise of the default in CV. In exploration (not rerun by
  `make bench`) a sentence-length feature (log word count, or one-hot length bins) and plain `char`
  1-5-grams also left the CV F1 on train unchanged, so none was adopted, and the default model
  keeps its fast TF-IDF path (framing/features.py).
- **Threshold and calibration**: for two-frame models the decision threshold is what moves F1,
  and `framing train` chooses it by grouped CV on train; on PTC it lands well below 0.5, as F1 on
  a 28%-positive class wants. Recalibrating the probabilities (Platt, isotonic) was not tried: it
  would move the threshold with them and leave the ranking, hence the F1 at the chosen threshold,
  about the same.

Why the targets are missed: a linear model over n-grams sees words, not what they do in
context. PTC's `propaganda` lines are those overlapping any of 18 techniques, many of which
(doubt, causal oversimplification, whataboutism, appeal to fear) are not a matter of wording, and
GVFC's 9 frames are assigned from a headline of a dozen words with 30-300 examples per frame.
The published reference points are transformers fine-tuned end to end (about 0.58-0.63 PTC F1,
about 0.84 GVFC accuracy). The PTC figures quoted in the issue (about 0.58, 0.59 with a length
feature) used a threshold tuned on dev; with the threshold chosen on train, as here, the same
kind of model scores a little lower, and fastText lower still.
"""


#: Where each result sits in BENCHMARKS.md when this section runs alone (`--only summary`).
COLUMNS = {"ptc-f1": ("ptc", 4), "gvfc-accuracy": ("gvfc", 1)}


def from_file(key: str, system: str) -> float | None:
    """The figure an earlier run wrote to BENCHMARKS.md (section table row ``system``), if any."""
    section, column = COLUMNS[key]
    path = ROOT / "BENCHMARKS.md"
    if not path.exists():
        return None
    match = re.search(rf"<!-- section: {section} -->\n(.*?)<!-- end: {section} -->", path.read_text(), re.DOTALL)
    for line in (match.group(1) if match else "").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == system:
            try:
                return float(cells[column])
            except (IndexError, ValueError):
                return None
    return None


def run(ctx: Context) -> Section:
    rows: list[list[Any]] = []
    for what, key, system, target in TARGETS:
        measured = ctx.cache.get(key, {}).get(system)
        if measured is None:
            measured = from_file(key, system)
        if measured is None:
            rows.append([what, f">= {target:.2f}", "not measured yet", "-"])
        else:
            verdict = "met" if measured >= target else f"missed by {target - measured:.3f}"
            rows.append([what, f">= {target:.2f}", measured, verdict])
    return Section(KEY, TITLE, table(["target", "goal", "measured", ""], rows) + "\n\n" + FINDINGS)
