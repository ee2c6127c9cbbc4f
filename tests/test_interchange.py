"""Labels to and from Label Studio and doccano: round trips, their real export shapes, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_error, run_cli

from framing.agreement import agreement_report, read_annotations
from framing.errors import CorpusError
from framing.interchange import LabelRecord, read_labels, write_labels

RECORDS = (
    LabelRecord("Militias fired rockets at the base.", "iran_proxy_blame", "ann", "d1", "s1"),
    LabelRecord("Militias fired rockets at the base.", "proxy_war", "bob", "d1", "s1"),
    LabelRecord("The talks resume on Monday, officials said.", "factual_report", "ann", "d1", None),
    LabelRecord("Les Américains ont créé Daech — « évidemment ».", "us_conspiracy", "", None, None),
)


@pytest.mark.parametrize("fmt", ["framing", "labelstudio", "doccano"])
def test_every_format_round_trips(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"labels.{fmt}"
    write_labels(path, RECORDS, fmt)
    assert sorted(read_labels(path, fmt).records, key=repr) == sorted(RECORDS, key=repr)


def test_labelstudio_groups_a_sentence_s_annotators_into_one_task(tmp_path: Path) -> None:
    path = tmp_path / "ls.json"
    write_labels(path, RECORDS, "labelstudio")
    tasks = json.loads(path.read_text(encoding="utf-8"))
    assert len(tasks) == 3
    first = tasks[0]
    assert first["data"] == {"text": "Militias fired rockets at the base.", "doc_id": "d1", "id": "s1"}
    assert [a["completed_by"] for a in first["annotations"]] == ["ann", "bob"]
    assert first["annotations"][0]["result"][0] == {
        "from_name": "frame",
        "to_name": "text",
        "type": "choices",
        "value": {"choices": ["iran_proxy_blame"]},
    }


def test_a_label_studio_export_as_the_tool_writes_it(tmp_path: Path) -> None:
    tasks = [
        {
            "id": 7,
            "data": {"text": "Rockets hit the airport."},
            "annotations": [
                {"id": 1, "completed_by": {"id": 3, "email": "ann@example.org"}, "was_cancelled": False,
                 "result": [{"from_name": "sentiment", "to_name": "text", "type": "choices",
                             "value": {"choices": ["factual_report"]}}]},
                {"id": 2, "completed_by": 4, "was_cancelled": True, "result": []},
                {"id": 3, "completed_by": 5, "result": [{"type": "textarea", "value": {"text": ["a note"]}},
                                                         {"type": "choices", "value": {"choices": ["other"]}}]},
            ],
            "predictions": [],
        },
        {"id": 8, "data": {"text": "Not labeled yet."}, "annotations": []},
    ]  # fmt: skip
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    imported = read_labels(path, "labelstudio")
    assert imported.records == (
        LabelRecord("Rockets hit the airport.", "factual_report", "ann@example.org", None, "7"),
        LabelRecord("Rockets hit the airport.", "other", "5", None, "7"),
    )
    assert imported.unlabeled == 1


def test_a_doccano_export_as_the_tool_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "doccano.jsonl"
    lines = [
        {"id": 1, "text": "Rockets hit the airport.", "label": ["factual_report"]},
        {"id": 2, "text": "Washington made ISIS.", "labels": "us_conspiracy", "user": "ann"},
        {"id": 3, "text": "Not labeled.", "label": []},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    imported = read_labels(path, "doccano")
    assert [(r.text, r.label, r.annotator, r.id) for r in imported.records] == [
        ("Rockets hit the airport.", "factual_report", "", "1"),
        ("Washington made ISIS.", "us_conspiracy", "ann", "2"),
    ]
    assert imported.unlabeled == 1


def test_converted_labels_feed_agreement(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    write_labels(path, RECORDS[:3], "framing")
    report = agreement_report(read_annotations(path))
    assert report.annotators == ("ann", "bob") and report.n_pairable == 1


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        (
            "doccano",
            '{"text": "A.", "label": ["x", "y"]}\n',
            "several labels (x, y); framing takes one frame per sentence",
        ),
        ("doccano", '{"label": ["x"]}\n', "no text; each item needs a non-empty string 'text'"),
        ("doccano", '{"text": "A.", "label": [1]}\n', "labels must be a list of strings"),
        ("labelstudio", "{", "invalid JSON"),
        ("labelstudio", '{"data": {}}', "expected a JSON list of tasks (Label Studio's JSON export)"),
        ("labelstudio", '[{"text": "A."}]', "task 1: not a Label Studio task (no 'data' object)"),
        ("framing", '{"text": "A."}\n', "no label; each line needs a non-empty string 'label'"),
    ],
)
def test_bad_files_are_one_clear_error(tmp_path: Path, fmt: str, content: str, message: str) -> None:
    path = tmp_path / "in.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        read_labels(path, fmt)
    assert message in str(caught.value)


def test_cli_convert_labels(tmp_path: Path) -> None:
    source = tmp_path / "labels.jsonl"
    write_labels(source, RECORDS, "framing")
    target = tmp_path / "ls.json"
    result = run_cli("convert-labels", source, "--from", "framing", "--to", "labelstudio", "-o", target)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"4 labels written to {target} (labelstudio)\n"
    back = tmp_path / "back.jsonl"
    assert run_cli("convert-labels", target, "--from", "labelstudio", "--to", "framing", "-o", back).exit_code == 0
    assert sorted(read_labels(back, "framing").records, key=repr) == sorted(RECORDS, key=repr)
    assert_error(
        run_cli("convert-labels", tmp_path / "none.json", "--from", "labelstudio", "--to", "framing", "-o", back),
        f"{tmp_path / 'none.json'}: no such labels file; check the path",
    )
