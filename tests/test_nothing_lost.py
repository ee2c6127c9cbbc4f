"""Nothing lost or half-written: atomic writes, failed and interrupted runs, concurrent writers."""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TINY_ROWS, WriteCorpus

from framing import defaults
from framing.atomic import atomic_write, check_writable
from framing.cli import EXIT_INTERRUPTED, main
from framing.errors import OutputError
from framing.model import FramingModel

OLD = b"the previous model, which must survive"


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# -- atomic_write ---------------------------------------------------------------------------------------
def test_atomic_write_replaces_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with atomic_write(target) as handle:
        handle.write("new\n")
        assert target.read_text(encoding="utf-8") == "old"  # not visible before the end
    assert target.read_text(encoding="utf-8") == "new\n"
    assert _leftovers(tmp_path, {"out.txt"}) == []


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt(), SystemExit(1)])
def test_atomic_write_keeps_the_old_file_on_any_exception(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(OLD)
    with pytest.raises(type(error)), atomic_write(target, "wb") as handle:
        handle.write(b"half")
        raise error
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path, {"out.bin"}) == []


def test_atomic_write_without_a_previous_file_leaves_nothing_on_failure(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), atomic_write(tmp_path / "new.txt") as handle:
        handle.write("partial")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_disk_full_is_a_clear_error_and_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "m.framing"
    target.write_bytes(OLD)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError) as caught, atomic_write(target, "wb") as handle:
        handle.write(b"new")
    assert str(caught.value) == f"cannot write {target}: No space left on device; any previous version is kept"
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path, {"m.framing"}) == []


def test_write_errors_raised_by_the_caller_become_output_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="Disk quota exceeded"), atomic_write(tmp_path / "x") as handle:
        handle.write("a")
        raise OSError(errno.EDQUOT, "Disk quota exceeded")
    # Other errors in the caller's block are the caller's business.
    with pytest.raises(FileNotFoundError), atomic_write(tmp_path / "x"):
        raise FileNotFoundError(errno.ENOENT, "No such file", "input.txt")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_into_a_missing_folder_or_onto_a_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as caught, atomic_write(tmp_path / "no" / "x.txt"):
        pass
    assert (
        str(caught.value)
        == f"cannot write {tmp_path / 'no' / 'x.txt'}: folder {tmp_path / 'no'} does not exist; create it first"
    )
    (tmp_path / "dir").mkdir()
    folder_error = r"^cannot write .*/dir: Is a directory; any previous version is kept$"
    with pytest.raises(OutputError, match=folder_error), atomic_write(tmp_path / "dir") as handle:
        handle.write("x")
    assert _leftovers(tmp_path, {"dir"}) == []


def test_check_writable_fails_fast(tmp_path: Path) -> None:
    check_writable(tmp_path / "ok.framing")
    with pytest.raises(OutputError, match="does not exist; create it first"):
        check_writable(tmp_path / "no" / "m.framing")
    with pytest.raises(OutputError) as caught:
        check_writable(tmp_path)
    assert str(caught.value) == f"cannot write {tmp_path}: it is a folder; give a file name"


# -- train keeps the old model until the new one is complete -------------------------------------------
@pytest.fixture
def existing_model(tmp_path: Path) -> Path:
    path = tmp_path / "model.framing"
    path.write_bytes(OLD)
    return path


