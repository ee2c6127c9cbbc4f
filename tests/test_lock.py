"""The lock beside an output file: one writer at a time, named by its pid; stale lock files are taken over."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_error, run_cli

from framing.errors import OutputError
from framing.lock import OutputLock


def test_a_second_lock_is_refused_with_the_owner_pid(tmp_path: Path) -> None:
    target = tmp_path / "results.jsonl"
    first = OutputLock(target).acquire()
    message = f"{target} is being written by another framing run (process {os.getpid()}); "
    with pytest.raises(OutputError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        OutputLock(target).acquire()
    first.release(remove=True)
    assert not (tmp_path / "results.jsonl.lock").exists()
    OutputLock(target).acquire().release(remove=True)


def test_a_lock_file_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    target = tmp_path / "results.jsonl"
    (tmp_path / "results.jsonl.lock").write_text("999999\n", encoding="ascii")
    lock = OutputLock(target).acquire()
    assert (tmp_path / "results.jsonl.lock").read_text(encoding="ascii") == f"{os.getpid()}\n"
    lock.release(remove=False)
    assert (tmp_path / "results.jsonl.lock").exists()


def test_the_kernel_releases_the_lock_of_a_killed_process(tmp_path: Path) -> None:
    target = tmp_path / "results.jsonl"
    code = (
        "import sys; from framing.lock import OutputLock; OutputLock(__import__('pathlib').Path(sys.argv[1])).acquire()"
    )
    subprocess.run([sys.executable, "-c", code, str(target)], timeout=60)
    OutputLock(target).acquire().release(remove=True)


def test_classify_refuses_an_output_another_run_is_writing(tmp_path: Path, tiny_model_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Rockets hit the base. The budget passed.", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    running = OutputLock(out).acquire()
    try:
        result = run_cli("classify", article, "-m", tiny_model_path, "--output", out)
        assert_error(
            result,
            f"{out} is being written by another framing run (process {os.getpid()}); "
            "wait for it to finish, or write to another file",
        )
        assert not (tmp_path / "results.jsonl.partial").exists()
    finally:
        running.release(remove=True)
    assert run_cli("classify", article, "-m", tiny_model_path, "--output", out).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "results.jsonl"]
