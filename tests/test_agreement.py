"""Agreement between annotators: alpha and kappa against published and hand-computed values; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_error, run_cli
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from framing.agreement import (
    Annotation,
    agreement_report,
    cohen_kappa,
    coincidence_matrix,
    krippendorff_alpha,
    read_annotations,
)
from framing.errors import CorpusError

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units, nominal
# data, some values missing (None). The published alpha is 0.743.
KRIPPENDORFF_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _annotations(rows: list[list[int | None]]) -> list[Annotation]:
    return [
        Annotation(f"u{unit}", f"coder{coder}", str(value))
        for coder, row in enumerate(rows)
        for unit, value in enumerate(row)
        if value is not None
    ]


def test_alpha_reproduces_krippendorffs_published_example() -> None:
    report = agreement_report(_annotations(KRIPPENDORFF_EXAMPLE))
    assert report.alpha == pytest.approx(0.743421, abs=1e-6)
    # Unit 12 has a single value: it is not pairable and adds nothing.
    assert report.n_items == 12 and report.n_pairable == 11
    # n = 40 pairable values; value 3 coincides with itself 4 times in each of units 3 and 4
    # (four 3s: 12 ordered pairs weighted 1/3), and nowhere else.
    assert report.coincidences.sum() == pytest.approx(40)
    assert report.coincidences[2, 2] == pytest.approx(8.0)


def test_alpha_by_hand_for_two_coders() -> None:
    # Two coders, four units: (a,a) (a,b) (b,b) (b,b). Coincidences: a-a 2, a-b 1, b-a 1, b-b 4 (n = 8).
    # Observed disagreement 2/8; expected (8*8 - (3*3 + 5*5)) / (8*7) = 30/56; alpha = 1 - (2/8)/(30/56).
    matrix = coincidence_matrix([["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"]], ["a", "b"])
    assert matrix.tolist() == [[2, 1], [1, 4]]
    assert krippendorff_alpha(matrix) == pytest.approx(1 - (2 / 8) / (30 / 56))


def test_kappa_by_hand_and_against_scikit_learn() -> None:
    first = ["x", "x", "y", "y", "x", "z"]
    second = ["x", "y", "y", "y", "x", "x"]
    observed, kappa = cohen_kappa(first, second)
    # p_o = 4/6; p_e = (3*3 + 2*3 + 1*0) / 36 = 15/36; kappa = (4/6 - 15/36) / (1 - 15/36) = 9/21.
    assert observed == pytest.approx(4 / 6)
    assert kappa == pytest.approx(9 / 21)
    assert kappa == pytest.approx(cohen_kappa_score(first, second))


@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), min_size=2, max_size=60).filter(
        lambda pairs: len({p for pair in pairs for p in pair}) > 1
    )
)
def test_kappa_matches_scikit_learn_on_any_pairs(pairs: list[tuple[str, str]]) -> None:
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    _, kappa = cohen_kappa(first, second)
    reference = cohen_kappa_score(first, second)
    if kappa is None:
        assert np.isnan(reference) or reference == pytest.approx(0.0)
    else:
        assert kappa == pytest.approx(reference)


def test_perfect_and_one_label_agreement() -> None:
    same = agreement_report([Annotation(f"i{i}", who, "ab"[i % 2]) for i in range(6) for who in ("ann", "bob")])
    assert same.alpha == pytest.approx(1.0)
    assert same.pairs[0].kappa == pytest.approx(1.0)
    assert same.disagreements == ()
    constant = agreement_report([Annotation(f"i{i}", who, "a") for i in range(4) for who in ("ann", "bob")])
    assert constant.alpha is None and constant.pairs[0].kappa is None


def test_report_pairs_frames_and_disagreements() -> None:
    rows = [
        ("s1", "ann", "other"), ("s1", "bob", "other"), ("s1", "cy", "factual"),
        ("s2", "ann", "proxy"), ("s2", "bob", "proxy"),
        ("s3", "ann", "factual"), ("s3", "bob", "other"), ("s3", "cy", "proxy"),
    ]  # fmt: skip
    report = agreement_report([Annotation(i, who, label, f"text {i}") for i, who, label in rows])
    assert report.annotators == ("ann", "bob", "cy")
    assert [(p.first, p.second, p.n_items) for p in report.pairs] == [
        ("ann", "bob", 3),
        ("ann", "cy", 2),
        ("bob", "cy", 2),
    ]
    assert [d.item for d in report.disagreements] == ["s3", "s1"]  # three different labels come first
    assert report.disagreements[0].labels == {"ann": "factual", "bob": "other", "cy": "proxy"}
    assert set(report.alpha_per_frame) == {"factual", "other", "proxy"}


# -- files and the command line -------------------------------------------------------------------------
def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_items_match_by_id_or_document_and_text_and_later_answers_win(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "labels.jsonl",
        [
            {"id": "x1", "text": "A.", "label": "other", "annotator": "ann"},
            {"id": "x1", "text": "A (edited).", "label": "other", "annotator": "bob"},
            {"doc_id": "d", "text": "B.", "label": "proxy", "annotator": "ann"},
            {"doc_id": "d", "text": "B.", "label": "other", "annotator": "bob"},
            {"doc_id": "d", "text": "B.", "label": "proxy", "annotator": "bob"},  # bob changed his mind
        ],
    )
    report = agreement_report(read_annotations(path))
    assert report.n_items == 2 and report.disagreements == ()


def test_cli_agreement_table_and_json(tmp_path: Path) -> None:
    records = [
        {"id": f"s{i}", "text": f"Sentence {i}.", "label": label, "annotator": who}
        for i, labels in enumerate([("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")])
        for who, label in zip(("ann", "bob"), labels, strict=True)
    ]
    path = _write(tmp_path / "labels.jsonl", records)
    result = run_cli("agreement", path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["krippendorff_alpha"] == pytest.approx(1 - (2 / 8) / (30 / 56))
    assert data["pairs"][0]["cohen_kappa"] == pytest.approx(0.5)
    assert data["disagreements"] == [{"item": "s1", "text": "Sentence 1.", "labels": {"ann": "a", "bob": "b"}}]
    table = run_cli("agreement", path)
    assert table.exit_code == 0, table.output
    assert "Krippendorff's alpha (nominal): 0.533" in table.stdout
    assert "Sentence 1." in table.stdout


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('{"id": "a", "label": "x", "annotator": "ann"}\n{"id": "a", "label": "y"', "labels.jsonl:2: invalid JSON"),
        (
            '{"id": "a", "label": "x"}\n',
            "labels.jsonl:1: no annotator; each line needs the 'annotator' who gave the label",
        ),
        ('{"id": "a", "annotator": "ann"}\n', "labels.jsonl:1: no label; each line needs a non-empty string 'label'"),
        ('{"label": "x", "annotator": "ann"}\n', "labels.jsonl:1: no id and no text; an item needs one of them"),
        ('{"id": "a", "label": "x", "annotator": "ann"}\n', "only one annotator (ann); agreement needs labels"),
        (
            '{"id": "a", "label": "x", "annotator": "ann"}\n{"id": "b", "label": "x", "annotator": "bob"}\n',
            "no item has labels from two annotators; let several annotators label the same sentences",
        ),
        ("\n", "labels.jsonl: no labels; it holds no JSON lines"),
    ],
)
def test_bad_labels_files_are_one_clear_error(tmp_path: Path, lines: str, message: str) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(lines, encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        agreement_report(read_annotations(path))
    assert message in str(caught.value)
    result = run_cli("agreement", path)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and message in result.stderr


def test_cli_missing_file(tmp_path: Path) -> None:
    assert_error(
        run_cli("agreement", tmp_path / "none.jsonl"), f"{tmp_path / 'none.jsonl'}: no such labels file; check the path"
    )
