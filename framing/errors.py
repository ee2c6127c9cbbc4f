"""Errors raised by the framing library; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


class FramingError(Exception):
    """Base class: a problem the user can fix. ``str(error)`` is a one-line message."""

    exit_code = 1


class CorpusError(FramingError):
    """A labeled corpus file is missing, malformed or unusable for training."""


class CodebookError(FramingError):
    """A codebook file is malformed, or a corpus uses frames the codebook lacks."""


class ModelError(FramingError):
    """A model file is missing, corrupt, not a framing model, or from an unknown format."""


class InputError(FramingError):
    """A document to classify cannot be read."""


class OutputError(FramingError):
    """A result cannot be written."""


class WorkerError(FramingError):
    """A worker process of `--jobs` died (killed, or out of memory)."""


class ClusterError(FramingError):
    """Dask is not installed, or its scheduler cannot be reached."""


def parse_json_line(line: str, where: str, error: type[FramingError]) -> object:
    """Parse one JSONL line, raising ``error`` with ``where`` (file:line) for malformed JSON."""
    import json

    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: invalid JSON ({exc.msg}); each line must be one JSON object") from None
    except RecursionError:
        raise error(f"{where}: JSON nested too deeply; each line must be one JSON object") from None


def read_json_lines(path: Path, error: type[FramingError], missing: str) -> Iterator[tuple[str, object]]:
    """``(file:line, parsed value)`` for each non-blank line of a UTF-8 JSONL file (a BOM is fine).

    ``missing`` is the message (after the path) when the file does not exist; other failures to
    read or parse are raised as ``error`` naming the file and line.
    """
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{path}: {missing}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot be read ({exc}); it must be a UTF-8 JSONL file") from None
    for number, line in enumerate(raw.splitlines(), 1):
        if line.strip():
            where = f"{path}:{number}"
            yield where, parse_json_line(line, where, error)
