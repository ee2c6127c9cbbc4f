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
What helped, what did not (see the tuning table; every choice made on training data only):

- **Sentence embeddings** are the one large gain: all-MiniLM-L6-v2 vectors appended to the
  TF-IDF features of the same logistic regression. Weight 1 (unit-length vectors beside the two
  unit-length TF-IDF blocks) is the default; weight 2 was not better in CV on PTC train.
- **C** barely matters for PTC in cross-validation between 1 and 30; the default 10 is kept,
  which also keeps the default Iraq/Iran model unchanged (its CV scores are in the tuning table).
- **Feature sets**: word 1-3-grams with min_df 2 (a model half the size), char_wb 1-4 instead of
  2-5, and no class weights are within noise of the default in CV. In exploration (not rerun by
  `make bench`) a sentence-length feature (log word count, or one-hot length bins) and plain `char`
  1-5-grams also left the CV F1 on train unchanged, so none was adopted: the default model keeps
  its fast TF-IDF path (framing/features.py).
- **Calibration and the threshold**: logistic-regression probabilities are used as they are;
  for two-frame models the decision threshold is what matters, and `framing train` chooses it
  by grouped CV on train. On PTC it lands below 0.5 (recall-leaning), as F1 on a 28%-positive
  class wants.

Why the TF-IDF targets are missed: a linear model over n-grams sees words, not what they do in
context. PTC's `propaganda` lines are those overlapping any of 18 techniques, half of which
(doubt, causal oversimplification, whataboutism, appeal to fear) are not lexical, and GVFC's 9
frames are assigned from a headline of a dozen words with 30-300 examples per frame. The
published reference points are transformers fine-tuned end to end (about 0.58-0.63 PTC F1,
about 0.84 GVFC accuracy). The figures the issue quotes (0.58-0.59 PTC, 0.71 GVFC) were tuned on
dev; measured honestly here, with the threshold chosen on train, the TF-IDF model is at the
level of those figures and fastText is below it.
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
