"""Tests for framing.spans and `framing import-spans`: tiny synthetic articles in the PTC layout."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.cli import main
from framing.corpus import load_corpus
from framing.errors import CorpusError, OutputError
from framing.spans import Span, import_spans, label_unit, write_units

ARTICLE = "Headline of the story\n\nThey are traitors and liars. The vote is on Monday.\nA plain line.\n"
# "traitors and liars" lies on line 3; "Monday" too; nothing on lines 1 and 4.
TRAITORS = ARTICLE.index("traitors")
MONDAY = ARTICLE.index("Monday")


def make_layout(tmp_path: Path, articles: dict[str, str], labels: dict[str, str]) -> tuple[Path, Path]:
    art, lab = tmp_path / "articles", tmp_path / "labels"
    art.mkdir()
    lab.mkdir()
    for name, text in articles.items():
        (art / f"{name}.txt").write_bytes(text.encode("utf-8"))
    for name, text in labels.items():
        (lab / f"{name}.labels.tsv").write_text(text, encoding="utf-8")
    return art, lab


def span_line(doc: str, label: str, start: int, end: int) -> str:
    return f"{doc}\t{label}\t{start}\t{end}\n"


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    return make_layout(
        tmp_path,
        {"article1": ARTICLE, "article2": "Nothing to see here.\nReally nothing.\n"},
        {
            "article1": span_line("1", "Name_Calling,Labeling", TRAITORS, TRAITORS + 18)
            + span_line("1", "Loaded_Language", TRAITORS, TRAITORS + 8),
            "article2": "",
        },
    )


def test_binary_lines_label_each_line_and_keep_offsets(layout: tuple[Path, Path]) -> None:
    result = import_spans(*layout, positive="propaganda")
    rows = [(u.doc_id, u.text, u.label) for u in result.units]
    assert rows == [
        ("1", "Headline of the story", "none"),
        ("1", "They are traitors and liars. The vote is on Monday.", "propaganda"),
        ("1", "A plain line.", "none"),
        ("2", "Nothing to see here.", "none"),
        ("2", "Really nothing.", "none"),
    ]
    for unit in result.units:
        text = ARTICLE if unit.doc_id == "1" else "Nothing to see here.\nReally nothing.\n"
        assert text[unit.start : unit.end] == unit.text
    assert (result.n_articles, result.n_spans, result.n_skipped_spans) == (2, 2, 0)
    assert result.units[1].labels == ("Loaded_Language", "Name_Calling,Labeling")


def test_sentence_units_split_the_line_and_multi_picks_the_longest_overlap(layout: tuple[Path, Path]) -> None:
    result = import_spans(*layout, units="sentences")
    labels = {u.text: u.label for u in result.units}
    # The 18-character Name_Calling span beats the 8-character Loaded_Language one.
    assert labels["They are traitors and liars."] == "Name_Calling,Labeling"
    assert labels["The vote is on Monday."] == "none"
    assert labels["Headline of the story"] == "none"


def test_multi_tie_goes_to_the_earliest_span() -> None:
    spans = [Span("d", "B", 5, 9), Span("d", "A", 10, 14)]
    assert label_unit(0, 20, spans, None) == ("B", ("A", "B"))
    assert label_unit(0, 20, spans, "pos") == ("pos", ("A", "B"))
    assert label_unit(9, 10, spans, None) == ("none", ())


def test_span_outside_the_text_is_reported_with_file_and_line(tmp_path: Path) -> None:
    art, lab = make_layout(
        tmp_path,
        {"article7": "Short text.\n"},
        {"article7": span_line("7", "Slogans", 0, 5) + span_line("7", "Slogans", 8, 40)},
    )
    with pytest.raises(CorpusError, match=r"article7\.labels\.tsv:2: span 8-40 \(Slogans\) lies outside"):
        import_spans(art, lab)
    warnings: list[str] = []
    result = import_spans(art, lab, warn=warnings.append)
    assert result.n_skipped_spans == 1 and result.n_spans == 1
    expected = "article7.labels.tsv:2: span 8-40 (Slogans) lies outside the article's 12 characters; skipped"
    assert len(warnings) == 1 and warnings[0].endswith(expected)
    assert [u.label for u in result.units] == ["Slogans"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("7\tSlogans\t0\n", r":1: 3 tab-separated fields"),
        ("7\tSlogans\tzero\t4\n", r":1: offsets 'zero' and '4' are not whole numbers"),
        ("8\tSlogans\t0\t4\n", r":1: article id '8' does not match the article file's id '7'"),
        ("7\t\t0\t4\n", r":1: empty label"),
    ],
)
def test_malformed_labels_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    art, lab = make_layout(tmp_path, {"article7": "Short text.\n"}, {"article7": line})
    with pytest.raises(CorpusError, match=message):
        import_spans(art, lab)


def test_missing_labels_file_is_an_error_not_an_unlabeled_article(tmp_path: Path) -> None:
    art, lab = make_layout(tmp_path, {"article1": "Text.\n"}, {})
    with pytest.raises(CorpusError, match=r"no labels file .*article1\.labels\.tsv; create an empty one"):
        import_spans(art, lab)


def test_conflicting_copies_get_the_majority_label_and_a_note(tmp_path: Path) -> None:
    text = "Same sentence everywhere.\n"
    art, lab = make_layout(
        tmp_path,
        {"article1": text, "article2": text, "article3": text},
        {"article1": span_line("1", "Slogans", 0, 4), "article2": "", "article3": ""},
    )
    result = import_spans(art, lab, positive="propaganda")
    assert [u.label for u in result.units] == ["none"] * 3
    assert result.notes and result.notes[0].startswith("1 text(s) appear more than once with different labels")
    kept = import_spans(art, lab, positive="propaganda", resolve_conflicts=False)
    assert [u.label for u in kept.units] == ["propaganda", "none", "none"]


def test_a_tied_conflict_goes_to_the_span_label(tmp_path: Path) -> None:
    text = "Same sentence twice.\n"
    art, lab = make_layout(
        tmp_path, {"article1": text, "article2": text}, {"article1": "", "article2": span_line("2", "Slogans", 0, 4)}
    )
    assert [u.label for u in import_spans(art, lab).units] == ["Slogans", "Slogans"]


def test_binary_name_cannot_be_the_negative_label(layout: tuple[Path, Path]) -> None:
    with pytest.raises(CorpusError, match="that name is the negative label"):
        import_spans(*layout, positive="none")


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl"])
def test_written_file_loads_as_a_corpus_with_doc_ids(layout: tuple[Path, Path], tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    assert write_units(out, import_spans(*layout, positive="propaganda").units) == 5
    corpus = load_corpus([out])
    assert corpus.label_counts() == {"none": 4, "propaganda": 1}
    assert sorted(set(corpus.groups())) == ["1", "2"]


def test_unknown_output_suffix_is_refused_and_nothing_written(layout: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"unknown output format '\.txt'"):
        write_units(tmp_path / "out.txt", import_spans(*layout).units)
    assert not (tmp_path / "out.txt").exists()


def test_cli_writes_csv_and_reports_counts(layout: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["import-spans", *map(str, layout), "-o", str(out), "--binary", "propaganda"])
    assert result.exit_code == 0, result.output
    assert "5 lines from 2 articles and 2 spans written to" in result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[1]["label"] == "propaganda" and rows[1]["labels"] == "Loaded_Language|Name_Calling,Labeling"


def test_cli_skipped_span_warns_and_exits_3(tmp_path: Path) -> None:
    art, lab = make_layout(tmp_path, {"article7": "Short text.\n"}, {"article7": span_line("7", "Slogans", 3, 99)})
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["import-spans", str(art), str(lab), "-o", str(out), "--multi"])
    assert result.exit_code == 3
    assert (
        "article7.labels.tsv:1: span 3-99 (Slogans) lies outside the article's 12 characters; skipped" in result.output
    )
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["label"] == "none"


def test_cli_binary_and_multi_together_is_a_usage_error(layout: tuple[Path, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["import-spans", *map(str, layout), "-o", str(tmp_path / "o.csv"), "--binary", "p", "--multi"]
    )
    assert result.exit_code == 2
    assert "use either --binary NAME or --multi, not both" in result.output


def test_cli_missing_folder_is_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["import-spans", str(tmp_path / "nope"), str(tmp_path), "-o", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'nope'}: no such folder; pass the articles folder"


@settings(max_examples=40, deadline=None)
@given(
    text=st.text(alphabet="ab .\n\r\t\ufeff", max_size=60),
    raw_spans=st.lists(st.tuples(st.integers(0, 70), st.integers(1, 30)), max_size=4),
    units=st.sampled_from(["lines", "sentences"]),
)
def test_units_are_exact_slices_and_positive_iff_a_span_overlaps(
    tmp_path_factory: pytest.TempPathFactory, text: str, raw_spans: list[tuple[int, int]], units: str
) -> None:
    spans = [(s, s + n) for s, n in raw_spans if s + n <= len(text)]
    tmp = tmp_path_factory.mktemp("prop")
    art, lab = make_layout(tmp, {"article1": text}, {"article1": "".join(span_line("1", "X", s, e) for s, e in spans)})
    result = import_spans(art, lab, units=units, positive="pos", resolve_conflicts=False)  # type: ignore[arg-type]
    for unit in result.units:
        assert text[unit.start : unit.end] == unit.text and unit.text.strip(" \t\r\n\ufeff")
        overlapping = any(s < unit.end and e > unit.start for s, e in spans)
        assert (unit.label == "pos") == overlapping
