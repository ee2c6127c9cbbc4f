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
from framing.parallel import default_jobs, ordered_map


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


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_jobs_2_writes_what_jobs_1_writes(
    tiny_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    docs = write_documents(tmp_path / "docs.jsonl", 30)
    monkeypatch.setattr("framing.defaults.CHUNK_DOCUMENTS", 4)  # 8 chunks over 2 processes
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
