"""Hostile and broken model files: refused with a clear error, never executed, integrity always checked."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from model_files import members_of, npy, seal, with_meta

from framing import __version__, defaults
from framing.cli import main
from framing.errors import ModelError
from framing.model import FramingModel

FIX = "train one with `framing train` or check the path"
NOT_MODEL = "not a framing model file"


class CreatesFile:
    """Unpickling this creates ``marker``: proof that code from the file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def refusal(data: bytes, where: str = "m.framing") -> str:
    with pytest.raises(ModelError) as caught:
        FramingModel.from_bytes(data, where)
    return str(caught.value)


# -- the container is what framing writes --------------------------------------------------------------
def test_seal_reproduces_framing_files_byte_for_byte(tiny_model_path: Path) -> None:
    assert seal(members_of(tiny_model_path)) == tiny_model_path.read_bytes()


def test_the_last_64_bytes_are_the_sha256_of_the_rest(tiny_model_path: Path) -> None:
    data = tiny_model_path.read_bytes()
    assert data[-64:] == hashlib.sha256(data[:-64]).hexdigest().encode()


# -- code payloads ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_payloads_are_refused_and_never_run(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "ran"
    data = pickle.dumps(CreatesFile(marker), protocol=protocol)
    message = refusal(data)
    assert message.startswith(f"m.framing: {NOT_MODEL}")
    assert not marker.exists()


@pytest.mark.parametrize("compress", [0, 3])
def test_joblib_payloads_are_refused_and_never_run(tmp_path: Path, compress: int) -> None:
    import joblib

    marker = tmp_path / "ran"
    path = tmp_path / "m.framing"
    joblib.dump(CreatesFile(marker), path, compress=compress)
    assert refusal(path.read_bytes()).startswith(f"m.framing: {NOT_MODEL}")
    assert not marker.exists()
    joblib.load(path).close()  # the payload is live
    assert marker.exists()


def test_a_pickle_inside_a_valid_looking_container_is_never_unpickled(tiny_model_path: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = np.empty(1, dtype=object)
    payload[0] = CreatesFile(marker)
    members = {**members_of(tiny_model_path), "coef.npy": npy(payload, allow_pickle=True)}
    assert refusal(seal(members)) == (
        "m.framing: array coef.npy cannot be read safely (unsupported dtype object); retrain the model"
    )
    assert not marker.exists()


def test_a_pickle_inside_a_zip_without_metadata(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("model.pkl", pickle.dumps(CreatesFile(marker)))
    assert refusal(out.getvalue()) == f"m.framing: {NOT_MODEL} (a zip file without framing metadata); {FIX}"
    assert not marker.exists()


# -- damaged files ---------------------------------------------------------------------------------------
def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "m.framing"
    path.write_bytes(b"")
    with pytest.raises(ModelError) as caught:
        FramingModel.load(path)
    assert str(caught.value) == f"{path}: the model file is empty; {FIX}"


def test_every_truncation_is_refused(tiny_model_path: Path) -> None:
    data = tiny_model_path.read_bytes()
    for cut in [1, 2, 3, 4, 30, 100, *range(200, len(data), 997), len(data) - 65, len(data) - 64, len(data) - 1]:
        message = refusal(data[:cut])
        assert message in (
            f"m.framing: {NOT_MODEL}; {FIX}",
            "m.framing: the model file is damaged or truncated (checksum mismatch); retrain or copy it again",
        ), (cut, message)


def test_a_flipped_byte_anywhere_is_refused(tiny_model_path: Path) -> None:
    data = tiny_model_path.read_bytes()
    positions = [*range(0, 300), *range(300, len(data) - 300, 101), *range(len(data) - 300, len(data))]
    for position in positions:
        damaged = bytearray(data)
        damaged[position] ^= 0x01
        message = refusal(bytes(damaged))
        assert "damaged" in message or NOT_MODEL in message, (position, message)


def test_flipped_bytes_in_zip_fields_zipfile_ignores_are_caught(tiny_model_path: Path) -> None:
    """zipfile never checks a local header's timestamp; the whole-file checksum does."""
    data = bytearray(tiny_model_path.read_bytes())
    data[10] ^= 0xFF  # last-modified time of the first member
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        archive.testzip()  # zipfile itself sees nothing wrong
    assert refusal(bytes(data)) == (
        "m.framing: the model file is damaged or truncated (checksum mismatch); retrain or copy it again"
    )


def test_member_checksum_is_checked_even_with_a_valid_trailer(tiny_model_path: Path) -> None:
    members = members_of(tiny_model_path)
    data = seal(members)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rebuilt = {n: archive.read(n) for n in archive.namelist()}
    rebuilt["checksum.sha256"] = b"0" * 64
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, payload in rebuilt.items():
            archive.writestr(name, payload)
        archive.comment = b"0" * 64
    body = out.getvalue()[:-64]
    assert refusal(body + hashlib.sha256(body).hexdigest().encode()) == (
        "m.framing: the model file is damaged (checksum mismatch); retrain or copy it again"
    )


def test_file_from_a_development_version_without_the_trailer(tiny_model_path: Path) -> None:
    assert refusal(seal(members_of(tiny_model_path), trailer=False)) == (
        "m.framing: written by an early test version of framing (no file checksum); retrain it"
    )


# -- versions -----------------------------------------------------------------------------------------------
def test_a_future_format_version_asks_to_upgrade(tiny_model_path: Path) -> None:
    members = with_meta(members_of(tiny_model_path), lambda m: m.update(format_version=2))
    expected = (
        f"m.framing: model format version 2 is not supported by framing {__version__} (it reads version 1); "
        "upgrade framing or retrain the model"
    )
    assert refusal(seal(members)) == expected
    # A future container might drop the trailer or add members: the version is still reported.
    assert refusal(seal({**members, "new.bin": b"x"}, trailer=False)) == expected


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, None])
def test_nonsense_format_versions(tiny_model_path: Path, version: object) -> None:
    members = with_meta(members_of(tiny_model_path), lambda m: m.update(format_version=version))
    assert refusal(seal(members)).startswith(f"m.framing: model format version {version} is not supported")


