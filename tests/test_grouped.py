"""Proportions per group (`classify --aggregate --by`): each group alone, flags, tidy rows, the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from conftest import noisy_rows, run_cli

from framing.classify import classify_documents
from framing.documents import DocumentText
from framing.model import FramingModel
from framing.quantify import (
    COUNTED,
    PROBABILISTIC,
    PROBABILISTIC_COUNT,
    aggregate_documents,
    aggregate_groups,
)
from framing.report import GROUPED_COLUMNS

FRAMES = ("alpha", "beta", "gamma")


def _documents(mix: dict[str, int], seed: int, prefix: str) -> list[DocumentText]:
    by_document: dict[str, list[str]] = {}
    for row in noisy_rows(mix, seed=seed, prefix=prefix):
        by_document.setdefault(row["doc_id"], []).append(row["text"])
    return [DocumentText(doc, " ".join(sentences)) for doc, sentences in by_document.items()]


def _truth(mix: dict[str, int]) -> dict[str, float]:
    return {f: n / sum(mix.values()) for f, n in mix.items()}


@pytest.fixture(scope="module")
def two_outlets(noisy_model_path: Path) -> tuple[FramingModel, list[DocumentText], list[tuple[str, ...]]]:
    model = FramingModel.load(noisy_model_path)
    a = _documents({"alpha": 700, "beta": 200, "gamma": 100}, seed=1, prefix="a")
    b = _documents({"alpha": 100, "beta": 300, "gamma": 600}, seed=2, prefix="b")
    return model, a + b, [("Outlet A",)] * len(a) + [("Outlet B",)] * len(b)


def test_each_group_is_estimated_as_if_alone(
    two_outlets: tuple[FramingModel, list[DocumentText], list[tuple[str, ...]]],
) -> None:
    model, documents, groups = two_outlets
    grouped = aggregate_groups(model, classify_documents(model, documents), iter(groups), ["source"], samples=200)
    assert [g.group for g in grouped.groups] == [("Outlet A",), ("Outlet B",)]
    alone = aggregate_documents(model, classify_documents(model, documents[:100]), samples=200)
    first = grouped.groups[0].estimate
    assert (first.n_documents, first.n_sentences) == (100, 1000)
    for method in (COUNTED, PROBABILISTIC_COUNT, PROBABILISTIC):
        mine, theirs = first.get(method), alone.get(method)
        assert mine is not None and theirs is not None
        assert mine.proportions == pytest.approx(theirs.proportions)
    assert grouped.overall.n_documents == 200
    assert grouped.recommended == PROBABILISTIC


def test_the_recommended_estimate_is_closer_to_each_groups_truth_than_the_count(
    two_outlets: tuple[FramingModel, list[DocumentText], list[tuple[str, ...]]],
) -> None:
    model, documents, groups = two_outlets
    grouped = aggregate_groups(model, classify_documents(model, documents), iter(groups), ["source"], samples=200)
    truths = [_truth({"alpha": 700, "beta": 200, "gamma": 100}), _truth({"alpha": 100, "beta": 300, "gamma": 600})]
    for group, truth in zip(grouped.groups, truths, strict=True):
        best, raw = group.estimate.get(grouped.recommended), group.estimate.get(COUNTED)
        assert best is not None and raw is not None
        error = sum(abs(best.proportions[f] - truth[f]) for f in FRAMES)
        assert error < 0.7 * sum(abs(raw.proportions[f] - truth[f]) for f in FRAMES)
        for frame in FRAMES:
            interval = best.intervals[frame]
            assert interval.low is not None and interval.high is not None
            assert interval.low <= truth[frame] <= interval.high


def test_small_and_shifted_groups_are_flagged(noisy_model_path: Path) -> None:
    model = FramingModel.load(noisy_model_path)
    tiny = _documents({"alpha": 30, "beta": 0, "gamma": 0}, seed=3, prefix="t")  # 3 documents, all alpha
    grouped = aggregate_groups(model, classify_documents(model, tiny), iter([("x",)] * len(tiny)), ["source"])
    flags = grouped.groups[0].flags
    assert flags[0] == "only 3 documents: too few to trust"
    assert flags[1].startswith("predicted mix far from the training mix (total variation 0.")


def test_tidy_rows_cover_every_group_frame_and_method(
    two_outlets: tuple[FramingModel, list[DocumentText], list[tuple[str, ...]]],
) -> None:
    model, documents, groups = two_outlets
    grouped = aggregate_groups(model, classify_documents(model, documents), iter(groups), ["source"], samples=50)
    rows = grouped.rows()
    methods = {e.method for e in grouped.overall.estimates}
    assert len(rows) == 3 * len(FRAMES) * len(methods)
    assert {r["group"] for r in rows} == {"all", "Outlet A", "Outlet B"}
    assert set(rows[0]) == set(GROUPED_COLUMNS)
    for group in ("all", "Outlet A", "Outlet B"):
        for method in methods:
            shares = [r["estimate"] for r in rows if r["group"] == group and r["method"] == method]
            assert sum(shares) == pytest.approx(1.0)


# -- command line ------------------------------------------------------------------------------------
@pytest.fixture
def news(tmp_path: Path) -> Path:
    path = tmp_path / "news.jsonl"
    records = []
    texts = [
        "Militias fired rockets at the base. The parliament met on Monday.",
        "Officials said the talks would resume. Rockets hit the airport.",
    ]
    for i in range(24):
        record: dict[str, object] = {"id": f"d{i}", "text": texts[i % 2], "meta": {"outlet": "AB"[i % 2]}}
        if i < 22:
            record["date"] = ["2020-01-15", "February 3, 2020", "2020-03-01T10:00:00Z"][i % 3]
        records.append(json.dumps(record))
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return path


def test_cli_groups_by_nested_field_and_month_as_tidy_csv(tiny_model_path: Path, news: Path) -> None:
    result = run_cli(
        "classify", news, "-m", tiny_model_path, "--aggregate", "--by", "meta.outlet", "--by", "date",
        "--period", "month", "--format", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        result.stderr
        == "Warning: 2 documents lack a value of meta.outlet or date (or a readable date): grouped as 'missing'\n"
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == GROUPED_COLUMNS
    months = ["2020-01", "2020-02", "2020-03"]
    expected = {f"{'AB'[i % 2]} / {months[i % 3] if i < 22 else 'missing'}" for i in range(24)} | {"all"}
    assert {r["group"] for r in rows} == expected
    assert {r["n_docs"] for r in rows if r["group"] == "all"} == {"24"}


def test_cli_grouped_json_and_table(tiny_model_path: Path, news: Path) -> None:
    result = run_cli("classify", news, "-m", tiny_model_path, "--aggregate", "--by", "meta.outlet", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["aggregate"]["by"] == ["meta.outlet"]
    assert [g["group"] for g in data["aggregate"]["groups"]] == [["A"], ["B"]]
    assert data["aggregate"]["recommended"] in {PROBABILISTIC, PROBABILISTIC_COUNT}
    table = run_cli("classify", news, "-m", tiny_model_path, "--aggregate", "--by", "meta.outlet")
    assert table.exit_code == 0, table.output
    assert "Frame proportions by meta.outlet: 2 groups, 24 documents" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "source"], "--by and --period group the --aggregate proportions; add --aggregate"),
        (
            ["--aggregate", "--by", "source", "--period", "month"],
            "a period cuts the 'date' field into periods; group by date too (--by, --period)",
        ),
        (
            ["--aggregate", "--by", "source", "--format", "jsonl"],
            "--aggregate --by prints a table, JSON or CSV; use --format table, json or csv",
        ),
    ],
)
def test_cli_grouping_usage_errors(tiny_model_path: Path, news: Path, args: list[str], message: str) -> None:
    result = run_cli("classify", news, "-m", tiny_model_path, *args)
    assert result.exit_code == 2
    assert f"Error: {message}" in result.stderr


def test_html_report_draws_a_trend_per_frame_and_a_bar_per_group(
    tiny_model_path: Path, news: Path, tmp_path: Path
) -> None:
    page = tmp_path / "trends.html"
    args = ["classify", news, "-m", tiny_model_path, "--aggregate", "--by", "date", "--period", "month"]
    result = run_cli(*args, "--html", page)
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    section = html[html.index("<section id=groups") :]
    section = section[: section.index("</section>")]
    assert "Frame proportions by date (by month)" in section
    model = FramingModel.load(tiny_model_path)
    figures = re.findall(r"<figure class='trend [^']*'><svg .*?</svg></figure>", section)
    assert len(figures) == len(model.frames)
    for figure in figures:
        # Three months on the time line (the missing-date group is left off it), each with a point.
        assert figure.count("<circle") == 3
        assert "<polygon class=band points='" in figure and "<polyline class=line points='" in figure
        assert "2020-01 to 2020-03" in figure
    assert section.count("<div class=grp>") == 4  # the three months and 'missing'
    assert "http://" not in section and "https://" not in section


def test_html_report_without_a_period_has_bars_but_no_time_line(
    tiny_model_path: Path, news: Path, tmp_path: Path
) -> None:
    page = tmp_path / "outlets.html"
    result = run_cli("classify", news, "-m", tiny_model_path, "--aggregate", "--by", "meta.outlet", "--html", page)
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "<figure class='trend" not in html
    assert html.count("<div class=grp>") == 2


def test_grouped_proportions_as_a_sqlite_file(tiny_model_path: Path, news: Path, tmp_path: Path) -> None:
    import sqlite3

    out = tmp_path / "trends.sqlite"
    out.write_bytes(b"previous")
    args = ["classify", news, "-m", tiny_model_path, "--aggregate", "--by", "meta.outlet", "--format", "csv"]
    result = run_cli(*args, "--output", out)
    assert result.exit_code == 0, result.output
    assert "Proportions of 2 groups written to" in result.stderr
    tidy = list(csv.DictReader(io.StringIO(result.stdout)))
    with sqlite3.connect(out) as db:
        rows = db.execute('SELECT "group", frame, method, estimate FROM proportions').fetchall()
        groups = db.execute('SELECT "group", n_docs FROM groups ORDER BY "group"').fetchall()
        settings = dict(db.execute("SELECT key, value FROM run").fetchall())
    db.close()
    assert len(rows) == len(tidy)
    assert [(r[0], r[1], r[2]) for r in rows] == [(t["group"], t["frame"], t["method"]) for t in tidy]
    assert all(abs(r[3] - float(t["estimate"])) < 1e-6 for r, t in zip(rows, tidy, strict=True))
    assert groups == [("A", 12), ("B", 12)]
    assert json.loads(settings["by"]) == ["meta.outlet"] and settings["recommended"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.jsonl", "trends.sqlite"]
