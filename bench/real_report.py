"""Score a model on real news: the standoff-labeled PTC lines of corpus/real (``make real-report``).

Usage: python bench/real_report.py [MODEL] [--half dev|test] [--data DIR] [--json]
(default: models/default.framing on the dev half). The text comes from ../shared/data; the
labels are ours (corpus/real, no text committed). The test half is for the final report only:
tune on the dev half.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from framing import defaults  # noqa: E402
from framing.errors import FramingError  # noqa: E402
from framing.evaluate import EvaluationOptions, evaluate_model  # noqa: E402
from framing.metrics import compute_report  # noqa: E402
from framing.model import FramingModel  # noqa: E402
from framing.standoff import load_real_set  # noqa: E402

#: Macro-F1 over the frames with at least this many gold lines (rarer ones make it noise).
MIN_SUPPORT = 10
#: Lines of site furniture (poll forms, credits), scored also without them.
FURNITURE = "boilerplate"


def measure(model: FramingModel, half: str, data: Path = defaults.DATA_PATH, samples: int = 1000) -> dict[str, Any]:
    """The figures of one half: scores with intervals, per frame, per document, confusions."""
    real = load_real_set(defaults.REAL_LABELS_PATH, data).select(None if half == "all" else half)
    report = evaluate_model(model, real.corpus(), EvaluationOptions(samples=samples))
    extras = report.extras
    frequent = [f for f, s in report.per_frame.items() if s.support >= MIN_SUPPORT]
    f1s = [report.per_frame[f].f1 or 0.0 for f in frequent]
    plain = real.select(without=[FURNITURE])
    plain_pred = list(model.predict([s.text for s in plain.sentences]))
    plain_report = compute_report([s.label for s in plain.sentences], plain_pred, model.display_frames)
    intervals = extras["intervals"]
    return {
        "half": half,
        "n": report.n,
        "n_articles": len(real.articles),
        "accuracy": report.accuracy,
        "accuracy_interval": intervals["accuracy"],
        "macro_f1": report.macro_f1,
        "macro_f1_interval": intervals["macro_f1"],
        "frequent_frames": frequent,
        "macro_f1_frequent": sum(f1s) / len(f1s) if f1s else 0.0,
        "n_without_furniture": plain_report.n,
        "accuracy_without_furniture": plain_report.accuracy,
        "per_frame": {
            f: {
                "precision": s.precision,
                "recall": s.recall,
                "f1": s.f1,
                "f1_interval": intervals["per_frame_f1"][f],
                "support": s.support,
                "predicted": s.predicted,
            }
            for f, s in report.per_frame.items()
        },
        "document_mae": extras["documents"]["mae_overall"],
        "document_mae_interval": extras["documents"]["mae_overall_interval"],
        "confused_pairs": [
            {"gold": p["gold"], "predicted": p["predicted"], "n": p["count"]} for p in extras["confused_pairs"]
        ],
        "per_topic": [
            {"topic": row["source"], "n": row["n"], "accuracy": row["accuracy"]} for row in extras["per_source"] or []
        ],
    }


def _interval(pair: list[float | None]) -> str:
    low, high = pair
    return "[   n/a   ]" if low is None or high is None else f"[{low:.3f}, {high:.3f}]"


def render(result: dict[str, Any]) -> str:
    lines = [
        f"real news, {result['half']} half: {result['n']} lines in {result['n_articles']} articles",
        f"accuracy  {result['accuracy']:.3f} {_interval(result['accuracy_interval'])}   "
        f"without site furniture ({result['n_without_furniture']} lines): {result['accuracy_without_furniture']:.3f}",
        f"macro-F1  {result['macro_f1']:.3f} {_interval(result['macro_f1_interval'])} over the frames present; "
        f"{result['macro_f1_frequent']:.3f} over the {len(result['frequent_frames'])} frames "
        f"with >= {MIN_SUPPORT} lines",
        f"per-document proportion MAE {result['document_mae']:.3f} {_interval(result['document_mae_interval'])}",
        "",
        f"{'frame':22s} {'prec':>6s} {'recall':>6s} {'F1':>6s} {'F1 95% interval':>17s} {'gold':>5s} {'pred':>5s}",
    ]
    for frame, s in result["per_frame"].items():
        if not s["support"] and not s["predicted"]:
            continue
        cells = [f"{v:6.3f}" if v is not None else "   n/a" for v in (s["precision"], s["recall"], s["f1"])]
        lines.append(
            f"{frame:22s} {' '.join(cells)} {_interval(s['f1_interval']):>17s} {s['support']:5d} {s['predicted']:5d}"
        )
    lines += ["", "most confused (gold -> predicted):"]
    lines += [f"  {p['gold']} -> {p['predicted']}: {p['n']}" for p in result["confused_pairs"]]
    lines += ["", "accuracy per topic:"]
    lines += [f"  {t['topic']:14s} {t['n']:4d} lines  {t['accuracy']:.3f}" for t in result["per_topic"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(defaults.DEFAULT_MODEL_PATH))
    parser.add_argument("--half", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--data", type=Path, default=defaults.DATA_PATH)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()
    try:
        result = measure(FramingModel.load(args.model), args.half, args.data)
    except FramingError as exc:
        sys.exit(f"Error: {exc}")
    print(json.dumps(result, indent=2) if args.json else render(result))


if __name__ == "__main__":
    main()
