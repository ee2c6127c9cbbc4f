"""Agreement between annotators: Cohen's kappa per pair, Krippendorff's alpha overall and per frame."""

from __future__ import annotations

import itertools
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import CorpusError
from .interchange import json_lines


@dataclass(frozen=True)
class Annotation:
    """One annotator's label for one item (a sentence, keyed by its id or its document and text)."""

    item: str
    annotator: str
    label: str
    text: str = ""


@dataclass(frozen=True)
class PairAgreement:
    first: str
    second: str
    n_items: int
    observed: float
    kappa: float | None


@dataclass(frozen=True)
class Disagreement:
    item: str
    text: str
    labels: dict[str, str]


@dataclass(frozen=True)
class AgreementReport:
    """Who agreed with whom, how far beyond chance, on which frames, and where they did not."""

    annotators: tuple[str, ...]
    n_items: int
    n_pairable: int
    alpha: float | None
    alpha_per_frame: dict[str, float | None]
    pairs: tuple[PairAgreement, ...]
    frames: tuple[str, ...]
    #: Coincidence counts: how often frame i and frame j were given to the same item (symmetric).
    coincidences: np.ndarray = field(repr=False)
    disagreements: tuple[Disagreement, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "annotators": list(self.annotators),
            "n_items": self.n_items,
            "n_pairable": self.n_pairable,
            "krippendorff_alpha": self.alpha,
            "alpha_per_frame": self.alpha_per_frame,
            "pairs": [
                {
                    "annotators": [p.first, p.second],
                    "n_items": p.n_items,
                    "observed_agreement": p.observed,
                    "cohen_kappa": p.kappa,
                }
                for p in self.pairs
            ],
            "frames": list(self.frames),
            "coincidences": self.coincidences.tolist(),
            "disagreements": [{"item": d.item, "text": d.text, "labels": d.labels} for d in self.disagreements],
        }


def read_annotations(path: str | os.PathLike[str]) -> list[Annotation]:
    """Labels from a JSONL file (``framing annotate`` writes them): text, label, annotator, id or doc_id.

    An item is its ``id`` when present, else its ``doc_id`` and text, else its text. A later answer
    by the same annotator to the same item replaces the earlier one (they changed their mind).
    """
    source = Path(path)
    latest: dict[tuple[str, str], Annotation] = {}
    for where, record in json_lines(source):
        if not isinstance(record, dict):
            raise CorpusError(f"{where}: expected a JSON object with label and annotator")
        label, annotator = record.get("label"), record.get("annotator")
        if not isinstance(label, str) or not label.strip():
            raise CorpusError(f"{where}: no label; each line needs a non-empty string 'label'")
        if not isinstance(annotator, str) or not annotator.strip():
            raise CorpusError(f"{where}: no annotator; each line needs the 'annotator' who gave the label")
        text = record.get("text") if isinstance(record.get("text"), str) else ""
        item = _item_key(record, str(text), where)
        latest[(item, annotator)] = Annotation(item, annotator.strip(), label.strip(), str(text))
    if not latest:
        raise CorpusError(f"{source}: no labels; it holds no JSON lines")
    return list(latest.values())


def _item_key(record: Mapping[str, Any], text: str, where: str) -> str:
    if record.get("id") is not None:
        return str(record["id"])
    if not text:
        raise CorpusError(f"{where}: no id and no text; an item needs one of them to be matched across annotators")
    doc = record.get("doc_id")
    return f"{doc}\0{text}" if doc is not None else text


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> tuple[float, float | None]:
    """Observed agreement and Cohen's kappa of two annotators over the same items (None: undefined)."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    left, right = Counter(first), Counter(second)
    expected = sum(left[label] * right[label] for label in left) / (n * n)
    if expected >= 1.0:
        return observed, None  # both used one and the same label throughout: chance explains everything
    return observed, (observed - expected) / (1 - expected)


def coincidence_matrix(units: Iterable[Sequence[str]], frames: Sequence[str]) -> np.ndarray:
    """Krippendorff's coincidences: each unit with m >= 2 values adds its ordered pairs, weighted 1/(m-1)."""
    index = {f: i for i, f in enumerate(frames)}
    matrix = np.zeros((len(frames), len(frames)))
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for a, b in itertools.permutations(range(m), 2):
            matrix[index[values[a]], index[values[b]]] += 1 / (m - 1)
    return matrix


def krippendorff_alpha(matrix: np.ndarray) -> float | None:
    """Nominal alpha from a coincidence matrix: 1 - observed / expected disagreement (None: undefined)."""
    n = matrix.sum()
    if n <= 1:
        return None
    marginals = matrix.sum(axis=1)
    observed = n - np.trace(matrix)
    expected = (n * n - (marginals**2).sum()) / (n - 1)
    if expected == 0:
        return None  # every value the same: no variation to agree on
    return float(1 - observed / expected)


def agreement_report(annotations: Sequence[Annotation]) -> AgreementReport:
    """Pairwise kappa, overall and per-frame alpha, coincidences and the contested items."""
    by_item: dict[str, dict[str, str]] = defaultdict(dict)
    text_of: dict[str, str] = {}
    for a in annotations:
        by_item[a.item][a.annotator] = a.label
        text_of.setdefault(a.item, a.text)
    annotators = tuple(sorted({a.annotator for a in annotations}))
    if len(annotators) < 2:
        raise CorpusError(
            f"only one annotator ({annotators[0]}); agreement needs labels of the same items by two or more"
        )
    frames = tuple(sorted({a.label for a in annotations}))
    pairs = []
    for first, second in itertools.combinations(annotators, 2):
        shared = [item for item, labels in by_item.items() if first in labels and second in labels]
        if not shared:
            pairs.append(PairAgreement(first, second, 0, float("nan"), None))
            continue
        observed, kappa = cohen_kappa([by_item[i][first] for i in shared], [by_item[i][second] for i in shared])
        pairs.append(PairAgreement(first, second, len(shared), observed, kappa))
    units = [list(labels.values()) for labels in by_item.values()]
    pairable = [u for u in units if len(u) >= 2]
    if not pairable:
        raise CorpusError("no item has labels from two annotators; let several annotators label the same sentences")
    matrix = coincidence_matrix(pairable, frames)
    per_frame = {frame: krippendorff_alpha(_binary(pairable, frame)) for frame in frames}
    contested = sorted(
        (item for item, labels in by_item.items() if len(set(labels.values())) > 1),
        key=lambda item: (-len(set(by_item[item].values())), item),
    )
    disagreements = tuple(Disagreement(item, text_of[item], dict(sorted(by_item[item].items()))) for item in contested)
    return AgreementReport(
        annotators,
        len(by_item),
        len(pairable),
        krippendorff_alpha(matrix),
        per_frame,
        tuple(pairs),
        frames,
        matrix,
        disagreements,
    )


def _binary(units: Sequence[Sequence[str]], frame: str) -> np.ndarray:
    """Coincidences of "this frame" vs "any other frame": alpha for one frame."""
    return coincidence_matrix([["yes" if v == frame else "no" for v in u] for u in units], ["no", "yes"])