def test_metadata_of_another_format(tiny_model_path: Path) -> None:
    members = with_meta(members_of(tiny_model_path), lambda m: m.update(format="other-tool"))
    assert refusal(seal(members)) == f"m.framing: {NOT_MODEL}; {FIX}"


# -- consistent checksums, hostile contents --------------------------------------------------------------
INCONSISTENT = "m.framing: the model file is inconsistent"
RETRAIN = "retrain with `framing train`"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: m.update(classes=["a"]), "'classes' must list at least two distinct frames"),
        (lambda m: m.update(classes=["a", "a", "b"]), "'classes' must list at least two distinct frames"),
        (lambda m: m.update(classes=["a", 1, "b"]), "frame ids must be non-empty strings"),
        (lambda m: m.update(classes=["a", "b", "c", "d"]), "weights of shape (3, "),
        (lambda m: m.update(threshold=0.5), "a decision threshold needs its frame, and a frame its threshold"),
        (lambda m: m.update(threshold=0.5, positive=2), "threshold frame 2 is not one of the two frames"),
        (lambda m: m.pop("classes"), "'classes'"),
        (lambda m: m.update(features=["word"]), "string indices must be integers"),
        (lambda m: m.update(features=[{"name": "word", "kind": "bm25"}]), "feature block 'word' of kind 'bm25'"),
        (lambda m: m["config"].update(word_ngrams=[1, "2"]), "n-gram range (1, '2') is not a pair"),
        (lambda m: m["config"].update(char_ngrams=[5, 2]), "n-gram range (5, 2) is not a pair"),
        (lambda m: m["config"].update(char_ngrams=[1, 10**9]), "n-gram range (1, 1000000000) is not a pair"),
        (lambda m: m.update(info=[1, 2]), "'info' must be an object"),
        (lambda m: m.update(config=[]), "has no attribute"),
    ],
)
def test_inconsistent_metadata_is_refused(tiny_model_path: Path, change: Callable[[dict], Any], reason: str) -> None:
    message = refusal(seal(with_meta(members_of(tiny_model_path), change)))
    assert message.startswith(f"{INCONSISTENT} (") and message.endswith("); retrain with `framing train`"), message
    assert reason in message


def test_binary_threshold_out_of_range(binary_model_path: Path) -> None:
    members = with_meta(members_of(binary_model_path), lambda m: m.update(threshold=1.5))
    assert (
        refusal(seal(members)) == f"{INCONSISTENT} (threshold 1.5 is not a probability); retrain with `framing train`"
    )


def test_invalid_codebook_in_the_model(tiny_model_path: Path) -> None:
    members = with_meta(members_of(tiny_model_path), lambda m: m["codebook"].update(frames=[{"id": ""}]))
    assert refusal(seal(members)) == (
        "m.framing: the model's codebook is invalid (codebook: frame 1 has no valid 'id'; use a non-empty string "
        "without spaces around it); retrain the model"
    )


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_or_infinite_weights_are_refused(tiny_model_path: Path, value: float) -> None:
    members = members_of(tiny_model_path)
    coef = np.lib.format.read_array(io.BytesIO(members["coef.npy"]))
    coef[0, 0] = value
    assert refusal(seal({**members, "coef.npy": npy(coef)})) == (
        f"{INCONSISTENT} (array coef holds NaN or infinite values); retrain with `framing train`"
    )


def test_a_huge_declared_array_shape_is_refused_without_allocating(tiny_model_path: Path) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    members = {**members_of(tiny_model_path), "coef.npy": header.getvalue() + b"\0" * 16}
    assert refusal(seal(members)) == (
        "m.framing: array coef.npy cannot be read safely (shape (1000000000000,) does not match 16 bytes of data); "
        "retrain the model"
    )


def test_wrong_array_dtype_is_refused(tiny_model_path: Path) -> None:
    members = members_of(tiny_model_path)
    assert refusal(seal({**members, "word.terms.npy": npy(np.zeros(3))})) == (
        f"{INCONSISTENT} (array word.terms has dtype float64); retrain with `framing train`"
    )


