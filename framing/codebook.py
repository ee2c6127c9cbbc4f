"""Frame codebooks: ids, titles, definitions and display colours, read from JSON."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import CodebookError

# Okabe-Ito: distinguishable under the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Frame:
    """One frame of a codebook."""

    id: str
    title: str
    definition: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    colour: str = PALETTE[0]

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Codebook:
    """An ordered set of frames, with the precedence rule used when two frames apply."""

    frames: tuple[Frame, ...]
    name: str = ""
    version: str = ""
    description: str = ""
    precedence: tuple[str, ...] = field(default=())

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.frames]

    def get(self, frame_id: str) -> Frame | None:
        return next((f for f in self.frames if f.id == frame_id), None)

    def check_labels(self, counts: Mapping[str, int]) -> None:
        """Refuse corpus labels the codebook lacks, listing the known ids."""
        unknown = {label: n for label, n in counts.items() if self.get(label) is None}
        if unknown:
            listed = ", ".join(f"{label!r} ({n} sentences)" for label, n in sorted(unknown.items()))
            raise CodebookError(
                f"corpus labels not in the codebook: {listed}; known frames: {', '.join(self.ids)}; "
                "relabel those sentences or add the frames to the codebook"
            )

    def restricted_to(self, frame_ids: Iterable[str]) -> Codebook:
        """The frames with these ids, in the given order."""
        frames = tuple(self.get(i) or Frame(id=i, title=i) for i in frame_ids)
        return Codebook(frames, self.name, self.version, self.description, self.precedence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "precedence": list(self.precedence),
            "frames": [f.to_dict() for f in self.frames],
        }


def codebook_from_labels(labels: Iterable[str]) -> Codebook:
    """A plain codebook for a corpus trained without one: each label is its own frame."""
    ids = sorted(set(labels))
    return Codebook(tuple(Frame(id=i, title=i, colour=PALETTE[n % len(PALETTE)]) for n, i in enumerate(ids)))


def codebook_from_dict(data: Mapping[str, Any], where: str = "codebook") -> Codebook:
    """Validate a parsed codebook; raise :class:`CodebookError` naming what is wrong."""
    if not isinstance(data, Mapping):
        raise CodebookError(f"{where}: expected a JSON object with a 'frames' list")
    frames_raw = data.get("frames")
    if not isinstance(frames_raw, list) or not frames_raw:
        raise CodebookError(f"{where}: no 'frames' list; add a list of frames with 'id' and 'title'")
    frames: list[Frame] = []
    seen: set[str] = set()
    for n, raw in enumerate(frames_raw, 1):
        if not isinstance(raw, Mapping):
            raise CodebookError(f"{where}: frame {n} is not an object; give it 'id' and 'title'")
        frame_id = raw.get("id")
        if not isinstance(frame_id, str) or not frame_id.strip() or frame_id != frame_id.strip():
            raise CodebookError(
                f"{where}: frame {n} has no valid 'id'; use a non-empty string without spaces around it"
            )
        if frame_id in seen:
            raise CodebookError(f"{where}: frame id {frame_id!r} appears twice; frame ids must be unique")
        seen.add(frame_id)
        colour = raw.get("colour", PALETTE[(n - 1) % len(PALETTE)])
        if not isinstance(colour, str) or not _COLOUR.match(colour):
            raise CodebookError(f"{where}: frame {frame_id!r} has colour {colour!r}; use #RRGGBB")
        frames.append(
            Frame(
                id=frame_id,
                title=_text(raw, "title", frame_id, where, frame_id),
                definition=_text(raw, "definition", "", where, frame_id),
                include=_texts(raw, "include", where, frame_id),
                exclude=_texts(raw, "exclude", where, frame_id),
                examples=_texts(raw, "examples", where, frame_id),
                colour=colour,
            )
        )
    precedence = tuple(str(p) for p in data.get("precedence") or ())
    unknown = [p for p in precedence if p not in seen]
    if unknown:
        raise CodebookError(f"{where}: 'precedence' names unknown frames {unknown}; use frame ids")
    return Codebook(
        frames=tuple(frames),
        name=str(data.get("name", "")),
        version=str(data.get("version", "")),
        description=str(data.get("description", "")),
        precedence=precedence,
    )


def load_codebook(path: str | os.PathLike[str]) -> Codebook:
    """Read a codebook JSON file."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CodebookError(f"{path}: no such codebook file; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CodebookError(f"{path}: cannot read the codebook ({exc}); it must be a UTF-8 JSON file") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CodebookError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg}); fix the codebook file") from None
    return codebook_from_dict(data, str(path))


def _text(raw: Mapping[str, Any], key: str, default: str, where: str, frame_id: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise CodebookError(f"{where}: frame {frame_id!r} field {key!r} must be a string")
    return value


def _texts(raw: Mapping[str, Any], key: str, where: str, frame_id: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CodebookError(f"{where}: frame {frame_id!r} field {key!r} must be a list of strings")
    return tuple(value)
