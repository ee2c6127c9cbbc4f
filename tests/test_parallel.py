"""`--jobs N`: worker processes, results in input order, bounded look-ahead, identical output to --jobs 1."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TINY_ARTICLE

from framing.cli import main
from framing.errors import InputError, WorkerError
from framing.parallel import ResultSlots, default_jobs, ordered_map


def slow_square(x: int) -> tuple[int, int]:
    time.sleep(0.02 * (x % 3))  # later items often finish first
    return x * x, os.getpid()


def same(x: int) -> int:
    return x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise InputError("item 3 is bad; fix it")
    return x


def die_on_two(x: int) -> int:
    if x == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_results_come_in_input_order_from_other_processes() -> None:
    results = list(ordered_map(slow_square, range(12), jobs=2))
    assert [r for r, _ in results] == [x * x for x in range(12)]
    assert os.getpid() not in {pid for _, pid in results}


def test_a_single_item_runs_in_this_process() -> None:
    assert list(ordered_map(slow_square, [3], jobs=4)) == [(9, os.getpid())]
    assert list(ordered_map(slow_square, [], jobs=4)) == []


def test_jobs_1_runs_in_this_process() -> None:
    assert {pid for _, pid in ordered_map(slow_square, range(5), jobs=1)} == {os.getpid()}


def test_look_ahead_is_bounded() -> None:
    pulled = 0

    def items() -> Iterator[int]:
        nonlocal pulled
        for x in range(30):
            pulled += 1
            yield x

    yielded = 0
    for _ in ordered_map(slow_square, items(), jobs=2, in_flight=3):
        yielded += 1
        assert pulled - yielded <= 3
    assert yielded == 30


def test_a_worker_error_reaches_the_caller() -> None:
    with pytest.raises(InputError, match="item 3 is bad; fix it"):
        list(ordered_map(fail_on_three, range(6), jobs=2))


def test_an_input_error_comes_after_the_results_before_it() -> None:
    def items() -> Iterator[int]:
        yield from range(5)
        raise InputError("line 6 is bad")

    results = []
    with pytest.raises(InputError, match="line 6 is bad"):
        for result in ordered_map(same, items(), jobs=2):
            results.append(result)
    assert results == [0, 1, 2, 3, 4]


def test_a_dead_worker_is_reported() -> None:
    with pytest.raises(WorkerError) as caught:
        list(ordered_map(die_on_two, range(6), jobs=2))
    assert str(caught.value) == (
        "a worker process died (killed, or out of memory); rerun with fewer --jobs, or --resume with --output"
    )


def test_default_jobs_is_the_usable_cores() -> None:
    assert 1 <= default_jobs() <= (os.cpu_count() or 1)


# -- the CLI --------------------------------------------------------------------------------------------
def write_documents(path: Path, n: int) -> Path:
    texts = [TINY_ARTICLE, "Iran arms the factions. The budget passed.", "", "Washington armed them! Really?"]
    lines = [json.dumps({"id": f"d{i}", "text": texts[i % 4] + f" Item {i}."}) for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("kind", "some_results_miss_the_slots"), [("jsonl", False), ("jsonl", True), ("csv", False), ("sqlite", False)]
)
def test_jobs_2_writes_what_jobs_1_writes(
    tiny_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, some_results_miss_the_slots: bool
) -> None:
    docs = write_documents(tmp_path / "docs.jsonl", 30)
    chunk = 3 if some_results_miss_the_slots else 4  # 3: chunks of different sizes
    monkeypatch.setattr("framing.defaults.CHUNK_DOCUMENTS", chunk)  # 8-10 chunks over 2 processes
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.{kind}"
        result = CliRunner().invoke(
            main, ["classify", str(docs), "-m", str(tiny_model_path), "-o", str(out), "-j", jobs]
        )
        assert result.exit_code == 0, result.output
        if kind == "sqlite":
            with sqlite3.connect(out) as db:
                outputs[jobs] = [db.execute(f"SELECT * FROM {t}").fetchall() for t in ("documents", "sentences")]
        else:
            outputs[jobs] = out.read_bytes()
        if some_results_miss_the_slots and jobs == "1":
            # Slots as large as the median chunk's result: the larger results take the pipe.
            lines = out.read_bytes().splitlines(keepends=True)
            sizes = sorted(len(b"".join(lines[i : i + chunk])) for i in range(0, len(lines), chunk))
            assert sizes[0] < sizes[len(sizes) // 2] < sizes[-1]
            monkeypatch.setattr("framing.defaults.RESULT_SLOT_BYTES", sizes[len(sizes) // 2])
    assert outputs["1"] == outputs["2"]


def test_format_jsonl_on_stdout_with_jobs(
    tiny_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = write_documents(tmp_path / "docs.jsonl", 9)
    monkeypatch.setattr("framing.defaults.CHUNK_DOCUMENTS", 2)
    args = ["classify", str(docs), "-m", str(tiny_model_path), "--format", "jsonl"]
    one, two = (CliRunner().invoke(main, [*args, "-j", jobs]) for jobs in ("1", "2"))
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout and len(one.stdout.splitlines()) == 9


def test_an_input_error_right_after_the_first_item_keeps_its_result() -> None:
    def items() -> Iterator[int]:
        yield 7
        raise InputError("line 2 is bad")

    results = []
    with pytest.raises(InputError, match="line 2 is bad"):
        for result in ordered_map(same, items(), jobs=2):
            results.append(result)
    assert results == [7]


def test_workers_report_a_bad_line_after_writing_the_documents_before_it(
    tiny_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSONL is parsed in the workers: their warnings and errors still reach the user, in order and once."""
    monkeypatch.setattr("framing.defaults.CHUNK_DOCUMENTS", 4)  # blocks of 4 lines
    good = [json.dumps({"id": f"d{i}", "text": f"Iran arms the factions {i}. The budget passed."}) for i in range(10)]
    lines = [*good]
    lines[1] = '{"id": "d1", "text": "caf\xe9 one."}'
    lines[4] = '{"id": "d4", "text": "caf\xe9 four."}'  # invalid UTF-8 again, in the next block: said once
    lines[5] = '{"id": "d5", "text": " "}'
    lines[6] = "not json"
    docs = tmp_path / "docs.jsonl"
    docs.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    out = tmp_path / "out.jsonl"
    args = ["classify", str(docs), "-m", str(tiny_model_path), "-o", str(out), "-j", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Warning: {docs}:2: invalid UTF-8; undecodable bytes replaced by U+FFFD "
        "(pass --encoding if the file uses another encoding)",
        f"Warning: {docs}:6: empty document (no text); it has zero sentences",
        f"Error: {docs}:7: invalid JSON (Expecting value); each line must be one JSON object",
    ]
    lines[6] = good[6]
    docs.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    result = CliRunner().invoke(main, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"Resuming {out}: 6 documents already done."
    clean = tmp_path / "clean.jsonl"
    assert CliRunner().invoke(main, [*args[:-4], "-o", str(clean), "-j", "1"]).exit_code == 0
    assert out.read_bytes() == clean.read_bytes()


SLOTS = ResultSlots(4, 8)


def leave_in_slot(item: tuple[int, bytes]) -> tuple[int, bool]:
    slot, data = item
    return slot, SLOTS.put(slot, data)


def test_result_slots_are_shared_with_forked_workers_and_reused_in_turn() -> None:
    items = [(number % 4, bytes([65 + number]) * (number % 9 + 1)) for number in range(12)]
    taken = []
    for (slot, fits), (_, data) in zip(ordered_map(leave_in_slot, items, jobs=2, in_flight=4), items, strict=True):
        assert fits == (len(data) <= 8)
        if fits:  # what the worker left, read before the slot is used again
            taken.append(bytes(SLOTS.get(slot, len(data))))
    assert taken == [data for _, data in items if len(data) <= 8]
