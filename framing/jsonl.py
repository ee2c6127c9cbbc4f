"""JSONL records of classified documents, byte for byte ``json.dumps``'s, with the numbers formatted by numpy.

A record holds, per sentence, a label and nine probabilities; ``float.__repr__`` of those
values is most of the cost of ``json.dumps``. Every value is rounded to six decimals, so its
repr is "0." plus the six digits without trailing zeros (0.5, 0.025715): numpy writes those
digits for a whole chunk at once, with the label and the constant key strings, into one
byte buffer. Rows with a value that repr writes otherwise (0.0, 1.0, or below 1e-4, which
gets an exponent) and frame names that are not ASCII use ``%r`` templates instead. Tests
compare the output with ``json.dumps`` of the same records.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

_QUOTE = json.encoder.encode_basestring  # what json.dumps quotes strings with when ensure_ascii=False
_DIGITS = 6
_GAP = 0  # a byte JSON text never holds raw (it writes a NUL as \\u0000)


class SentenceSuffixes:
    """What follows a sentence's text in its record: ``, "frame": ..., "confidence": ..., "scores": {...}}``."""

    def __init__(self, frames: Sequence[str], labels: Sequence[str]) -> None:
        keys = [_QUOTE(frame) for frame in frames]
        self.labels = [_QUOTE(label) for label in labels]
        # The %r template covers every value; the fixed layout below covers ASCII names and 1e-4 <= x < 1.
        # A % in a frame name is doubled in the template (written once).
        scores = ", ".join(f"{key.replace('%', '%%')}: %r" for key in keys)
        self.template = ', "frame": %s, "confidence": %r, "scores": {' + scores + "}}"
        self.vectorised = all(piece.isascii() for piece in (*keys, *self.labels))
        # Every row is first written in one fixed layout: labels padded to the longest, values
        # with all six digits; padding and trailing zeros are then the byte _GAP, removed at once.
        label_width = max(len(label) for label in self.labels)
        layout = ', "frame": ' + "\0" * label_width + ', "confidence": 0.' + "\0" * _DIGITS
        self.value_columns = [len(layout) - _DIGITS]
        for i, key in enumerate(keys):
            layout += (', "scores": {' if i == 0 else ", ") + key + ": 0."
            self.value_columns.append(len(layout))
            layout += "\0" * _DIGITS
        layout += "}}\n"
        self.layout = np.frombuffer(layout.encode("ascii", errors="replace"), dtype=np.uint8)
        self.value_positions = (np.asarray(self.value_columns)[:, None] + np.arange(_DIGITS)).ravel()
        self.label_column = len(', "frame": ')
        self.label_bytes = np.full((len(self.labels), label_width), _GAP, dtype=np.uint8)
        for i, label in enumerate(self.labels):
            encoded = label.encode("ascii", errors="replace")
            self.label_bytes[i, : len(encoded)] = np.frombuffer(encoded, dtype=np.uint8)

    def render(self, label_index: np.ndarray, rounded: np.ndarray) -> list[str]:
        """One suffix per row; ``rounded`` holds each row's confidence then its frame probabilities."""
        if not len(rounded):
            return []
        digits = np.rint(rounded * 10**_DIGITS).astype(np.int64)
        special = ((digits < 100) | (digits >= 10**_DIGITS)).any(axis=1)
        if not self.vectorised:
            special[:] = True
        if not special.any():
            return self._fill(label_index, digits)
        out: list[str] = [""] * len(rounded)
        plain = np.flatnonzero(~special)
        if plain.size:
            for row, suffix in zip(plain.tolist(), self._fill(label_index[plain], digits[plain]), strict=True):
                out[row] = suffix
        for row in np.flatnonzero(special).tolist():
            out[row] = self.template % (self.labels[label_index[row]], *rounded[row].tolist())
        return out

    def _fill(self, label_index: np.ndarray, digits: np.ndarray) -> list[str]:
        """The suffixes of rows whose values all lie in [1e-4, 1)."""
        rows = np.empty((len(digits), self.layout.size), dtype=np.uint8)
        rows[:] = self.layout
        label = self.label_bytes[label_index]
        rows[:, self.label_column : self.label_column + label.shape[1]] = label
        # Place t of a value (t = 0 for tenths) is kept while a nonzero digit follows: 0.5, not 0.500000.
        chars = np.empty((*digits.shape, _DIGITS), dtype=np.uint8)
        for place in range(_DIGITS):
            below = 10 ** (_DIGITS - 1 - place)
            kept = digits % (below * 10) != 0
            chars[:, :, place] = np.where(kept, digits // below % 10 + ord("0"), _GAP)
        rows[:, self.value_positions] = chars.reshape(len(digits), self.value_positions.size)
        # Rows end with a newline, which the JSON text itself never holds raw: one split cuts them apart.
        return rows[rows != _GAP].tobytes().decode("ascii").split("\n")[:-1]


def sentence_prefixes(numbers: np.ndarray) -> list[str]:
    """``{"index": i, "start": s, "end": e, "text": `` for each row (i, s, e) of non-negative integers."""
    if not len(numbers):
        return []
    width = len(str(int(numbers.max())))
    gap = "\0" * width
    layout = f'{{"index": {gap}, "start": {gap}, "end": {gap}, "text": \n'
    first = [layout.index(gap), layout.index(gap, layout.index(gap) + width), layout.rindex(gap)]
    positions = (np.asarray(first)[:, None] + np.arange(width)).ravel()
    rows = np.empty((len(numbers), len(layout)), dtype=np.uint8)
    rows[:] = np.frombuffer(layout.encode("ascii"), dtype=np.uint8)
    chars = np.empty((*numbers.shape, width), dtype=np.uint8)
    for place in range(width):
        below = 10 ** (width - 1 - place)
        # Leading zeros go (the last digit stays, so 0 is written 0).
        kept = (numbers >= below) | (place == width - 1)
        chars[:, :, place] = np.where(kept, numbers // below % 10 + ord("0"), _GAP)
    rows[:, positions] = chars.reshape(len(numbers), positions.size)
    return rows[rows != _GAP].tobytes().decode("ascii").split("\n")[:-1]
