"""Exact, fast TF-IDF features: the matrix scikit-learn's fitted vectorizers compute, counted with numpy.

scikit-learn's analyzers build every n-gram as a Python string and count it in a Python dict:
for the default model (word 1-2-grams and char_wb 2-5-grams) that is several hundred strings
per sentence, and most of the time of a classification. Here the work per *word* is done once
and memoised: a word's char_wb n-grams are looked up in the vocabulary the first time the
word is seen, and later occurrences reuse the column numbers. Word n-grams become integer
keys looked up with one vectorised search. Counting then sorts integer (row, column) keys.

The count matrix is the same as scikit-learn's (rows in document order, columns sorted within
each row), and the TF-IDF weighting, normalisation and stacking are scikit-learn's and
scipy's own calls, so the features, and the probabilities computed from them, are
bit-for-bit those of the scikit-learn pipeline. Configurations this module does not cover
(a custom token pattern, stop words, accent stripping...) fall back to scikit-learn.

When the compiled kernel (framing/_kernel.c, built at install when a C compiler is there) is
importable, it takes over the per-text work: it keeps the memo itself, splits and looks up
words without making Python objects, and writes each row in column order with the same
arithmetic; the Python code here still analyses each new word. Without it, the numpy code
below computes the same matrix, more slowly.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from .native import native_module

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix, spmatrix
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

__all__ = ["compile_features", "transform"]

_DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
# Memoised words: the working vocabulary of a news stream (a word costs about 200 bytes). When
# more have been seen the memo starts afresh, which bounds memory and follows the stream's
# vocabulary as it drifts; words are analysed exactly either way.
MAX_CACHED_WORDS = 100_000
# Longest word n-gram handled here; longer ones fall back to scikit-learn.
_MAX_WORD_N = 3
_INT32_MAX = np.iinfo(np.int32).max
# Counts below this take 1 + log(count) from a table.
_LOG_TABLE = 4096
# Joins a batch of texts for a single split(); a lone NUL word is vanishingly rare in text, and
# a batch that has one is split text by text instead.
_SEPARATOR_WORD = "\0"
_SEPARATOR = f" {_SEPARATOR_WORD} "


class _WordCache(dict[str, int]):
    """``word -> id``, ids in order of first sight; new words wait in ``new`` to be analysed together."""

    def __init__(self) -> None:
        super().__init__()
        self.new: list[str] = []

    def __missing__(self, word: str) -> int:
        value = self[word] = len(self)
        self.new.append(word)
        return value


class _Ragged:
    """A growing table of integer lists, one per word id, gathered for many ids at once.

    New lists wait in a Python list and join the numpy arrays in one step before the next
    gather; the arrays grow by doubling, so adding words costs amortised constant time.
    """

    def __init__(self) -> None:
        self._starts = np.zeros(1024, dtype=np.int64)
        self._lengths = np.zeros(1024, dtype=np.int64)
        self._values = np.zeros(16384, dtype=np.int32)
        self._rows = 0
        self._used = 0

    def extend(self, values: np.ndarray, lengths: np.ndarray) -> None:
        """Add one list per entry of ``lengths``, taken in turn from ``values``."""
        rows, used = self._rows + lengths.size, self._used + values.size
        self._starts = _fit(self._starts, rows)
        self._lengths = _fit(self._lengths, rows)
        self._values = _fit(self._values, used)
        self._starts[self._rows : rows] = self._used + np.cumsum(lengths) - lengths
        self._lengths[self._rows : rows] = lengths
        self._values[self._used : used] = values
        self._rows, self._used = rows, used

    def gather(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lists of ``ids`` end to end, and the length of each."""
        counts = self._lengths[ids]
        ends = np.cumsum(counts)
        # Output position k of id i reads values[starts[i] + k - (first output position of i)].
        shift = np.repeat(self._starts[ids] - ends + counts, counts)
        shift += np.arange(shift.size, dtype=np.int64)
        return self._values[shift], counts