def test_missing_array_is_refused(tiny_model_path: Path) -> None:
    members = members_of(tiny_model_path)
    del members["intercept.npy"]
    assert refusal(seal(members)) == f"{INCONSISTENT} ('intercept'); retrain with `framing train`"


def test_compressed_members_are_refused(tiny_model_path: Path) -> None:
    """framing stores members uncompressed, so a deflated member (a possible zip bomb) is not ours."""
    data = seal(members_of(tiny_model_path), compression=zipfile.ZIP_DEFLATED)
    assert refusal(data) == f"m.framing: {NOT_MODEL} (compressed or oversized member 'meta.json'); {FIX}"


def test_duplicate_member_names_are_refused(tiny_model_path: Path) -> None:
    members = members_of(tiny_model_path)
    out = io.BytesIO()
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(out, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
        archive.writestr("coef.npy", members["coef.npy"])
        archive.writestr("checksum.sha256", b"x")
        archive.comment = b"0" * 64
    body = out.getvalue()[:-64]
    assert (
        refusal(body + hashlib.sha256(body).hexdigest().encode())
        == f"m.framing: {NOT_MODEL} (unexpected zip members); {FIX}"
    )


# -- paths -------------------------------------------------------------------------------------------------
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "m.framing"
    os.mkfifo(fifo)
    with pytest.raises(ModelError) as caught:
        FramingModel.load(fifo)
    assert str(caught.value) == f"{fifo}: not a regular file; pass the model file itself"


def test_an_oversized_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.framing"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    monkeypatch.setattr(defaults, "MAX_MODEL_BYTES", 50)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read an oversized file"))
    with pytest.raises(ModelError) as caught:
        FramingModel.load(path)
    assert str(caught.value) == f"{path}: 104 bytes is too large for a framing model (at most 50); check the path"


def test_cli_reports_a_damaged_model_in_one_line(tiny_model_path: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.framing"
    damaged.write_bytes(tiny_model_path.read_bytes()[:-1] + b"x")
    article = tmp_path / "a.txt"
    article.write_text("Rockets hit the base.", encoding="utf-8")
    heldout = tmp_path / "heldout.csv"
    heldout.write_text("text,label\nRockets hit the base.,proxy\nThe budget passed.,factual\n", encoding="utf-8")
    for args in (["classify", str(article)], ["frames"], ["evaluate", str(heldout)]):
        result = CliRunner().invoke(main, [*args, "-m", str(damaged)])
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr == (
            f"Error: {damaged}: the model file is damaged or truncated (checksum mismatch); retrain or copy it again\n"
        )


# -- zip members and metadata built to exhaust or escape (issue 18) -------------------------------------
@pytest.mark.parametrize("name", ["../coef.npy", "/etc/coef.npy", "a/../../coef.npy", "c:\\coef.npy", "x\\..\\y.npy"])
def test_member_names_that_climb_or_are_absolute_are_refused(tiny_model_path: Path, name: str) -> None:
    members = {**members_of(tiny_model_path), name: b"x"}
    assert refusal(seal(members)) == f"m.framing: {NOT_MODEL} (unsafe member name {name!r}); {FIX}"


def test_more_members_than_a_model_has_are_refused(tiny_model_path: Path) -> None:
    members = {**members_of(tiny_model_path), **{f"extra{i}.bin": b"" for i in range(80)}}
    assert refusal(seal(members)) == f"m.framing: {NOT_MODEL} (unexpected zip members); {FIX}"


def test_a_zip_bomb_member_is_refused_before_it_expands(tiny_model_path: Path) -> None:
    members = members_of(tiny_model_path)
    bomb = b"\0" * 200_000_000
    digest = hashlib.sha256()
    for name, payload in sorted({**members, "bomb.npy": bomb}.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(payload).digest())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, payload in {**members, "checksum.sha256": digest.hexdigest().encode()}.items():
            archive.writestr(name, payload)
        # 200 MB of zeros in about 200 kB: reading it would allocate the whole of it.
        archive.writestr("bomb.npy", bomb, compress_type=zipfile.ZIP_DEFLATED)
        archive.comment = b"0" * 64
    body = out.getvalue()[:-64]
    assert len(body) < 1_000_000
    data = body + hashlib.sha256(body).hexdigest().encode()
    assert refusal(data) == f"m.framing: {NOT_MODEL} (compressed or oversized member 'bomb.npy'); {FIX}"


@pytest.mark.parametrize(
    ("meta", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, ""),
        (b'{"format": "framing-model", "n": 1' + b"0" * 5000 + b"}", " (a number of 5001 digits)"),
        (b'{"format": "framing-model", "n": 1e999}', " (the number 1e999 overflows)"),
        (b'{"format": "framing-model", "n": NaN}', " (NaN is not a number framing writes)"),
    ],
    ids=["deep nesting", "huge integer", "overflowing float", "NaN"],
)
def test_metadata_built_to_exhaust_the_parser_is_refused(tiny_model_path: Path, meta: bytes, reason: str) -> None:
    members = {**members_of(tiny_model_path), "meta.json": meta}
    assert refusal(seal(members)) == f"m.framing: the model metadata is damaged{reason}; retrain or copy it again"
