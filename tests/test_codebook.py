"""Codebooks: reading and validating JSON, label checks, ordering, and the plain codebook from labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_CODEBOOK

from framing.codebook import PALETTE, Frame, codebook_from_dict, codebook_from_labels, load_codebook
from framing.errors import CodebookError


def _error(data: Any) -> str:
    with pytest.raises(CodebookError) as caught:
        codebook_from_dict(data, "cb.json")
    return str(caught.value)


def test_load_reads_frames_in_order_with_titles_and_definitions(codebook_path: Path) -> None:
    book = load_codebook(codebook_path)
    assert book.ids == ["conspiracy", "proxy", "factual"]
    assert book.name == "tiny" and book.version == "1"
    proxy = book.get("proxy")
    assert proxy is not None
    assert (proxy.title, proxy.definition) == ("Iran proxy blame", "Iran's proxies are blamed.")
    assert [f.colour for f in book.frames] == list(PALETTE[:3])
    assert book.get("missing") is None


def test_round_trip_through_to_dict() -> None:
    data = {
        "name": "n",
        "version": "2",
        "description": "d",
        "precedence": ["b", "a"],
        "frames": [
            {
                "id": "a",
                "title": "A",
                "definition": "def",
                "include": ["i"],
                "exclude": ["e"],
                "examples": ["x"],
                "colour": "#123456",
            },
            {"id": "b", "title": "B"},
        ],
    }
    book = codebook_from_dict(data)
    again = codebook_from_dict(book.to_dict())
    assert again == book
    assert book.frames[0] == Frame("a", "A", "def", ("i",), ("e",), ("x",), "#123456")
    assert book.precedence == ("b", "a")


def test_title_defaults_to_id() -> None:
    assert codebook_from_dict({"frames": [{"id": "only"}]}).frames[0].title == "only"


def test_codebook_with_a_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "cb.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(TINY_CODEBOOK).encode())
    assert load_codebook(path).ids == ["conspiracy", "proxy", "factual"]


def test_missing_codebook_file(tmp_path: Path) -> None:
    with pytest.raises(CodebookError) as caught:
        load_codebook(tmp_path / "nope.json")
    assert str(caught.value) == f"{tmp_path / 'nope.json'}: no such codebook file; check the path"


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cb.json"
    path.write_text('{\n  "frames": [\n    {"id": "a",}\n  ]\n}\n', encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    assert (
        str(caught.value)
        == f"{path}:3: invalid JSON (Expecting property name enclosed in double quotes); fix the codebook file"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "cb.json: expected a JSON object with a 'frames' list"),
        ({}, "cb.json: no 'frames' list; add a list of frames with 'id' and 'title'"),
        ({"frames": []}, "cb.json: no 'frames' list; add a list of frames with 'id' and 'title'"),
        ({"frames": ["a"]}, "cb.json: frame 1 is not an object; give it 'id' and 'title'"),
        (
            {"frames": [{"title": "x"}]},
            "cb.json: frame 1 has no valid 'id'; use a non-empty string without spaces around it",
        ),
        (
            {"frames": [{"id": " a"}]},
            "cb.json: frame 1 has no valid 'id'; use a non-empty string without spaces around it",
        ),
        ({"frames": [{"id": "a"}, {"id": "a"}]}, "cb.json: frame id 'a' appears twice; frame ids must be unique"),
        ({"frames": [{"id": "a", "colour": "red"}]}, "cb.json: frame 'a' has colour 'red'; use #RRGGBB"),
        ({"frames": [{"id": "a", "title": 3}]}, "cb.json: frame 'a' field 'title' must be a string"),
        ({"frames": [{"id": "a", "include": "x"}]}, "cb.json: frame 'a' field 'include' must be a list of strings"),
        (
            {"frames": [{"id": "a"}], "precedence": ["b"]},
            "cb.json: 'precedence' names unknown frames ['b']; use frame ids",
        ),
    ],
)
def test_validation_errors(data: Any, message: str) -> None:
    assert _error(data) == message


def test_check_labels_lists_unknown_frames_with_counts(codebook_path: Path) -> None:
    book = load_codebook(codebook_path)
    book.check_labels({"proxy": 3, "factual": 1})
    with pytest.raises(CodebookError) as caught:
        book.check_labels({"proxy": 3, "zeta": 2, "alpha": 1})
    assert str(caught.value) == (
        "corpus labels not in the codebook: 'alpha' (1 sentences), 'zeta' (2 sentences); "
        "known frames: conspiracy, proxy, factual; relabel those sentences or add the frames to the codebook"
    )


def test_restricted_to_keeps_the_given_order_and_invents_missing_frames(codebook_path: Path) -> None:
    book = load_codebook(codebook_path).restricted_to(["factual", "new"])
    assert book.ids == ["factual", "new"]
    assert book.frames[1] == Frame("new", "new")
    assert book.name == "tiny"


def test_codebook_from_labels_sorts_and_colours() -> None:
    book = codebook_from_labels(["b", "a", "b", "c"])
    assert book.ids == ["a", "b", "c"]
    assert [f.title for f in book.frames] == ["a", "b", "c"]
    assert [f.colour for f in book.frames] == list(PALETTE[:3])
