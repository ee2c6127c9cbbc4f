"""Standoff labels: resolved against the text they were made on, refused clearly when it differs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import TINY_ROWS, assert_error, run_cli, write_corpus_file
from hypothesis import given
from hypothesis import strategies as st

from framing import defaults
from framing.standoff import (
    StandoffArticle,
    StandoffError,
    StandoffLabel,
    dump_standoff,
    line_spans,
    load_corpora,
    load_real_set,
    load_standoff,
)

ARTICLES = {
    "a1": (
        "Rockets hit base near Baghdad\n\n  Iran-backed militias fired rockets at the base.  \n"
        "The ministry reported three casualties.\n"
    ),
    "a2": "Officials met on Monday.\nThe Americans created ISIS to justify the occupation.\n\n",
    "a3": "Tehran's proxies attacked the convoy with drones.\nParliament will vote next week.",
}
LABELS = {
    "a1": ["factual", "proxy", "factual"],
    "a2": ["factual", "conspiracy"],
    "a3": ["proxy", "factual"],
}
HALF = {"a1": "dev", "a2": "dev", "a3": "test"}


def make_set(tmp_path: Path, notes: dict[tuple[str, int], tuple[str, ...]] | None = None) -> tuple[Path, Path]:
    """A data folder with three articles and a standoff folder labeling every non-blank line."""
    data = tmp_path / "data"
    (data / "news").mkdir(parents=True)
    articles, labels = [], []
    for name, text in ARTICLES.items():
        (data / "news" / f"{name}.txt").write_text(text, encoding="utf-8")
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        articles.append(StandoffArticle(name, f"news/{name}.txt", sha, HALF[name], "topic-" + name))
        for (number, start, end), label in zip(line_spans(text), LABELS[name], strict=True):
            labels.append(StandoffLabel(name, number, start, end, label, (notes or {}).get((name, number), ())))
    folder = tmp_path / "real"
    dump_standoff(folder, articles, labels)
    return folder, data


def rewrite(path: Path, change: callable) -> None:  # type: ignore[valid-type]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    change(rows)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_resolves_every_line_with_its_text_half_and_notes(tmp_path: Path) -> None:
    folder, data = make_set(tmp_path, {("a1", 4): ("unsure",)})
    real = load_real_set(folder, data)
    assert [s.text for s in real.sentences] == [
        "Rockets hit base near Baghdad",
        "Iran-backed militias fired rockets at the base.",
        "The ministry reported three casualties.",
        "Officials met on Monday.",
        "The Americans created ISIS to justify the occupation.",
        "Tehran's proxies attacked the convoy with drones.",
        "Parliament will vote next week.",
    ]
    assert [s.line for s in real.sentences][:3] == [1, 3, 4]
    assert len(real.select("dev")) == 5 and len(real.select("test")) == 2
    assert len(real.select(without=["unsure"])) == 6
    assert real.articles == ["a1", "a2", "a3"]


def test_corpus_keeps_articles_as_documents_and_topics_as_sources(tmp_path: Path) -> None:
    folder, data = make_set(tmp_path)
    corpus = load_real_set(folder, data).select("dev").corpus()
    assert corpus.groups() == ["a1", "a1", "a1", "a2", "a2"]
    assert {s.source for s in corpus.sentences} == {"topic-a1", "topic-a2"}
    assert corpus.sentences[0].where.endswith("labels.jsonl:1")


def test_load_corpora_joins_plain_files_and_standoff_folders(tmp_path: Path) -> None:
    folder, data = make_set(tmp_path)
    plain = write_corpus_file(tmp_path / "plain.jsonl", TINY_ROWS)
    both = load_corpora([plain, folder], data=data, half="test")
    assert len(both) == len(TINY_ROWS) + 2
    assert both.files == (str(plain), str(folder / "labels.jsonl"))
    with pytest.raises(StandoffError, match="no labeled lines in the 'dev' half"):
        load_corpora([plain, _only_test(folder)], data=data, half="dev")


def _only_test(folder: Path) -> Path:
    rewrite(folder / "articles.jsonl", lambda rows: [r.update(half="test") for r in rows])
    return folder


def test_missing_data_folder_says_the_labels_are_standoff(tmp_path: Path) -> None:
    folder, _ = make_set(tmp_path)
    with pytest.raises(StandoffError) as error:
        load_real_set(folder, tmp_path / "absent")
    assert str(error.value) == (
        f"{tmp_path / 'absent'}: no such data folder; the labels in {folder} are standoff (no text is "
        "committed) and need the corpora they were made on beside the project"
    )


def test_missing_article_is_named(tmp_path: Path) -> None:
    folder, data = make_set(tmp_path)
    (data / "news" / "a2.txt").unlink()
    with pytest.raises(StandoffError, match=r"a2\.txt: missing; the labels in .* need article a2 in the data folder"):
        load_real_set(folder, data)


def test_changed_text_is_refused_before_any_label_is_used(tmp_path: Path) -> None:
    folder, data = make_set(tmp_path)
    path = data / "news" / "a1.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("three", "four"), encoding="utf-8")
    with pytest.raises(
        StandoffError, match=r"a1\.txt: its text differs from the one the labels .* \(sha256 mismatch\)"
    ):
        load_real_set(folder, data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows.pop(1), "a1: non-blank lines 3 have no label; label every line"),
        (lambda rows: rows.insert(0, dict(rows[0])), "a1: line 1 is labeled twice; keep one label per line"),
        (
            lambda rows: rows[1].update(start=rows[1]["start"] - 2),
            "line 3 of a1 spans 33-80, not 31-80; fix the offsets",
        ),
        (lambda rows: rows[0].update(line=2), "line 2 of a1 is blank or past the end"),
    ],
)
def test_labels_that_do_not_fit_the_text(tmp_path: Path, change: callable, message: str) -> None:  # type: ignore[valid-type]
    folder, data = make_set(tmp_path)
    rewrite(folder / "labels.jsonl", change)
    with pytest.raises(StandoffError, match=message.replace("(", r"\(")):
        load_real_set(folder, data)


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("articles.jsonl", lambda rows: rows[0].update(half="train"), "'half' must be one of dev, test, not 'train'"),
        ("articles.jsonl", lambda rows: rows[0].update(path="../secret.txt"), "must be relative to the data folder"),
        ("articles.jsonl", lambda rows: rows[0].update(sha256="abc"), "'sha256' must be 64 lowercase hex digits"),
        ("articles.jsonl", lambda rows: rows.append(dict(rows[0])), "article 'a1' is listed twice"),
        ("labels.jsonl", lambda rows: rows[0].update(article="zz"), "article 'zz' is not listed in articles.jsonl"),
        ("labels.jsonl", lambda rows: rows[0].update(line="1"), "'line' must be a non-negative integer, not '1'"),
        ("labels.jsonl", lambda rows: rows[0].update(end=0), "'end' (0) must be after 'start' (0)"),
        ("labels.jsonl", lambda rows: rows[0].update(label=""), "'label' must be a non-empty string, not ''"),
    ],
)
def test_malformed_standoff_files_name_file_line_and_field(
    tmp_path: Path,
    file: str,
    change: callable,  # type: ignore[valid-type]
    message: str,
) -> None:
    folder, _ = make_set(tmp_path)
    rewrite(folder / file, change)
    with pytest.raises(StandoffError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_standoff(folder)


def test_broken_json_line_is_reported_with_its_place(tmp_path: Path) -> None:
    folder, _ = make_set(tmp_path)
    with (folder / "labels.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"article": "a1", \n')
    with pytest.raises(StandoffError, match=r"labels\.jsonl:8: invalid JSON"):
        load_standoff(folder)


@given(st.lists(st.sampled_from(["", " ", "word", "  two words ", "\t", "x.y"]), max_size=12))
def test_line_spans_cover_exactly_the_stripped_non_blank_lines(lines: list[str]) -> None:
    text = "\n".join(lines)
    spans = list(line_spans(text))
    assert [n for n, _, _ in spans] == [i for i, line in enumerate(lines, 1) if line.strip()]
    assert [text[s:e] for _, s, e in spans] == [line.strip() for line in lines if line.strip()]


def test_evaluate_scores_a_standoff_half_from_the_cli(tmp_path: Path, tiny_model_path: Path) -> None:
    folder, data = make_set(tmp_path)
    result = run_cli("evaluate", folder, "-m", tiny_model_path, "--data", data, "--half", "dev", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 5


def test_cli_without_the_data_folder_is_one_clear_error(tmp_path: Path, tiny_model_path: Path) -> None:
    folder, _ = make_set(tmp_path)
    result = run_cli("evaluate", folder, "-m", tiny_model_path, "--data", tmp_path / "nowhere")
    assert_error(
        result,
        f"{tmp_path / 'nowhere'}: no such data folder; the labels in {folder} are standoff (no text is "
        "committed) and need the corpora they were made on beside the project",
    )


def test_the_committed_real_set_matches_the_shared_corpora() -> None:
    if not defaults.DATA_PATH.is_dir():
        pytest.skip(f"the real corpora are not beside the project ({defaults.DATA_PATH})")
    real = load_real_set(defaults.REAL_LABELS_PATH, defaults.DATA_PATH)
    assert len(real.articles) >= 40 and len(real) >= 1200
    assert {s.half for s in real.sentences} == {"dev", "test"}
    # Halves split by article, and near-duplicate articles (the same text) share a half.
    by_text: dict[str, set[str]] = {}
    # Site furniture (poll forms, credits) recurs across outlets; article text must not.
    for s in real.select(without=["boilerplate"]).sentences:
        by_text.setdefault(s.text, set()).add(s.half)
    long_lines = {t: h for t, h in by_text.items() if len(t.split()) >= 12}
    assert all(len(h) == 1 for h in long_lines.values())


def test_committed_standoff_files_hold_no_text() -> None:
    for row in (defaults.REAL_LABELS_PATH / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        assert set(json.loads(row)) <= {"article", "line", "start", "end", "label", "note"}
    for row in (defaults.REAL_LABELS_PATH / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        assert set(json.loads(row)) == {"article", "path", "sha256", "half", "topic"}
