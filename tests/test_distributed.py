"""Dask: a LocalCluster on loopback gives output identical to the local run; clear errors otherwise."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import TINY_ARTICLE

from framing import distributed
from framing.cli import main
from framing.model import FramingModel
from framing.outputs import EncodedBatch
from framing.stream import Chunk, classify_chunk

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A one-worker cluster in this process, reached over TCP on loopback like a remote one."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    texts = [TINY_ARTICLE, "Iran arms the factions. The budget passed.", "", "Washington armed them! Really?"]
    lines = [json.dumps({"id": f"d{i}", "text": texts[i % 4] + f" Item {i}."}) for i in range(14)]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def classify(model: Path, docs: Path, out: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["classify", str(docs), "-m", str(model), "-o", str(out), *extra])


def content(path: Path) -> object:
    if path.suffix == ".sqlite":
        with sqlite3.connect(path) as db:
            return [db.execute(f"SELECT * FROM {table}").fetchall() for table in ("documents", "sentences")]
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_scheduler_output_is_identical_to_the_local_run(
    tiny_model_path: Path, docs: Path, tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr("framing.defaults.CHUNK_DOCUMENTS", 3)  # several chunks in flight
    local, remote = tmp_path / f"local.{kind}", tmp_path / f"dask.{kind}"
    assert classify(tiny_model_path, docs, local, "-j", "1").exit_code == 0
    result = classify(tiny_model_path, docs, remote, "--scheduler", scheduler)
    assert result.exit_code == 0, result.output
    assert content(remote) == content(local)


def test_dask_local_cluster_of_processes(tiny_model_path: Path, docs: Path, tmp_path: Path) -> None:
    local, remote = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    assert classify(tiny_model_path, docs, local, "-j", "1").exit_code == 0
    result = classify(tiny_model_path, docs, remote, "--dask-local", "1")
    assert result.exit_code == 0, result.output
    assert remote.read_bytes() == local.read_bytes()


def test_the_worker_task_rebuilds_the_model_from_its_bytes(tiny_model: FramingModel, tiny_model_path: Path) -> None:
    data = tiny_model_path.read_bytes()
    chunk = Chunk(())
    batch = distributed.run_chunk(data, "digest-1", chunk, "jsonl", 0.0)
    assert batch == EncodedBatch(0, 0, None, b"")
    assert list(distributed._MODELS) == ["digest-1"]
    assert classify_chunk(chunk, "jsonl", 0.0, model=tiny_model) == batch


def test_unreachable_scheduler_is_a_clear_error(
    tiny_model_path: Path, docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 0.5)
    result = classify(tiny_model_path, docs, tmp_path / "out.jsonl", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot reach the Dask scheduler at tcp://127.0.0.1:1 (")
    assert result.stderr.endswith("check the address, or use --dask-local N for a cluster on this machine\n")
    assert not (tmp_path / "out.jsonl").exists()


def test_missing_dask_says_how_to_install_it(
    tiny_model_path: Path, docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = classify(tiny_model_path, docs, tmp_path / "out.jsonl", "--dask-local", "2")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: --scheduler and --dask-local need Dask; install it with: pip install 'framing[dask]'\n",
    )


def test_dask_options_clash_with_jobs_and_each_other(tiny_model_path: Path, docs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = classify(tiny_model_path, docs, out, "--dask-local", "1", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and "use either --scheduler ADDRESS or --dask-local N, not both" in result.stderr
    result = classify(tiny_model_path, docs, out, "--dask-local", "1", "--jobs", "2")
    assert result.exit_code == 2 and "--jobs sets local processes" in result.stderr
