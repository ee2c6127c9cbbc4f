"""Shared test fixtures: tiny labeled corpora in every format and tiny models trained once per session."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from framing.cli import main
from framing.corpus import load_corpus
from framing.model import FramingModel, ModelConfig
from framing.train import train_model

Row = Mapping[str, object]
WriteCorpus = Callable[..., Path]

# Three frames with distinct vocabularies, 8 sentences each, in 6 documents: enough for 2- or
# 3-fold (grouped) cross-validation, small enough to train in well under a second.
TINY_ROWS: tuple[dict[str, str], ...] = tuple(
    {"text": text, "label": label, "doc_id": f"{label}-{i % 2}", "source": "test"}
    for label, texts in {
        "conspiracy": [
            "The Americans created ISIS to justify their occupation of Iraq.",
            "Washington secretly armed the terrorists it claims to fight.",
            "ISIS is an American project designed to keep troops in the region.",
            "The so-called coalition protects the militants it pretends to bomb.",
            "US helicopters were seen dropping supplies to the jihadists.",
            "The CIA planned the attacks so that the occupation could continue.",
            "American intelligence runs the extremist cells behind the bombings.",
            "The occupiers revived ISIS whenever they needed an excuse to stay.",
        ],
        "proxy": [
            "Iran-backed militias fired rockets at the base near Baghdad.",
            "Tehran's proxies attacked the convoy with drones on Sunday.",
            "The Revolutionary Guard supplies the militias with missiles.",
            "Kataib Hezbollah, an Iranian proxy, claimed the rocket strike.",
            "Iranian-backed groups shelled the embassy compound again.",
            "Militias loyal to Tehran were blamed for the drone attack.",
            "Iran arms the factions that target coalition troops.",
            "The proxy groups answer to commanders in Tehran, officials said.",
        ],
        "factual": [
            "The ministry reported three casualties on Tuesday morning.",
            "Parliament will vote on the budget next week.",
            "Temperatures in Baghdad reached 50 degrees in August.",
            "The election commission published the final turnout figures.",
            "Oil exports rose by four percent in the second quarter.",
            "The prime minister met the finance minister on Monday.",
            "Schools reopened across the province after the holiday.",
            "The central bank kept its exchange rate unchanged.",
        ],
    }.items()
    for i, text in enumerate(texts)
)

#: A short article for classify tests: a headline, two paragraphs, abbreviations and a CRLF.
TINY_ARTICLE = (
    "Rockets hit base near Baghdad\n\n"
    "Iran-backed militias fired rockets at the U.S. base on Sunday. The ministry reported three casualties.\r\n"
    "A spokesman said the Americans created ISIS to justify the occupation."
)

TINY_CODEBOOK = {
    "name": "tiny",
    "version": "1",
    "frames": [
        {"id": "conspiracy", "title": "US conspiracy", "definition": "The US is blamed for ISIS."},
        {"id": "proxy", "title": "Iran proxy blame", "definition": "Iran's proxies are blamed."},
        {"id": "factual", "title": "Factual report", "definition": "Plain reporting."},
    ],
}


def write_corpus_file(path: Path, rows: Iterable[Row], columns: Sequence[str] | None = None) -> Path:
    """Write rows as CSV, TSV or JSONL, chosen by ``path``'s suffix; ``columns`` fixes the header."""
    rows = list(rows)
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(dict(r), ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return path
    header = list(columns) if columns else list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t" if path.suffix == ".tsv" else ",", lineterminator="\n")
        writer.writerow(header)
        writer.writerows([r.get(k, "") for k in header] for r in rows)
    return path


@pytest.fixture
def write_corpus(tmp_path: Path) -> WriteCorpus:
    """``write_corpus(name, rows=TINY_ROWS, columns=None)`` writes a corpus file under tmp_path."""

    def write(
        name: str = "corpus.jsonl", rows: Iterable[Row] = TINY_ROWS, columns: Sequence[str] | None = None
    ) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_corpus_file(path, rows, columns)

    return write


@pytest.fixture
def tiny_corpus_path(write_corpus: WriteCorpus) -> Path:
    """The three-frame tiny corpus as a JSONL file."""
    return write_corpus("tiny.jsonl")


@pytest.fixture
def codebook_path(tmp_path: Path) -> Path:
    path = tmp_path / "codebook.json"
    path.write_text(json.dumps(TINY_CODEBOOK), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("session")


@pytest.fixture(scope="session")
def tiny_model_path(session_dir: Path) -> Path:
    """A three-frame model (3-fold grouped CV, tiny codebook), trained and saved once per session."""
    from framing.codebook import codebook_from_dict

    corpus = load_corpus([write_corpus_file(session_dir / "tiny.jsonl", TINY_ROWS)])
    model = train_model(corpus, codebook_from_dict(TINY_CODEBOOK), ModelConfig(cv_folds=3))
    path = session_dir / "tiny.framing"
    model.save(path)
    return path


@pytest.fixture(scope="session")
def binary_model_path(session_dir: Path) -> Path:
    """A two-frame model (conspiracy is the rarer frame, so it gets the CV-chosen threshold)."""
    rows = [r for r in TINY_ROWS if r["label"] == "factual"] + [r for r in TINY_ROWS if r["label"] == "conspiracy"][:6]
    corpus = load_corpus([write_corpus_file(session_dir / "binary.jsonl", rows)])
    model = train_model(corpus, config=ModelConfig(cv_folds=3))
    path = session_dir / "binary.framing"
    model.save(path)
    return path


@pytest.fixture
def tiny_model(tiny_model_path: Path) -> FramingModel:
    """A fresh copy of the tiny model (loading is cheap; tests may mutate it)."""
    return FramingModel.load(tiny_model_path)


@pytest.fixture
def binary_model(binary_model_path: Path) -> FramingModel:
    return FramingModel.load(binary_model_path)


# -- noisy synthetic frames: a classifier trained on them errs, at known rates ----------------
NOISY_SIGNATURES: dict[str, tuple[str, ...]] = {
    "alpha": ("harbour", "lantern", "meadow", "orchard", "velvet"),
    "beta": ("granite", "thunder", "ember", "saddle", "quarry"),
    "gamma": ("pepper", "violin", "marble", "cobalt", "willow"),
}
NOISY_SHARED = (
    "people", "said", "today", "after", "before", "during", "report", "group",
    "city", "again", "while", "number", "often", "later", "around",
)  # fmt: skip
#: A cheap feature set for the noisy corpora: their words carry the signal, not their characters.
NOISY_CONFIG = ModelConfig(cv_folds=5, char_ngrams=(3, 3))


def noisy_rows(mix: Mapping[str, int], seed: int, doc_size: int = 10, prefix: str = "d") -> list[dict[str, str]]:
    """Six-word sentences; each word is the frame's own (p=0.4), another frame's (0.1) or shared.

    Sentences without a word of their own frame are ambiguous, so the model errs on about one
    in eight, evenly across frames; the labels are shuffled into documents of ``doc_size``.
    """
    import random

    rng = random.Random(seed)
    labels = [frame for frame, n in mix.items() for _ in range(n)]
    rng.shuffle(labels)
    rows = []
    for i, frame in enumerate(labels):
        words = []
        for _ in range(6):
            draw = rng.random()
            if draw < 0.4:
                words.append(rng.choice(NOISY_SIGNATURES[frame]))
            elif draw < 0.5:
                words.append(rng.choice(NOISY_SIGNATURES[rng.choice([f for f in NOISY_SIGNATURES if f != frame])]))
            else:
                words.append(rng.choice(NOISY_SHARED))
        rows.append({"text": " ".join(words).capitalize() + ".", "label": frame, "doc_id": f"{prefix}{i // doc_size}"})
    return rows


@pytest.fixture(scope="session")
def noisy_model_path(session_dir: Path) -> Path:
    """A model trained on 200 noisy sentences per frame (balanced), with 5-fold CV confusion rates."""
    rows = noisy_rows({"alpha": 200, "beta": 200, "gamma": 200}, seed=0)
    corpus = load_corpus([write_corpus_file(session_dir / "noisy.jsonl", rows)])
    path = session_dir / "noisy.framing"
    train_model(corpus, config=NOISY_CONFIG).save(path)
    return path


# -- command line ------------------------------------------------------------------------------
def run_cli(*args: str | Path, input: str | bytes | None = None) -> Result:
    # Wide enough that rich does not wrap table cells and titles.
    return CliRunner(env={"COLUMNS": "250"}).invoke(main, [str(a) for a in args], input=input)


def assert_error(result: Result, message: str, code: int = 1) -> None:
    """One `Error: ...` line on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.stderr
    if code == 1:
        assert result.stderr == f"Error: {message}\n"
