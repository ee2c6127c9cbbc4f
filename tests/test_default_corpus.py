"""The default corpus and codebook: size, balance, metadata, and no template families or seed leaks."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from framing import defaults
from framing.codebook import load_codebook
from framing.corpus import Corpus, load_corpus
from framing.segment import split_sentences

FRAME_IDS = [
    "us_conspiracy",
    "iran_proxy_blame",
    "sovereignty",
    "coalition_protector",
    "proxy_war",
    "security_threat",
    "other",
    "factual_report",
]
SEED = defaults.PROJECT_ROOT / "seeds" / "000_f1f53ae782e7b667.txt"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus([defaults.DEFAULT_CORPUS_PATH])


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _ngrams(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_codebook_has_the_fixed_frames_with_definitions_and_colours() -> None:
    book = load_codebook(defaults.DEFAULT_CODEBOOK_PATH)
    assert book.ids == FRAME_IDS
    for frame in book.frames:
        assert frame.title and frame.definition and frame.include and frame.exclude and frame.examples
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", frame.colour)
    assert len({f.colour for f in book.frames}) == len(FRAME_IDS)
    assert list(book.precedence) == FRAME_IDS


def test_corpus_size_and_balance(corpus: Corpus) -> None:
    assert len(corpus) >= 2400
    assert corpus.notes == ()  # no duplicates were dropped
    counts = corpus.label_counts()
    assert set(counts) == set(FRAME_IDS)
    short = {frame: n for frame, n in counts.items() if n < 300}
    assert not short, f"frames with fewer than 300 sentences: {short}"


def test_every_sentence_has_document_and_register(corpus: Corpus) -> None:
    missing = [s.where for s in corpus.sentences if not s.doc_id or not s.source]
    assert not missing, f"sentences without doc_id or source: {missing[:10]}"
    assert len({s.source for s in corpus.sentences}) >= 10


def test_snippets_are_4_to_15_sentences_and_sentences_5_to_50_words(corpus: Corpus) -> None:
    sizes = Counter(s.doc_id for s in corpus.sentences)
    bad_docs = {doc: n for doc, n in sizes.items() if not 4 <= n <= 15}
    assert not bad_docs, f"snippets outside 4-15 sentences: {bad_docs}"
    bad = [(s.where, len(s.text.split())) for s in corpus.sentences if not 5 <= len(s.text.split()) <= 50]
    assert not bad, f"sentences outside 5-50 words: {bad[:10]}"


def test_no_two_sentences_share_an_8_word_sequence(corpus: Corpus) -> None:
    owner: dict[tuple[str, ...], str] = {}
    shared: list[str] = []
    for sentence in corpus.sentences:
        for gram in _ngrams(sentence.text):
            first = owner.setdefault(gram, sentence.where)
            if first != sentence.where:
                shared.append(f"{first} and {sentence.where}: {' '.join(gram)}")
    assert not shared, "template families:\n" + "\n".join(shared[:20])


def test_no_near_duplicates(corpus: Corpus) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer().fit_transform(corpus.texts)
    similarity = (matrix @ matrix.T).tocoo()
    pairs = [
        f"{corpus.sentences[a].where} ~ {corpus.sentences[b].where} (cosine {v:.2f})"
        for a, b, v in zip(similarity.row, similarity.col, similarity.data, strict=True)
        if a < b and v >= 0.8
    ]
    assert not pairs, "near-duplicates (TF-IDF cosine >= 0.8):\n" + "\n".join(pairs[:20])


def test_seed_article_is_never_trained_on(corpus: Corpus) -> None:
    seed_grams: set[tuple[str, ...]] = set()
    for sentence in split_sentences(SEED.read_text(encoding="utf-8")):
        seed_grams |= _ngrams(sentence.text)
    leaks = [s.where for s in corpus.sentences if _ngrams(s.text) & seed_grams]
    assert not leaks, f"corpus sentences sharing 8 words with the seed article: {leaks[:10]}"


def test_corpus_shares_no_8_words_with_the_real_articles(corpus: Corpus) -> None:
    # Authored sentences are written, never copied: not from the seed, nor from the PTC articles
    # that corpus/real labels and the benchmarks read.
    articles = sorted((defaults.DATA_PATH / "ptc").glob("*/articles/*.txt"))
    if not articles:
        pytest.skip(f"the PTC articles are not beside the project ({defaults.DATA_PATH / 'ptc'})")
    real: dict[tuple[str, ...], str] = {}
    for path in articles:
        for line in path.read_text(encoding="utf-8").splitlines():
            for gram in _ngrams(line):
                real.setdefault(gram, path.name)
    leaks = [f"{s.where} and {real[g]}: {' '.join(g)}" for s in corpus.sentences for g in _ngrams(s.text) if g in real]
    assert not leaks, "corpus sentences sharing 8 words with a real article:\n" + "\n".join(leaks[:10])


def test_frames_are_not_given_away_by_one_word(corpus: Corpus) -> None:
    # factual_report must also talk about the actors the narratives are about.
    by_frame: dict[str, str] = defaultdict(str)
    for s in corpus.sentences:
        by_frame[s.label] += " " + s.text.lower()
    for actor in ("isis", "militia", "kataib hezbollah", "soleimani", "sanctions", "troops"):
        assert by_frame["factual_report"].count(actor) >= 5, actor
