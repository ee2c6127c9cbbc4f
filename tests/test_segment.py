"""Tests of framing.segment: exact sentences and offsets, plus invariants on generated text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.defaults import MAX_SENTENCE_CHARS
from framing.segment import Sentence, iter_sentences, split_sentences

SEED_ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "000_f1f53ae782e7b667.txt"
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def located(text: str, *sentences: str) -> list[Sentence]:
    """The expected result: each sentence found in ``text`` after the previous one."""
    expected = []
    position = 0
    for sentence in sentences:
        start = text.index(sentence, position)
        position = start + len(sentence)
        expected.append(Sentence(start, position, sentence))
    return expected


def assert_splits(text: str, *sentences: str, max_chars: int = MAX_SENTENCE_CHARS) -> None:
    assert split_sentences(text, max_chars=max_chars) == located(text, *sentences)


def check_invariants(text: str, sentences: list[Sentence], max_chars: int) -> None:
    covered = bytearray(len(text))
    previous_end = 0
    for s in sentences:
        assert 0 <= previous_end <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
        assert len(s.text) <= max_chars
        assert not any(c in LINE_BREAKS for c in s.text)
        covered[s.start : s.end] = b"\x01" * (s.end - s.start)
        previous_end = s.end
    for i, c in enumerate(text):
        assert covered[i] or c.isspace(), f"character {c!r} at {i} not covered"


# -- exact offsets ------------------------------------------------------------------------------


def test_offsets_are_exact() -> None:
    text = "  Hello world.  It rained!\tDid it? Yes.  "
    assert split_sentences(text) == [
        Sentence(2, 14, "Hello world."),
        Sentence(16, 26, "It rained!"),
        Sentence(27, 34, "Did it?"),
        Sentence(35, 39, "Yes."),
    ]


def test_empty_and_blank_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \t\r\n\u00a0\u2028\u3000\n\n") == []


def test_text_without_terminator_is_one_sentence() -> None:
    assert split_sentences("no punctuation at all") == [Sentence(0, 21, "no punctuation at all")]


def test_iter_sentences_is_lazy_and_matches_split() -> None:
    text = "One. Two. Three."
    iterator = iter_sentences(text)
    assert next(iterator) == Sentence(0, 4, "One.")
    assert [Sentence(0, 4, "One."), *iterator] == split_sentences(text)


@pytest.mark.parametrize("max_chars", [0, -5])
def test_max_chars_must_be_positive(max_chars: int) -> None:
    with pytest.raises(ValueError, match="max_chars"):
        split_sentences("text", max_chars=max_chars)


# -- line breaks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x85", "\n\n", "\r\n\r\n"])
def test_line_breaks_are_hard_boundaries(newline: str) -> None:
    text = newline.join(
        [
            "Iranian proxies in Iraq blame US for ISIS attacks",
            "By SETH J. FRANTZMAN",
            "A BURNED vehicle is seen in Mosul in 2014.",
            "(photo credit: REUTERS)",
            "Militias blamed the US. The groups want it gone",
        ]
    )
    assert_splits(
        text,
        "Iranian proxies in Iraq blame US for ISIS attacks",
        "By SETH J. FRANTZMAN",
        "A BURNED vehicle is seen in Mosul in 2014.",
        "(photo credit: REUTERS)",
        "Militias blamed the US.",
        "The groups want it gone",
    )


def test_line_break_splits_even_mid_sentence_and_after_abbreviation() -> None:
    assert_splits(
        "Talks with Mr.\nSmith resumed\r\non the U.S.\rside", "Talks with Mr.", "Smith resumed", "on the U.S.", "side"
    )


def test_unicode_whitespace_is_trimmed() -> None:
    text = "\u3000\u00a0First one.\u2003\u00a0Second one.\u202f\u3000"
    assert split_sentences(text) == [Sentence(2, 12, "First one."), Sentence(14, 25, "Second one.")]


def test_trailing_spaces_before_line_break_are_trimmed() -> None:
    assert split_sentences("Headline \t\nBody. ") == [Sentence(0, 8, "Headline"), Sentence(11, 16, "Body.")]


# -- terminators ----------------------------------------------------------------------------------


def test_exclamation_and_question_marks() -> None:
    assert_splits(
        "Stop! Who goes there? Nobody?! Fine‽ Done.", "Stop!", "Who goes there?", "Nobody?!", "Fine‽", "Done."
    )


def test_lowercase_continuation_does_not_split() -> None:
    assert_splits('"Why?" he asked. "Go!" she said.', '"Why?" he asked.', '"Go!" she said.')


def test_ellipsis() -> None:
    assert_splits("He paused... and then went on.", "He paused... and then went on.")
    assert_splits("He paused… and then went on.", "He paused… and then went on.")
    assert_splits("He paused... Then he left.", "He paused...", "Then he left.")
    assert_splits("Wait… What happened?", "Wait…", "What happened?")
    assert_splits("The count went 1... 2... 3. Done.", "The count went 1... 2... 3.", "Done.")
    assert_splits("He trailed off . . . and stopped. Next.", "He trailed off . . . and stopped.", "Next.")
    assert_splits("He trailed off . . . Then stopped.", "He trailed off . . .", "Then stopped.")


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ('He said "we will leave." Then he left.', 'He said "we will leave."', "Then he left."),
        ("He said “we will leave.” Then he left.", "He said “we will leave.”", "Then he left."),
        ("He said ‘we will leave.’ Then he left.", "He said ‘we will leave.’", "Then he left."),
        ("He said 'we will leave.' Then he left.", "He said 'we will leave.'", "Then he left."),
        ("Il a dit «nous partons.» Then he left.", "Il a dit «nous partons.»", "Then he left."),
        ("(It rained all day.) Then it stopped.", "(It rained all day.)", "Then it stopped."),
        ("[It rained all day.] Then it stopped.", "[It rained all day.]", "Then it stopped."),
        ("He asked “why?”) Then he left.", "He asked “why?”)", "Then he left."),
        ('She yelled "Stop!" Nobody did.', 'She yelled "Stop!"', "Nobody did."),
        ("It ended. “We lost,” he said.", "It ended.", "“We lost,” he said."),
    ],
)
def test_closing_quotes_and_brackets_stay_with_the_sentence(text: str, first: str, second: str) -> None:
    assert_splits(text, first, second)


# -- abbreviations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Mr. Smith met Mrs. Jones and Ms. Lee at the U.N. headquarters.",
        "Dr. Jane Doe of St. Mary's Hospital was there.",
        "Gen. Mark Milley, Lt. Col. Vindman, Sgt. York, Capt. Kirk, Maj. Tom and Adm. Byrd spoke.",
        "Sen. Warren, Rep. Ocasio-Cortez and Gov. Newsom met Prof. Dworkin.",
        "Martin Luther King Jr. Day and Sr. Mary both fall on a Monday.",
        "Apple Inc. shares rose, Ford Motor Co. fell and Acme Corp. and Tesco Ltd. held.",
        "It was Smith vs. Jones, etc. and nobody cared.",
        "Some fruits, e.g. apples, are red, i.e. not green.",
        "The meeting ran from 9 a.m. to 5 p.m. on Tuesday.",
        "It happened on Jan. 5, Feb. 6, Aug. 7, Sept. 11, Oct. 12, Nov. 13 and Dec. 14 last year.",
        "He was ranked No. 5 in Vol. 3, as Fig. 2 and Sec. 4 show, at approx. 40 percent.",
        "Sec. Mike Pompeo and Art. 5 of the treaty came up.",
        "The U.S. Army and U.K. forces joined U.S. troops.",
        "Officials in the U.S. said nothing.",
        "Cities like St. Louis grew.",
    ],
)
def test_no_split_after_abbreviation(sentence: str) -> None:
    text = f"It began. {sentence} It ended."
    assert_splits(text, "It began.", sentence, "It ended.")


@pytest.mark.parametrize(
    "sentence",
    [
        "George W. Bush spoke.",
        "J. R. R. Tolkien wrote it.",
        "The case was Roe v. Wade in the end.",
        "J.R.R. Tolkien wrote it.",
        "Plan B. Smith was the fallback.",
    ],
)
def test_no_split_after_initial(sentence: str) -> None:
    text = f"It began. {sentence} It ended."
    assert_splits(text, "It began.", sentence, "It ended.")


def test_single_letter_before_clear_starter_splits() -> None:
    assert_splits("They chose Plan B. The rest failed.", "They chose Plan B.", "The rest failed.")


@pytest.mark.parametrize(
    "sentence",
    [
        "The rate rose 3.5 percent to $1.2 billion, or 1,000.50 each.",
        "Visit example.com or write to j.doe@example.com today.",
        "Install v1.2.3 from report.final.pdf now.",
        "See https://www.example.com/a.b?x=1.5 for details.",
        "Growth was 2.5%.5 points, or .5 of it.",
    ],
)
def test_no_split_inside_numbers_urls_and_file_names(sentence: str) -> None:
    text = f"It began. {sentence} It ended."
    assert_splits(text, "It began.", sentence, "It ended.")


def test_url_or_number_at_sentence_end_splits() -> None:
    assert_splits("Read it at example.com. Then comment.", "Read it at example.com.", "Then comment.")
    assert_splits("Profits hit $1.2 billion. Shares rose.", "Profits hit $1.2 billion.", "Shares rose.")
    assert_splits("It fell in 2014. 15 people died.", "It fell in 2014.", "15 people died.")


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("They stay in the U.S. The weather is fine.", ["They stay in the U.S.", "The weather is fine."]),
        ("They stay in the U.S. He said so.", ["They stay in the U.S.", "He said so."]),
        ("They stay in the U.S. It is home.", ["They stay in the U.S.", "It is home."]),
        ("They stay in the U.S. A man said so.", ["They stay in the U.S.", "A man said so."]),
        ('They stay in the U.S. "We like it," he said.', ["They stay in the U.S.", '"We like it," he said.']),
        ("They stay in the U.S. “We like it,” he said.", ["They stay in the U.S.", "“We like it,” he said."]),
        ("It ended at 10 a.m. The crowd left.", ["It ended at 10 a.m.", "The crowd left."]),
        ("It was founded by Ford Jr. He sold it.", ["It was founded by Ford Jr.", "He sold it."]),
        ("He owns Acme Inc. But not for long.", ["He owns Acme Inc.", "But not for long."]),
        ("We sold apples, pears, etc. The rest spoiled.", ["We sold apples, pears, etc.", "The rest spoiled."]),
        ("We sold apples, pears, etc. Bananas spoiled.", ["We sold apples, pears, etc.", "Bananas spoiled."]),
        ("The answer was No. The vote failed.", ["The answer was No.", "The vote failed."]),
        ("They live on Main St. The house is red.", ["They live on Main St.", "The house is red."]),
        ('He said "I am not a Mr." Nobody laughed.', ['He said "I am not a Mr."', "Nobody laughed."]),
    ],
)
def test_ambiguous_abbreviation_splits_before_clear_sentence_start(text: str, sentences: list[str]) -> None:
    assert_splits(text, *sentences)


@pytest.mark.parametrize(
    "sentence",
    [
        "The U.S. Army arrived.",
        "U.S. forces returned.",
        "The U.S. A-10 jets flew.",
        "Apple Inc. Chief Executive Tim Cook spoke.",
        "Troops left the U.S. Tuesday.",
    ],
)
def test_ambiguous_abbreviation_keeps_continuation(sentence: str) -> None:
    assert_splits(f"It began. {sentence}", "It began.", sentence)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("He arrived at 3 p.m. Police said he was armed.", ["He arrived at 3 p.m.", "Police said he was armed."]),
        (
            "It opens at 9 a.m. Tuesday and closes at 5 p.m. ET daily.",
            ["It opens at 9 a.m. Tuesday and closes at 5 p.m. ET daily."],
        ),
        ("It opens at 9 a.m. 5 days a week.", ["It opens at 9 a.m. 5 days a week."]),
    ],
)
def test_time_abbreviations(text: str, sentences: list[str]) -> None:
    assert_splits(text, *sentences)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("U.S. To Withdraw Troops From Iraq", ["U.S. To Withdraw Troops From Iraq"]),
        ("Iran, U.S. In Talks Over Prisoners", ["Iran, U.S. In Talks Over Prisoners"]),
        ("They moved to the U.S. In 2019, they left.", ["They moved to the U.S.", "In 2019, they left."]),
        ("They moved to the U.S. But they left.", ["They moved to the U.S.", "But they left."]),
        ("They moved to the U.S. THE END", ["They moved to the U.S.", "THE END"]),
    ],
)
def test_title_case_headlines_keep_abbreviations(text: str, sentences: list[str]) -> None:
    assert_splits(text, *sentences)


def test_numbered_list_item_is_not_split_after_its_number() -> None:
    assert_splits("1. The economy is weak.\n2. Jobs are scarce.", "1. The economy is weak.", "2. Jobs are scarce.")


# -- long sentences -------------------------------------------------------------------------------


def test_long_sentence_is_cut_at_whitespace() -> None:
    text = "alpha beta gamma delta epsilon"
    assert split_sentences(text, max_chars=12) == [
        Sentence(0, 10, "alpha beta"),
        Sentence(11, 22, "gamma delta"),
        Sentence(23, 30, "epsilon"),
    ]


def test_long_word_is_cut_exactly_at_max_chars() -> None:
    text = "abcdefghij klmnopqrstuvwxyz"
    assert split_sentences(text, max_chars=4) == [
        Sentence(0, 4, "abcd"),
        Sentence(4, 8, "efgh"),
        Sentence(8, 10, "ij"),
        Sentence(11, 15, "klmn"),
        Sentence(15, 19, "opqr"),
        Sentence(19, 23, "stuv"),
        Sentence(23, 27, "wxyz"),
    ]


def test_piece_may_end_exactly_at_max_chars() -> None:
    assert split_sentences("abcd efgh", max_chars=4) == [Sentence(0, 4, "abcd"), Sentence(5, 9, "efgh")]


def test_max_chars_one() -> None:
    assert split_sentences(" ab c.\nd", max_chars=1) == [
        Sentence(1, 2, "a"),
        Sentence(2, 3, "b"),
        Sentence(4, 5, "c"),
        Sentence(5, 6, "."),
        Sentence(7, 8, "d"),
    ]


def test_hundred_thousand_characters_without_punctuation() -> None:
    words = [f"word{i % 97}" for i in range(20_000)]
    text = " ".join(words)
    assert len(text) > 100_000
    sentences = split_sentences(text)
    check_invariants(text, sentences, MAX_SENTENCE_CHARS)
    # Cut at whitespace, and every piece but the last filled to nearly max_chars.
    assert all(not text[s.end].strip() for s in sentences[:-1])
    assert all(len(s.text) > MAX_SENTENCE_CHARS - 10 for s in sentences[:-1])
    assert " ".join(s.text for s in sentences) == text


def test_huge_line_without_whitespace_is_cut_in_fixed_pieces() -> None:
    text = "x" * 1_000_003
    sentences = split_sentences(text, max_chars=1000)
    assert len(sentences) == 1001
    assert sentences[0] == Sentence(0, 1000, "x" * 1000)
    assert sentences[-1] == Sentence(1_000_000, 1_000_003, "xxx")


def test_huge_whitespace_runs() -> None:
    text = "a" + " " * 500_000 + "b.\n" + "\u3000" * 500_000 + "c" + "." * 100_000
    sentences = split_sentences(text, max_chars=50)
    assert [s.text for s in sentences][:3] == ["a", "b.", "c" + "." * 49]
    check_invariants(text, sentences, 50)


def test_pathological_punctuation_runs() -> None:
    text = ". " * 50_000 + "!?" * 50_000 + ")" * 50_000 + " " + '."' * 50_000
    check_invariants(text, split_sentences(text, max_chars=300), 300)


# -- the seed article -----------------------------------------------------------------------------


def test_seed_article() -> None:
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    sentences = split_sentences(text)
    check_invariants(text, sentences, MAX_SENTENCE_CHARS)
    texts = [s.text for s in sentences]
    assert texts[:6] == [
        "Iranian proxies in Iraq blame US for ISIS attacks",
        "One of the comments came from an Iraqi member of the parliament’s Defense and Security committee.",
        "A BURNED vehicle is seen during clashes between Iraqi security forces and ISIS in Mosul in 2014.",
        "(photo credit: REUTERS)",
        "A BURNED vehicle is seen during clashes between Iraqi security forces and ISIS in Mosul in 2014.",
        "(photo credit: REUTERS)",
    ]
    assert (
        "He claimed that recent ISIS mass attacks on the Popular Mobilization Units (PMU) in Salah-a-Din "
        "governorate were “proof of cooperation between ISIS and those calling for the PMU to withdraw.”"
    ) in texts
    assert "The Iranian regime propaganda often blames the US for “aiding ISIS.”" in texts
    assert len(sentences) == 65
    # Every sentence but the headline and the photo credits ends with a terminator or closer.
    assert all(t[-1] in ".!?”" for t in texts if t not in (texts[0], "(photo credit: REUTERS)"))


# -- properties -----------------------------------------------------------------------------------

WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u1680\u2000\u2003\u2028\u2029\u202f\u3000"
PUNCTUATION = ".!?…‽\"'“”‘’«»‹›()[]{},;:-—$%@/#"
ARBITRARY = st.text(
    alphabet=st.one_of(
        st.sampled_from(WHITESPACE + PUNCTUATION + "aZ9éÅ\u200b"),
        st.characters(codec="utf-8"),
    ),
    max_size=80,
)

TOKENS = [
    "The",
    "he",
    "said",
    "U.S.",
    "Mr.",
    "Dr.",
    "Inc.",
    "Jr.",
    "a.m.",
    "e.g.",
    "etc.",
    "No.",
    "J.",
    "W.",
    "3.5",
    "$1.2",
    "1,000.50",
    "5",
    "example.com",
    "v1.2.3",
    "forces",
    "Army",
    "It",
    "Bush",
    '"We',
    "“Go",
    "(photo",
    "credit:",
    "REUTERS)",
    "Iraq",
    "ISIS",
    "...",
    "…",
    "and",
]
SEPARATORS = [" ", " ", " ", ". ", "! ", "? ", '." ', ".” ", ".) ", "... ", ", ", "\n", "\r\n", "\r", "\n\n", "  "]
NEWS_LIKE = st.lists(
    st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPARATORS)),
    max_size=60,
).map(lambda pairs: "".join(token + separator for token, separator in pairs))


@settings(max_examples=400, deadline=None)
@given(text=ARBITRARY, max_chars=st.integers(min_value=1, max_value=40))
def test_invariants_on_arbitrary_text(text: str, max_chars: int) -> None:
    check_invariants(text, split_sentences(text, max_chars=max_chars), max_chars)


@settings(max_examples=300, deadline=None)
@given(text=NEWS_LIKE, max_chars=st.sampled_from([8, 30, MAX_SENTENCE_CHARS]))
def test_invariants_on_news_like_text(text: str, max_chars: int) -> None:
    check_invariants(text, split_sentences(text, max_chars=max_chars), max_chars)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(NEWS_LIKE, ARBITRARY), max_chars=st.integers(min_value=1, max_value=25))
def test_max_chars_only_refines_sentences(text: str, max_chars: int) -> None:
    whole = split_sentences(text, max_chars=10**9)
    for piece in split_sentences(text, max_chars=max_chars):
        assert any(s.start <= piece.start and piece.end <= s.end for s in whole)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(NEWS_LIKE, ARBITRARY))
def test_each_line_segments_on_its_own(text: str) -> None:
    expected = []
    offset = 0
    for line in re.split(f"([{LINE_BREAKS}])", text):
        expected += [Sentence(s.start + offset, s.end + offset, s.text) for s in split_sentences(line)]
        offset += len(line)
    assert split_sentences(text) == expected