def _fit(array: np.ndarray, size: int) -> np.ndarray:
    """``array``, or a copy at least twice as long when it is shorter than ``size``."""
    if size <= array.size:
        return array
    grown = np.zeros(max(size, 2 * array.size), dtype=array.dtype)
    grown[: array.size] = array
    return grown


class _IntTable:
    """An exact ``int64 -> int64`` map for many look-ups at once: open addressing, linear probing."""

    _EMPTY = -1
    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        bits = max(4, int(4 * max(1, keys.size) - 1).bit_length())  # at most a quarter full
        self.shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self.slot_keys = np.full(1 << bits, self._EMPTY, dtype=np.int64)
        self.slot_values = np.zeros(1 << bits, dtype=np.int64)
        slots = self._slots(keys)
        pending = np.arange(keys.size)
        self._probes = 0
        while pending.size:
            # Each round places, per free slot, the first pending key that wants it; the rest move on.
            free = self.slot_keys[slots] == self._EMPTY
            candidates = pending[free]
            _, first = np.unique(slots[free], return_index=True)
            placed = candidates[first]
            self.slot_keys[slots[free][first]] = keys[placed]
            self.slot_values[slots[free][first]] = values[placed]
            keep = np.ones(pending.size, dtype=bool)
            keep[np.flatnonzero(free)[first]] = False
            pending, slots = pending[keep], (slots[keep] + 1) & self._mask
            self._probes += 1

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        hashed = (keys.astype(np.uint64) * self._MULTIPLIER) >> self.shift
        return hashed.astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, or -1 where a key is absent."""
        found = np.full(keys.size, -1, dtype=np.int64)
        slots = self._slots(keys)
        which = np.arange(keys.size)
        for _ in range(self._probes):
            stored = self.slot_keys[slots]
            hit = stored == keys
            found[which[hit]] = self.slot_values[slots[hit]]
            going = ~hit & (stored != self._EMPTY)
            if not going.any():
                break
            which, keys, slots = which[going], keys[going], (slots[going] + 1) & self._mask
        return found


class _WordBlock:
    """A fitted ``analyzer='word'`` vectorizer with the default token pattern.

    Tokens never span whitespace, so a text's tokens are those of its whitespace-separated
    words in order: each word's token ids are memoised, and n-grams are formed across words.
    """

    def __init__(self, vocabulary: dict[str, int], ngram_range: tuple[int, int]) -> None:
        self.n_cols = len(vocabulary)
        self.min_n, self.max_n = ngram_range
        self._findall = re.compile(_DEFAULT_TOKEN_PATTERN).findall
        # Every token that occurs in a term gets an id; `unknown` stands for all other tokens.
        # One split per term, then array arithmetic: this runs at every model load.
        parts = [term.split(" ") for term in vocabulary]
        flat = list(chain.from_iterable(parts))
        self._tokens: dict[str, int] = {token: i for i, token in enumerate(dict.fromkeys(flat))}
        self.unknown = len(self._tokens)
        self.base = len(self._tokens) + 1
        # Keys of n tokens are n base-`base` digits (the first token most significant): they must fit.
        self.fits = self.base**self.max_n < 2**62
        ids = np.fromiter(map(self._tokens.__getitem__, flat), dtype=np.int64, count=len(flat))
        lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        starts = np.cumsum(lengths) - lengths
        columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=self.n_cols)
        self.unigram = np.full(self.base, -1, dtype=np.int64)
        single = lengths == 1
        self.unigram[ids[starts[single]]] = columns[single]
        self.tables: dict[int, _IntTable] = {}
        for n in np.unique(lengths[~single]).tolist() if self.fits else []:
            of_length = lengths == n
            keys = np.zeros(int(of_length.sum()), dtype=np.int64)
            for i in range(n):
                keys = keys * self.base + ids[starts[of_length] + i]
            self.tables[n] = _IntTable(keys, columns[of_length])

    def of_words(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of lowercased whitespace-free words, end to end, and how many each word has."""
        get, unknown, findall = self._tokens.get, self.unknown, self._findall
        tokens = [[get(token, unknown) for token in findall(word)] for word in words]
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        return np.fromiter(chain.from_iterable(tokens), dtype=np.int32, count=int(lengths.sum())), lengths

    def keys(self, ids: np.ndarray, lengths: np.ndarray, row_of_word: np.ndarray, row_base: np.ndarray) -> np.ndarray:
        """``row_base[text] + column`` of every n-gram of the token ids ``ids``.

        ``lengths`` tells how many of the tokens belong to each word, ``row_of_word`` the text of each word.
        """
        rows = np.repeat(row_of_word, lengths)
        ids = ids.astype(np.int64)
        found = []
        if self.min_n == 1:
            columns = self.unigram[ids]
            hit = columns >= 0
            found.append(row_base[rows[hit]] + columns[hit])
        keys = ids
        usable = ids != self.unknown
        for n in range(2, self.max_n + 1):
            # keys[i] covers tokens i .. i+n-1: it counts only within one text and without unknown tokens.
            keys = keys[:-1] * self.base + ids[n - 1 :]
            usable = usable[:-1] & (ids[n - 1 :] != self.unknown) & (rows[: rows.size - n + 1] == rows[n - 1 :])
            if n < self.min_n or n not in self.tables:
                continue
            candidates = np.flatnonzero(usable)
            columns = self.tables[n].get(keys[candidates])
            hit = columns >= 0
            found.append(row_base[rows[candidates[hit]]] + columns[hit])
        return _concat(found)


