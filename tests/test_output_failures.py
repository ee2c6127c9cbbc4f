"""Output that cannot be written: a full disk, a closed stdout, a reader that went away."""

from __future__ import annotations

import errno
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_error, run_cli

FULL = Path("/dev/full")
DISK_FULL = (
    "Error: cannot write to standard output: no space left on device (disk full); "
    "free some space or write to another disk"
)
CLOSED = "Error: cannot write to standard output: it is closed; redirect it to a file (> results.json) or use --output"

needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full on this system")


def _framing(args: list[str], stdout: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "framing.cli", *args],
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text("The militias fired rockets at the base. Officials met on Monday.\n" * 200, encoding="utf-8")
    return path


@needs_dev_full
@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table"])
def test_classify_to_a_full_disk_is_one_error_line(tiny_model_path: Path, article: Path, fmt: str) -> None:
    with FULL.open("w") as full:
        result = _framing(["classify", str(article), "-m", str(tiny_model_path), "--format", fmt], full)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [DISK_FULL]


@needs_dev_full
def test_evaluate_to_a_full_disk_is_one_error_line(tiny_model_path: Path, tiny_corpus_path: Path) -> None:
    with FULL.open("w") as full:
        result = _framing(["evaluate", str(tiny_corpus_path), "-m", str(tiny_model_path), "--format", "json"], full)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == DISK_FULL
    assert "Traceback" not in result.stderr


def test_closed_stdout_is_an_error_not_silence(tiny_model_path: Path, article: Path) -> None:
    # A child started with file descriptor 1 closed, as `framing ... >&-` does.
    code = "import os, sys; os.close(1); os.execv(sys.executable, [sys.executable, '-m', 'framing.cli', *sys.argv[1:]])"
    result = subprocess.run(
        [sys.executable, "-c", code, "classify", str(article), "-m", str(tiny_model_path), "--format", "json"],
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [CLOSED]


def test_closed_stdout_is_fine_when_nothing_goes_to_it(tiny_model_path: Path, article: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    code = "import os, sys; os.close(1); os.execv(sys.executable, [sys.executable, '-m', 'framing.cli', *sys.argv[1:]])"
    result = subprocess.run(
        [sys.executable, "-c", code, "classify", str(article), "-m", str(tiny_model_path), "--output", str(out)],
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").count("\n") == 1


def test_a_reader_that_goes_away_ends_the_run_quietly(tiny_model_path: Path, tmp_path: Path) -> None:
    # Far more output than a pipe buffers, so the writer meets the closed pipe.
    article = tmp_path / "long.txt"
    article.write_text("The militias fired rockets at the base.\n" * 20_000, encoding="utf-8")
    command = [sys.executable, "-m", "framing.cli", "classify", str(article), "-m", str(tiny_model_path)]
    with subprocess.Popen([*command, "--format", "jsonl"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == 0
    assert stderr == ""


# -- a disk that fills up in the middle of --output ------------------------------------------------------
def _inputs(folder: Path) -> Path:
    path = folder / "docs.jsonl"
    lines = [
        json.dumps({"id": f"d{i}", "text": f"Rockets hit base {i} near Baghdad. The ministry met on day {i}."})
        for i in range(1200)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_disk_full_mid_run_resumes_to_the_clean_result(
    tmp_path: Path, tiny_model_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    from framing import defaults, outputs

    monkeypatch.setattr(defaults, "COMMIT_SECONDS", 0.0)  # commit after every batch
    monkeypatch.setattr(defaults, "CHUNK_DOCUMENTS", 100)
    docs = _inputs(tmp_path)
    common = ["classify", docs, "-m", tiny_model_path, "--jobs", "1"]
    clean, out = tmp_path / f"clean{suffix}", tmp_path / f"results{suffix}"
    assert run_cli(*common, "--output", clean).exit_code == 0

    original = outputs.AppendOutput.write
    calls = {"n": 0}

    class HalfThenFull:
        """A file whose disk fills up halfway through a write."""

        def __init__(self, real: Any) -> None:
            self.real = real

        def write(self, data: bytes) -> int:
            self.real.write(bytes(data)[: len(data) // 2])
            self.real.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

    def fills_up(self: Any, batch: Any) -> None:
        calls["n"] += 1
        if calls["n"] != 5:
            return original(self, batch)
        real, self._file = self._file, HalfThenFull(self._file)
        try:
            return original(self, batch)
        finally:
            self._file = real

    monkeypatch.setattr(outputs.AppendOutput, "write", fills_up)
    result = run_cli(*common, "--output", out)
    assert_error(result, f"cannot write {out}.partial: No space left on device; rerun with --resume once fixed")
    assert not out.exists()
    monkeypatch.setattr(outputs.AppendOutput, "write", original)
    resumed = run_cli(*common, "--output", out, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert out.read_bytes() == clean.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["docs.jsonl", clean.name, out.name])


# -- files written whole (model, --errors, --html) on a full disk ------------------------------------------
@pytest.mark.parametrize("job", ["train -o", "evaluate --errors", "evaluate --html", "classify --html"])
def test_whole_files_on_a_full_disk_keep_the_previous_version(
    tmp_path: Path,
    tiny_model_path: Path,
    tiny_corpus_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    job: str,
) -> None:
    import os

    article = tmp_path / "a.txt"
    article.write_text("Rockets hit the base. The budget passed.", encoding="utf-8")
    target = tmp_path / {"train -o": "m.framing", "evaluate --errors": "e.csv"}.get(job, "r.html")
    target.write_bytes(b"previous")
    args = {
        "train -o": ["train", tiny_corpus_path, "--cv-folds", "0", "-o", target],
        "evaluate --errors": ["evaluate", tiny_corpus_path, "-m", tiny_model_path, "--errors", target],
        "evaluate --html": ["evaluate", tiny_corpus_path, "-m", tiny_model_path, "--html", target],
        "classify --html": ["classify", article, "-m", tiny_model_path, "--html", target],
    }[job]

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run_cli(*args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: cannot write {target}: No space left on device; any previous version is kept"
    )
    assert "Traceback" not in result.stderr
    assert target.read_bytes() == b"previous"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_an_io_error_on_stdout_is_one_error_line(
    tiny_model_path: Path, article: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from framing.cli import main

    class Failing(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(sys, "stdout", Failing())
    with pytest.raises(SystemExit) as exited:
        main.main(["classify", str(article), "-m", str(tiny_model_path), "--format", "json"], standalone_mode=False)
    assert exited.value.code == 1
    assert capsys.readouterr().err == (
        "Error: cannot write to standard output: input/output error; check the device it is written to\n"
    )
