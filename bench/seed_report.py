"""Compare the default model's frame proportions on the seed article with its gold labels.

Usage: python bench/seed_report.py [MODEL]   (default: models/default.framing)
The seed article is never trained on; its gold labels are in seeds/*.gold.jsonl, one per
sentence of framing's own segmentation.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from framing.classify import classify_text, frame_proportions
from framing.defaults import DEFAULT_MODEL_PATH, PROJECT_ROOT
from framing.model import FramingModel

SEED = PROJECT_ROOT / "seeds" / "000_f1f53ae782e7b667"


def main() -> None:
    model = FramingModel.load(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_MODEL_PATH)
    text = Path(f"{SEED}.txt").read_text(encoding="utf-8")
    gold = [json.loads(line) for line in Path(f"{SEED}.gold.jsonl").read_text(encoding="utf-8").splitlines()]
    document = classify_text(model, text, SEED.name)
    spans = [(s.start, s.end) for s in document.sentences]
    if spans != [(g["start"], g["end"]) for g in gold]:
        sys.exit("the gold labels do not match the current segmentation; relabel seeds/*.gold.jsonl")
    frames = model.display_frames
    gold_share = frame_proportions(frames, [g["label"] for g in gold], False)
    correct = sum(s.frame == g["label"] for s, g in zip(document.sentences, gold, strict=True))
    print(f"seed article: {len(gold)} sentences, sentence accuracy {correct / len(gold):.3f}")
    print(f"{'frame':22s} {'gold':>7s} {'predicted':>10s} {'error':>7s}")
    errors = []
    for frame in frames:
        g, p = gold_share[frame], document.proportions[frame]
        errors.append(abs(g - p))
        print(f"{frame:22s} {g:7.1%} {p:10.1%} {p - g:+7.1%}")
    print(f"mean absolute error over {len(frames)} frames: {sum(errors) / len(errors):.3f}")


if __name__ == "__main__":
    main()