class _CharWbBlock:
    """A fitted ``analyzer='char_wb'`` vectorizer: each word's n-gram columns are memoised."""

    def __init__(self, vocabulary: dict[str, int], ngram_range: tuple[int, int]) -> None:
        self.n_cols = len(vocabulary)
        self.min_n, self.max_n = ngram_range
        self._vocabulary = vocabulary
        # Characters of the vocabulary get codes 1..k; an n-gram is then the integer whose
        # base-(k+1) digits are its codes, looked up in a hash table (when that integer fits).
        chars = sorted({c for term in vocabulary for c in term})
        self._chars = np.asarray([ord(c) for c in chars], dtype=np.int64)
        self._base = len(chars) + 1
        self._table: _IntTable | None = None
        if self._base ** (self.max_n + 1) < 2**62:
            codes = dict(zip(chars, range(1, self._base), strict=True))
            keys = np.fromiter((self._key(term, codes) for term in vocabulary), dtype=np.int64, count=self.n_cols)
            self._table = _IntTable(keys, np.fromiter(vocabulary.values(), dtype=np.int64, count=self.n_cols))

    def _key(self, term: str, codes: dict[str, int]) -> int:
        key = 0
        for char in term:
            key = key * self._base + codes[char]
        return key

    def of_word(self, word: str) -> list[int]:
        """Columns of the n-grams of one lowercased word, as ``_char_wb_ngrams`` makes them."""
        padded = " " + word + " "
        length = len(padded)
        get = self._vocabulary.get
        found = []
        for n in range(self.min_n, self.max_n + 1):
            offset = 0
            column = get(padded[0:n])
            if column is not None:
                found.append(column)
            while offset + n < length:
                offset += 1
                column = get(padded[offset : offset + n])
                if column is not None:
                    found.append(column)
            if offset == 0:  # a word shorter than n counts once, as scikit-learn does
                break
        return found

    def of_words(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Columns of the n-grams of lowercased words, end to end, and how many each word has.

        The n-grams of a padded word " w " (length L) are its windows of every length from
        min_n to min(max_n, L); a word shorter than min_n counts once, whole, which
        :meth:`of_word` handles. All windows of all words are keyed and looked up at once.
        """
        short = [len(w) + 2 < self.min_n for w in words]
        if self._table is None or any(short):
            each = [self.of_word(word) for word in words]
            lengths = np.fromiter(map(len, each), dtype=np.int64, count=len(each))
            return np.fromiter(chain.from_iterable(each), dtype=np.int32, count=int(lengths.sum())), lengths
        padded = "".join(f" {word} " for word in words)
        # surrogatepass: a lone surrogate (possible in JSON input) is a code point like any other.
        points = np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        where = np.minimum(np.searchsorted(self._chars, points), self._chars.size - 1)
        codes = np.where(self._chars[where] == points, where + 1, 0)  # 0: not in any n-gram
        sizes = np.fromiter((len(word) + 2 for word in words), dtype=np.int64, count=len(words))
        owner = np.repeat(np.arange(len(words)), sizes)
        room = np.repeat(np.cumsum(sizes), sizes) - np.arange(codes.size)  # characters left in the word
        keys, unknown = codes.copy(), codes == 0
        hit_owner, hit_column = [], []
        for n in range(1, self.max_n + 1):
            if n > 1:
                keys = keys[:-1] * self._base + codes[n - 1 :]
                unknown = unknown[:-1] | (codes[n - 1 :] == 0)
            if n < self.min_n:
                continue
            inside = np.flatnonzero((room[: keys.size] >= n) & ~unknown)
            columns = self._table.get(keys[inside])
            found = columns >= 0
            hit_owner.append(owner[inside[found]])
            hit_column.append(columns[found])
        owners = _concat(hit_owner)
        order = np.argsort(owners, kind="stable")
        lengths = np.bincount(owners, minlength=len(words)).astype(np.int64)
        return _concat(hit_column)[order].astype(np.int32), lengths

    def keys(
        self, columns: np.ndarray, lengths: np.ndarray, row_of_word: np.ndarray, row_base: np.ndarray
    ) -> np.ndarray:
        """``row_base[text] + column`` of every n-gram; ``columns`` are those of the words, ``lengths`` per word."""
        keys = np.repeat(row_base[row_of_word], lengths)
        keys += columns
        return keys


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


# Vectorizer settings the counters above reproduce; anything else is left to scikit-learn.
_REQUIRED = {
    "input": "content",
    "encoding": "utf-8",
    "decode_error": "strict",
    "strip_accents": None,
    "lowercase": True,
    "preprocessor": None,
    "tokenizer": None,
    "stop_words": None,
    "binary": False,
    "norm": "l2",
    "use_idf": True,
    "sublinear_tf": True,
}


def _block_for(params: dict[str, Any], vocabulary: Any, idf: Any, dtype: Any) -> _WordBlock | _CharWbBlock | None:
    """The fast block for a vectorizer's settings (missing settings have scikit-learn's defaults)."""
    if any(params.get(k, v) != v for k, v in _REQUIRED.items()) or dtype != np.float64:
        return None
    if not isinstance(vocabulary, dict) or idf is None:
        return None
    ngram_range = params.get("ngram_range", (1, 1))
    if len(ngram_range) != 2:
        return None
    ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
    analyzer = params.get("analyzer", "word")
    if analyzer == "char_wb" and 1 <= ngram_range[0] <= ngram_range[1]:
        return _CharWbBlock(vocabulary, ngram_range)
    low, high = ngram_range
    if (
        analyzer == "word"
        and params.get("token_pattern", _DEFAULT_TOKEN_PATTERN) == _DEFAULT_TOKEN_PATTERN
        and 1 <= low <= high <= _MAX_WORD_N
    ):
        block = _WordBlock(vocabulary, ngram_range)
        return block if block.fits else None
    return None


class FastFeatures:
    """A fitted FeatureUnion of TF-IDF vectorizers whose analyzers are computed here.

    Texts are split on whitespace (as both analyzers effectively do); each distinct word is
    analysed once per block and remembered, so a text costs one dictionary look-up per word
    plus vectorised counting of all blocks at once, in the column layout of the union.
    """

    def __init__(self, blocks: list[tuple[_WordBlock | _CharWbBlock, np.ndarray]]) -> None:
        self._blocks = [block for block, _ in blocks]
        sizes = [block.n_cols for block in self._blocks]
        self._offsets = np.cumsum([0, *sizes])
        self.n_cols = int(self._offsets[-1])
        self._idf = np.concatenate([idf for _, idf in blocks])
        self._ones = np.ones(self.n_cols)
        # 1 + log(count): the array computation scikit-learn does, done once for small counts.
        self._log1 = np.log(np.arange(1, _LOG_TABLE, dtype=np.float64))
        self._log1 += 1.0
        self._log1 = np.concatenate([[np.nan], self._log1])
        self._lock = threading.Lock()
        self._kernel = self._build_kernel()
        self._forget()

    def _build_kernel(self) -> Any:
        module = native_module("_kernel")
        if module is None:
            return None
        specs: list[tuple[Any, ...]] = []
        for block, offset in zip(self._blocks, self._offsets.tolist(), strict=False):
            if isinstance(block, _CharWbBlock):
                specs.append(("char", offset, block.n_cols))
            else:
                tables = {n: (t.slot_keys, t.slot_values, int(t.shift)) for n, t in block.tables.items()}
                specs.append(
                    ("word", offset, block.n_cols, block.min_n, block.max_n, block.unknown, block.base, block.unigram,
                     tables)
                )  # fmt: skip
        return module.Kernel(self.n_cols, self._idf, self._log1, specs)

    @property
    def compiled(self) -> bool:
        """Whether the compiled kernel computes the rows."""
        return self._kernel is not None

    def _forget(self) -> None:
        """Start the word memo afresh."""
        self._tables = [_Ragged() for _ in self._blocks]
        self._ids = _WordCache()
        self._separator_id = self._ids[_SEPARATOR_WORD]
        self._learn()

    def _learn(self) -> None:
        """Analyse the words seen for the first time, all at once, into the tables."""
        lowered = [word.lower() for word in self._ids.new]
        self._ids.new = []
        for block, table in zip(self._blocks, self._tables, strict=True):
            table.extend(*block.of_words(lowered))

    def _word_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the whitespace-separated words of ``texts``, and the text of each."""
        # Lowercasing never turns whitespace into text or back (checked over all of Unicode),
        # so splitting first and lowercasing each new word gives scikit-learn's words.
        joined = _SEPARATOR.join(texts)
        if joined.count(_SEPARATOR_WORD) == len(texts) - 1:
            # One split for all texts; the separator words mark where each text ends.
            words = joined.split()
            ids = np.fromiter(map(self._ids.__getitem__, words), dtype=np.int64, count=len(words))
            separator = ids == self._separator_id
            row_of_word = np.cumsum(separator, dtype=np.int32)
            keep = ~separator
            return ids[keep], row_of_word[keep]
        split = [text.split() for text in texts]  # a text holds the separator character itself
        per_row = np.fromiter(map(len, split), dtype=np.int64, count=len(texts))
        flat = list(chain.from_iterable(split))
        ids = np.fromiter(map(self._ids.__getitem__, flat), dtype=np.int64, count=len(flat))
        return ids, np.repeat(np.arange(len(texts), dtype=np.int32), per_row)

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        # The word memo is shared state: one call at a time (Dask workers may run threads).
        with self._lock:
            return self._transform(texts)

    def _analyse(self, words: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each block's lists for words seen for the first time (the kernel remembers them)."""
        lowered = [word.lower() for word in words]
        return [block.of_words(lowered) for block in self._blocks]

    def _compiled(self, texts: Sequence[str]) -> csr_matrix | None:
        """The kernel's matrix, or ``None`` when a count is beyond the log table."""
        from scipy.sparse import csr_matrix

        parts = self._kernel_call(texts)
        if parts is None:
            return None
        indptr, indices, data = parts
        return csr_matrix(
            (np.frombuffer(data, dtype=np.float64), np.frombuffer(indices, dtype=np.int32),
             np.frombuffer(indptr, dtype=np.int32)),
            shape=(len(texts), self.n_cols),
        )  # fmt: skip

    def _kernel_call(self, texts: Sequence[str], weights: np.ndarray | None = None) -> Any:
        kernel = self._kernel
        result = kernel.transform(texts, self._analyse, weights)
        if len(kernel) > MAX_CACHED_WORDS:
            kernel.clear()
        return result

    def product(self, texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
        """``self.transform(texts) @ weights``, bit for bit; the compiled kernel never builds the matrix."""
        if self._kernel is not None and weights.dtype == np.float64 and weights.ndim == 2:
            with self._lock:
                products = self._kernel_call(texts, np.ascontiguousarray(weights))
            if products is not None:
                return np.frombuffer(products, dtype=np.float64).reshape(len(texts), weights.shape[1])
        return np.asarray(self.transform(texts) @ weights)

    def _transform(self, texts: Sequence[str]) -> csr_matrix:
        from scipy.sparse import csr_matrix

        if self._kernel is not None:
            compiled = self._compiled(texts)
            if compiled is not None:
                return compiled
        n_rows, n_cols, n_blocks = len(texts), self.n_cols, len(self._blocks)
        ids, row_of_word = self._word_ids(texts)
        if self._ids.new:
            self._learn()
        # Every (text, column) is one integer key: text * n_cols + column.
        key_type: Any = np.int32 if (n_rows + 1) * n_cols <= _INT32_MAX else np.int64
        stride: np.ndarray = np.arange(n_rows, dtype=key_type) * key_type(n_cols)
        parts = []
        for block, table, offset in zip(self._blocks, self._tables, self._offsets, strict=False):
            values, lengths = table.gather(ids)
            parts.append(block.keys(values, lengths, row_of_word, stride + key_type(offset)))
        if len(self._ids) > MAX_CACHED_WORDS:
            self._forget()
        keys = _concat(parts).astype(key_type, copy=False)
        keys.sort()
        # Equal keys are one n-gram counted several times in one text.
        first = np.empty(keys.size, dtype=bool)
        first[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        counts = np.diff(starts, append=keys.size)
        unique: np.ndarray = keys[starts]
        indices = (unique % key_type(n_cols)).astype(np.int32, copy=False)
        # Where each block of each row starts: rows are cut into (row, block) segments.
        cuts = (stride[:, None] + self._offsets[:-1].astype(key_type)).ravel()
        segments = np.append(np.searchsorted(unique, cuts), unique.size).astype(np.int32)
        # TfidfTransformer.transform: 1 + log(tf), times idf, then each block's part of each row
        # divided by its l2 norm. The sums of squares are csr_matvec's running sums over the
        # segments, in column order, exactly scikit-learn's loop.
        data = self._log1[counts] if counts.size and counts.max() < _LOG_TABLE else self._log(counts)
        data *= self._idf[indices]
        squares = csr_matrix((data * data, indices, segments), shape=(n_rows * n_blocks, n_cols))
        norms = np.sqrt(squares @ self._ones)
        data /= np.repeat(norms, np.diff(segments))
        return csr_matrix((data, indices, segments[::n_blocks]), shape=(n_rows, n_cols))

    @staticmethod
    def _log(counts: np.ndarray) -> np.ndarray:
        data = np.log(counts.astype(np.float64))
        data += 1.0
        return data


@dataclass(frozen=True)
class TfidfBlock:
    """A fitted TF-IDF block as a model file holds it: TfidfVectorizer settings, vocabulary, idf."""

    name: str
    params: dict[str, Any]
    vocabulary: dict[str, int]
    idf: np.ndarray

    def vectorizer(self) -> TfidfVectorizer:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(vocabulary=self.vocabulary, **self.params)
        vectorizer.idf_ = self.idf
        return vectorizer


class LazyFeatures:
    """A fitted FeatureUnion of TF-IDF blocks that imports scikit-learn only when it is used.

    Importing scikit-learn takes most of a second, and classifying never needs it: the fast
    path (:class:`FastFeatures`) is compiled from the blocks directly. Any other use (the
    union's attributes, ``transform`` of an unsupported block) builds the real FeatureUnion
    and delegates to it.
    """

    def __init__(self, blocks: list[TfidfBlock]) -> None:
        self.blocks = blocks
        self._union: FeatureUnion | None = None

    def union(self) -> FeatureUnion:
        if self._union is None:
            from sklearn.pipeline import FeatureUnion

            self._union = FeatureUnion([(block.name, block.vectorizer()) for block in self.blocks])
        return self._union

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("blocks", "_union"):
            raise AttributeError(name)  # copying and unpickling look for these before __init__ ran
        return getattr(self.union(), name)


def block_names(union: FeatureUnion | LazyFeatures) -> list[str]:
    """The names of a union's blocks, without building a lazy one."""
    if isinstance(union, LazyFeatures):
        return [block.name for block in union.blocks]
    return [name for name, _ in union.transformer_list]


def lazy_features(blocks: list[tuple[str, Any]]) -> Any:
    """The feature union of a loaded model: lazy when every block is TF-IDF, else a FeatureUnion."""
    if all(isinstance(block, TfidfBlock) for _, block in blocks):
        return LazyFeatures([block for _, block in blocks])
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([(name, b.vectorizer() if isinstance(b, TfidfBlock) else b) for name, b in blocks])


def compile_features(union: FeatureUnion | LazyFeatures) -> FastFeatures | None:
    """A fast equivalent of ``union.transform``, or ``None`` when a block is not covered."""
    blocks = []
    if isinstance(union, LazyFeatures):
        for tfidf in union.blocks:
            block = _block_for(tfidf.params, tfidf.vocabulary, tfidf.idf, tfidf.params.get("dtype", np.float64))
            if block is None:
                return None
            blocks.append((block, np.asarray(tfidf.idf, dtype=np.float64)))
        return FastFeatures(blocks) if blocks else None
    if getattr(union, "transformer_weights", None) or getattr(union, "n_jobs", None) not in (None, 1):
        return None
    for _name, vectorizer in union.transformer_list:
        if type(vectorizer).__name__ != "TfidfVectorizer":
            return None
        block = _block_for(
            vectorizer.get_params(), getattr(vectorizer, "vocabulary_", None), getattr(vectorizer, "idf_", None),
            vectorizer.dtype,
        )  # fmt: skip
        if block is None:
            return None
        blocks.append((block, np.asarray(vectorizer.idf_, dtype=np.float64)))
    return FastFeatures(blocks) if blocks else None


_TRANSPOSED: list[tuple[weakref.ref[np.ndarray], np.ndarray]] = []


def transposed(weights: np.ndarray) -> np.ndarray:
    """``weights.T`` as a C-contiguous array, kept for the last array asked (weights are read-only)."""
    if _TRANSPOSED and _TRANSPOSED[0][0]() is weights:
        return _TRANSPOSED[0][1]
    result = np.ascontiguousarray(weights.T)
    _TRANSPOSED[:] = [(weakref.ref(weights), result)]
    return result


_COMPILED: weakref.WeakKeyDictionary[Any, FastFeatures | None] = weakref.WeakKeyDictionary()


def _fast(union: FeatureUnion | LazyFeatures) -> FastFeatures | None:
    try:
        return _COMPILED[union]
    except KeyError:
        fast = _COMPILED[union] = compile_features(union)
        return fast


def transform(union: FeatureUnion | LazyFeatures, texts: Sequence[str]) -> spmatrix:
    """``union.transform(texts)``, computed by :class:`FastFeatures` whenever it covers ``union``."""
    fast = _fast(union)
    if fast is None:
        return union.transform(list(texts))
    return fast.transform(texts)


def product(union: FeatureUnion | LazyFeatures, texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
    """``union.transform(texts) @ weights`` as a dense array, bit for bit, by the fastest path covering ``union``."""
    fast = _fast(union)
    if fast is None:
        return np.asarray(union.transform(list(texts)) @ weights)
    return fast.product(texts, weights)
