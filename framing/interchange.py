"""Labels in and out of other annotation tools: Label Studio JSON and doccano JSONL, to and from framing's JSONL."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CorpusError, read_json_lines

FORMATS = ("framing", "labelstudio", "doccano")
#: The Label Studio control and object names that framing writes (a Choices tag over a Text tag).
LS_FROM_NAME = "frame"
LS_TO_NAME = "text"


@dataclass(frozen=True)
class LabelRecord:
    """One annotator's frame for one sentence, with what identifies the sentence."""

    text: str
    label: str
    annotator: str = ""
    doc_id: str | None = None
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"text": self.text, "label": self.label}
        for key in ("id", "doc_id", "annotator"):
            value = getattr(self, key)
            if value:
                record[key] = value
        return record


@dataclass(frozen=True)
class Imported:
    """Records read from another tool, and how many of its items had no label (left out)."""

    records: tuple[LabelRecord, ...]
    unlabeled: int = 0


def read_labels(path: str | os.PathLike[str], fmt: str) -> Imported:
    """Labels from a framing JSONL, a Label Studio JSON export or a doccano JSONL export."""
    if fmt == "labelstudio":
        return _read_labelstudio(Path(path))
    if fmt == "doccano":
        return _read_doccano(Path(path))
    if fmt == "framing":
        return _read_framing(Path(path))
    raise CorpusError(f"unknown labels format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_labels(path: str | os.PathLike[str], records: Sequence[LabelRecord], fmt: str) -> None:
    """Write records for framing (JSONL), Label Studio (a JSON list of tasks) or doccano (JSONL), atomically."""
    from .atomic import atomic_write

    if fmt not in FORMATS:
        raise CorpusError(f"unknown labels format {fmt!r}; use one of {', '.join(FORMATS)}")
    with atomic_write(path) as handle:
        if fmt == "labelstudio":
            json.dump(_labelstudio_tasks(records), handle, ensure_ascii=False, indent=1)
            handle.write("\n")
            return
        for record in records:
            row = record.to_dict()
            if fmt == "doccano":
                row["label"] = [row["label"]]
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def json_lines(path: Path) -> Iterable[tuple[str, Any]]:
    """``(file:line, parsed value)`` for each non-blank line of a UTF-8 JSONL labels file."""
    return read_json_lines(path, CorpusError, "no such labels file; check the path")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"{where}: no text; each item needs a non-empty string 'text'")
    return value


def _optional(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _read_framing(path: Path) -> Imported:
    records = []
    for where, record in json_lines(path):
        if not isinstance(record, dict):
            raise CorpusError(f"{where}: expected a JSON object with text and label")
        label = record.get("label")
        if not isinstance(label, str) or not label.strip():
            raise CorpusError(f"{where}: no label; each line needs a non-empty string 'label'")
        records.append(
            LabelRecord(
                _text(record.get("text"), where),
                label.strip(),
                str(record.get("annotator") or ""),
                _optional(record.get("doc_id")),
                _optional(record.get("id")),
            )
        )
    return Imported(tuple(records))


def _one_label(labels: Any, where: str) -> str | None:
    """The single frame of a doccano or Label Studio item: None when unlabeled; several are refused."""
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list) or not all(isinstance(v, str) for v in labels):
        raise CorpusError(f"{where}: labels must be a list of strings")
    labels = [v.strip() for v in labels if v.strip()]
    if not labels:
        return None
    if len(set(labels)) > 1:
        raise CorpusError(
            f"{where}: several labels ({', '.join(labels)}); framing takes one frame per sentence: keep one"
        )
    return str(labels[0])


def _read_doccano(path: Path) -> Imported:
    records, unlabeled = [], 0
    for where, record in json_lines(path):
        if not isinstance(record, dict):
            raise CorpusError(f"{where}: expected a JSON object with text and label (a doccano JSONL export)")
        raw = record.get("label", record.get("labels", []))
        label = _one_label(raw, where)
        if label is None:
            unlabeled += 1
            continue
        annotator = record.get("annotator") or record.get("user") or ""
        records.append(
            LabelRecord(
                _text(record.get("text"), where),
                label,
                str(annotator),
                _optional(record.get("doc_id")),
                _optional(record.get("id")),
            )
        )
    return Imported(tuple(records), unlabeled)


def _read_labelstudio(path: Path) -> Imported:
    try:
        tasks = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such labels file; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot be read ({exc}); it must be a UTF-8 JSON file") from None
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}: invalid JSON ({exc.msg}); export the project from Label Studio as JSON") from None
    except RecursionError:
        raise CorpusError(f"{path}: JSON nested too deeply; export the project from Label Studio as JSON") from None
    if not isinstance(tasks, list):
        raise CorpusError(f"{path}: expected a JSON list of tasks (Label Studio's JSON export)")
    records, unlabeled = [], 0
    for number, task in enumerate(tasks, 1):
        where = f"{path}: task {number}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise CorpusError(f"{where}: not a Label Studio task (no 'data' object)")
        data = task["data"]
        text = _text(data.get("text"), where)
        labeled = False
        for annotation in task.get("annotations") or []:
            if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
                continue
            choices = [
                choice
                for result in annotation.get("result") or []
                if isinstance(result, dict) and result.get("type") == "choices"
                for choice in (result.get("value") or {}).get("choices") or []
            ]
            label = _one_label(choices, where)
            if label is None:
                continue
            labeled = True
            records.append(
                LabelRecord(
                    text,
                    label,
                    _annotator(annotation.get("completed_by")),
                    _optional(data.get("doc_id")),
                    _optional(data.get("id", task.get("id"))),
                )
            )
        unlabeled += not labeled
    return Imported(tuple(records), unlabeled)


def _annotator(value: Any) -> str:
    """Label Studio names the annotator by user id, or by an object with an email."""
    if isinstance(value, dict):
        return str(value.get("email") or value.get("id") or "")
    return "" if value is None else str(value)


def _labelstudio_tasks(records: Sequence[LabelRecord]) -> list[dict[str, Any]]:
    """One task per sentence (by id, else document and text), one annotation per annotator."""
    tasks: dict[tuple[str | None, str | None, str], dict[str, Any]] = {}
    for record in records:
        key = (record.id, None, "") if record.id else (None, record.doc_id, record.text)
        task = tasks.get(key)
        if task is None:
            data: dict[str, Any] = {"text": record.text}
            if record.doc_id:
                data["doc_id"] = record.doc_id
            if record.id:
                data["id"] = record.id
            task = tasks[key] = {"data": data, "annotations": []}
        task["annotations"].append(
            {
                "completed_by": record.annotator or None,
                "result": [
                    {
                        "from_name": LS_FROM_NAME,
                        "to_name": LS_TO_NAME,
                        "type": "choices",
                        "value": {"choices": [record.label]},
                    }
                ],
            }
        )
    return list(tasks.values())
