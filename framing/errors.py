"""Errors raised by the framing library; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


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