def test_train_interrupted_during_cross_validation_keeps_the_old_model(
    existing_model: Path, tiny_corpus_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real_fit = FramingModel.fit

    def fit(self: FramingModel, texts: list[str], labels: list[str]) -> FramingModel:
        calls.append(len(texts))
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of cross-validation
        return real_fit(self, texts, labels)

    monkeypatch.setattr(FramingModel, "fit", fit)
    result = CliRunner().invoke(main, ["train", str(tiny_corpus_path), "--cv-folds", "3", "-o", str(existing_model)])
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.stderr == "Interrupted; nothing was half-written.\n"
    assert existing_model.read_bytes() == OLD
    assert _leftovers(existing_model.parent, {"model.framing", "tiny.jsonl"}) == []


def test_train_failing_while_writing_keeps_the_old_model(
    existing_model: Path, tiny_corpus_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = CliRunner().invoke(main, ["train", str(tiny_corpus_path), "--cv-folds", "0", "-o", str(existing_model)])
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write {existing_model}: No space left on device; any previous version is kept\n"
    )
    assert existing_model.read_bytes() == OLD
    assert _leftovers(existing_model.parent, {"model.framing", "tiny.jsonl"}) == []


def test_successful_train_replaces_the_old_model(existing_model: Path, tiny_corpus_path: Path) -> None:
    result = CliRunner().invoke(main, ["train", str(tiny_corpus_path), "--cv-folds", "0", "-o", str(existing_model)])
    assert result.exit_code == 0, result.output
    assert FramingModel.load(existing_model).frames == ["conspiracy", "factual", "proxy"]
    assert _leftovers(existing_model.parent, {"model.framing", "tiny.jsonl"}) == []


# -- Ctrl-C in a real process -----------------------------------------------------------------------------
# The driver runs the real CLI in a subprocess, with one function slowed down so that SIGINT lands at a
# known point: "fit" while training, "fsync" with the new file fully written but not yet renamed,
# "segment" or "predict" while classifying, "write" in the middle of writing an output file.
DRIVER = textwrap.dedent(
    """
    import os, sys, time
    stage = sys.argv[1]

    def pause():
        print("READY", file=sys.stderr, flush=True)
        time.sleep(60)

    if stage == "fit":
        import framing.model
        framing.model.FramingModel.fit = lambda self, texts, labels: pause()
    elif stage == "fsync":
        os.fsync = lambda fd: pause()
    elif stage == "segment":
        import framing.classify
        framing.classify.split_sentences = lambda text: pause()
    elif stage == "predict":
        import framing.model
        framing.model.FramingModel.predict_proba = lambda self, texts: pause()
    elif stage == "write":
        import framing.atomic
        real = framing.atomic.atomic_write
        import contextlib

        @contextlib.contextmanager
        def slow(path, mode="w", **kwargs):
            with real(path, mode, **kwargs) as handle:
                class Slow:
                    def __getattr__(self, name):
                        return getattr(handle, name)
                    def write(self, data):
                        handle.write(data)
                        handle.flush()
                        pause()
                yield Slow()
        framing.atomic.atomic_write = slow
        import framing.evaluate
        framing.evaluate.atomic_write = slow
    from framing.cli import main
    main(sys.argv[2:], prog_name="framing")
    """
)


def _interrupt(tmp_path: Path, stage: str, *args: str) -> subprocess.CompletedProcess[str]:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(defaults.PROJECT_ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(driver), stage, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    line = ""
    while "READY" not in line and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, line + stderr)


@pytest.mark.parametrize("stage", ["fit", "fsync"])
def test_ctrl_c_during_train_leaves_the_old_model_and_no_partial_file(
    tmp_path: Path, write_corpus: WriteCorpus, stage: str
) -> None:
    corpus = write_corpus("c.jsonl", TINY_ROWS)
    model = tmp_path / "model.framing"
    model.write_bytes(OLD)
    done = _interrupt(tmp_path, stage, "train", str(corpus), "--cv-folds", "0", "-o", str(model))
    assert done.returncode == EXIT_INTERRUPTED, done.stderr
    assert done.stderr == "READY\nInterrupted; nothing was half-written.\n"
    assert model.read_bytes() == OLD
    assert _leftovers(tmp_path, {"model.framing", "c.jsonl", "driver.py"}) == []


def test_ctrl_c_during_classify_exits_130_without_a_traceback(tmp_path: Path, tiny_model_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Rockets hit the base. The budget passed.", encoding="utf-8")
    done = _interrupt(tmp_path, "segment", "classify", str(article), "-m", str(tiny_model_path), "--format", "json")
    assert done.returncode == EXIT_INTERRUPTED, done.stderr
    assert done.stderr == "READY\nInterrupted; nothing was half-written.\n"
    assert _leftovers(tmp_path, {"a.txt", "driver.py"}) == []


def test_ctrl_c_while_writing_evaluate_errors_leaves_no_partial_file(tmp_path: Path, tiny_model_path: Path) -> None:
    heldout = tmp_path / "heldout.csv"
    heldout.write_text(
        "text,label\nThe Americans created ISIS.,proxy\nThe budget passed.,conspiracy\nRockets hit.,factual\n",
        encoding="utf-8",
    )
    errors = tmp_path / "errors.csv"
    errors.write_text("previous errors\n", encoding="utf-8")
    done = _interrupt(
        tmp_path,
        "write",
        "evaluate",
        str(heldout),
        "-m",
        str(tiny_model_path),
        "--errors",
        str(errors),
        "--bootstrap",
        "100",
    )
    assert done.returncode == EXIT_INTERRUPTED, done.stderr
    assert done.stderr.endswith("Interrupted; nothing was half-written.\n")
    assert errors.read_text(encoding="utf-8") == "previous errors\n"
    assert _leftovers(tmp_path, {"heldout.csv", "errors.csv", "driver.py"}) == []


# -- concurrent writers -----------------------------------------------------------------------------------
# FramingModel.save is atomic_write around to_bytes; writing the saved bytes keeps the writers light.
WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from framing.atomic import atomic_write
    source, target, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = Path(source).read_bytes()
    for _ in range(rounds):
        with atomic_write(target, "wb") as handle:
            handle.write(data)
    """
)


def test_two_processes_saving_to_the_same_path_never_produce_a_corrupt_file(
    tmp_path: Path, tiny_model_path: Path, binary_model_path: Path
) -> None:
    target = tmp_path / "shared.framing"
    expected = {tiny_model_path.read_bytes(), binary_model_path.read_bytes()}
    env = {**os.environ, "PYTHONPATH": str(defaults.PROJECT_ROOT)}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(source), str(target), "200"], env=env)
        for source in (tiny_model_path, binary_model_path)
    ]
    seen = set()
    while any(w.poll() is None for w in writers):
        if target.exists():
            data = target.read_bytes()
            assert data in expected  # always one complete model, never a mix or a prefix
            seen.add(data)
    assert [w.returncode for w in writers] == [0, 0]
    assert target.read_bytes() in expected
    FramingModel.load(target)
    assert len(seen) >= 1
    assert [p.name for p in tmp_path.iterdir() if re.search(r"\.tmp$", p.name)] == []


# -- every writer goes through atomic_write ---------------------------------------------------------------
WRITES = re.compile(
    r"""open\([^)]*["'][rbt]*[wax+][rbt+]*["']|\.write_text\(|\.write_bytes\(|os\.open\([^)]*O_(WRONLY|RDWR|CREAT)"""
    r"""|shutil\.copy|np\.save|joblib\.dump|sqlite3\.connect"""
)
# Modules with their own all-or-nothing scheme, and the line that makes the result appear at once.
OWN_SCHEME = {
    # classify --output: a resumable FILE.partial (append-only + journal, or SQLite transactions),
    # renamed over FILE only when the run is complete.
    "outputs.py": "os.replace(self.partial, self.target)",
    # framing annotate appends each answer to the labels file and fsyncs it before acknowledging it.
    "annotate.py": "os.fsync(self._file.fileno())",
    # FILE.lock holds no results, only the pid of the run writing FILE, under an flock.
    "lock.py": "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
}


def test_framing_writes_files_only_through_atomic_write() -> None:
    """A static check: no module but atomic.py opens a file for writing."""
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted((defaults.PROJECT_ROOT / "framing").glob("*.py"))
        if path.name != "atomic.py" and path.name not in OWN_SCHEME
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WRITES.search(line) and not line.lstrip().startswith("#") and "os.devnull" not in line
    ]
    assert offenders == []
    for name, rename in OWN_SCHEME.items():
        assert rename in (defaults.PROJECT_ROOT / "framing" / name).read_text(encoding="utf-8")


def test_ctrl_c_during_classify_output_keeps_the_previous_result(tmp_path: Path, tiny_model_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Rockets hit the base. The budget passed.", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    out.write_text('{"previous": true}\n', encoding="utf-8")
    done = _interrupt(tmp_path, "predict", "classify", str(article), "-m", str(tiny_model_path), "--output", str(out))
    assert done.returncode == EXIT_INTERRUPTED, done.stderr
    assert "Traceback" not in done.stderr
    assert out.read_text(encoding="utf-8") == '{"previous": true}\n'
    # What is left beside it is the resumable state (FILE.partial and its journal), never a half FILE.
    assert all(
        name.startswith("results.jsonl.partial")
        for name in _leftovers(tmp_path, {"a.txt", "driver.py", "results.jsonl"})
    )
