"""Helpers to take framing model files apart and seal them again, for hostile-model tests and fuzzing."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def members_of(path: Path) -> dict[str, bytes]:
    """A model file's members, without its checksum member."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "checksum.sha256"}


def seal(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED, trailer: bool = True) -> bytes:
    """Write members as framing does: member checksum, stored zip, whole-file sha256 as the zip comment."""
    digest = hashlib.sha256()
    for name in sorted(members):
        digest.update(name.encode() + b"\0" + hashlib.sha256(members[name]).digest())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, payload in {**members, "checksum.sha256": digest.hexdigest().encode()}.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), payload, compress_type=compression)
        if trailer:
            archive.comment = b"0" * 64
    data = out.getvalue()
    if not trailer:
        return data
    return data[:-64] + hashlib.sha256(data[:-64]).hexdigest().encode()


def npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def with_meta(members: dict[str, bytes], change: Callable[[dict[str, Any]], object]) -> dict[str, bytes]:
    """Members with ``change`` applied to the parsed meta.json."""
    meta = json.loads(members["meta.json"])
    change(meta)
    return {**members, "meta.json": json.dumps(meta).encode()}
