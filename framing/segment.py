"""Split scraped English news text into sentences with exact character offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .defaults import MAX_SENTENCE_CHARS

__all__ = ["Sentence", "iter_sentences", "split_sentences"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: ``text[start:end] == sentence.text``, never empty, never padded by whitespace."""

    start: int
    end: int
    text: str


# The characters str.splitlines() breaks on; every one of them is also whitespace (\s).
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_TERMINATORS = ".!?\u2026\u203d"  # . ! ? … ‽
# Closing quotes and brackets that belong to the sentence they follow.
_CLOSERS = "\"'\u201d\u2019\u00bb\u203a)]}"  # " ' ” ’ » › ) ] }
# Opening quotes that may precede the first word of the next sentence.
_QUOTES = "\"'\u201c\u2018\u00ab\u2039\u201e"  # " ' “ ‘ « ‹ „
# Stripped from the front of the word before a period, so that "(U.S." reads as "U.S".
_LEADING_PUNCT = _QUOTES + "([{\u2014\u2013-*_/"

# One scan finds every place a sentence may end: a line break, or a run of terminators plus
# closers followed by same-line whitespace. Requiring whitespace after the period is what
# keeps 3.5, $1.2, 1,000.50, example.com, j.doe@example.com and v1.2.3 whole. The pattern
# opens with a single character class so that the regex engine skips ahead to the next
# candidate character in C (a leading group or alternation would cost one match attempt per
# character, several times slower). The negative lookbehind makes a long run of terminators
# cost one attempt rather than one per character, and the possessive quantifiers never
# backtrack, so the scan is linear whatever the input.
_BR, _TERM, _CLOSE, _QUOTE = map(re.escape, (_LINE_BREAKS, _TERMINATORS, _CLOSERS, _QUOTES))
_SCAN = re.compile(
    rf"[{_BR}{_TERM}]"
    rf"(?:(?<=[{_BR}])"
    rf"|(?<![{_TERM}].)(?P<tail>[{_TERM}]*+)[{_CLOSE}]*+(?P<ws>[^\S{_BR}]++)"
    rf"(?=(?P<q>[{_QUOTE}]*+)(?P<word>\w*+)))"
)
# Groups by number: cheaper than by name in the per-candidate code.
_TAIL, _WS, _Q, _WORD = 1, 2, 3, 4
_NON_SPACE = re.compile(r"\S")
# The first character of the word after the next same-line whitespace.
_FOLLOWING_WORD = re.compile(rf"[^\S{_BR}]+[{_QUOTE}]*(\S)")
# Matched from a piece's second character: greedy, so it ends just after the last whitespace.
_LAST_SPACE = re.compile(r".*\s", re.DOTALL)
# Initialisms written with inner periods: U.S, U.N, e.g, a.m, J.R.R (the final period is the candidate).
_INITIALISM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")

# How an abbreviation before a period decides whether the sentence ends there.
_NEVER = 0  # titles and the like: always followed by more of the same sentence
_UNLESS_STARTER = 1  # may end a sentence: split only before a word that clearly starts one
_UNLESS_NUMBER = 2  # "No. 5", "Art. 3": split as an ordinary word unless a number follows
_UNLESS_TIME = 3  # "a.m.", "p.m.": split before a capital unless a day or time zone follows

_ABBREVIATIONS: dict[str, int] = {}


def _words(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


def _add(kind: int, words: str) -> None:
    for word in words.split():
        # A sentence may open with "Vs." or "E.g."; all-capital forms are left out because
        # they collide with acronyms that do end sentences ("the FT.", "has MS.", "the SEC.").
        for form in (word, word[:1].upper() + word[1:]):
            _ABBREVIATIONS.setdefault(form, kind)


_add(
    _NEVER,
    "Mr Mrs Ms Messrs Mmes Dr Drs Prof Profs Gen Gens Lt Col Sgt Capt Maj Adm Cmdr Cpl Pvt Pfc Spc "
    "Brig Sen Sens Rep Reps Gov Govs Rev Hon Pres Supt Insp Det Fr Mt Ft Msgr "
    "vs v approx e.g i.e cf viz ca",
)
_add(
    _UNLESS_STARTER,
    "Jr Sr Inc Co Corp Ltd Bros Plc Ph.D St Ave Blvd Rd Sec Secs Vol Vols Fig Figs Ch pp "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec al "
    "Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Md Mass Mich Minn Miss Mo "
    "Mont Neb Nev Okla Ore Pa Tenn Tex Va Vt Wash Wis Wyo",
)
_add(_UNLESS_NUMBER, "No Nos Art")
_add(_UNLESS_TIME, "a.m p.m A.M P.M")
# What may follow "a.m." or "p.m." in the same sentence: "at 9 a.m. Tuesday", "5 p.m. ET".
_TIME_WORDS = _words(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thurs Fri Sat Sun "
    "ET EST EDT CT CST CDT MT MST MDT PT PST PDT AKST HST GMT BST UTC CET CEST EET IST JST KST AEST AEDT "
    "Eastern Central Mountain Pacific Greenwich Moscow Beijing Tokyo"
)

# Words that clearly open a new sentence. After an ambiguous abbreviation ("U.S.", "Inc.",
# "Jr.") only these, or an opening quote before a capital, end the sentence: a capitalised
# word that is not here ("U.S. Army", "Inc. Chief") is read as a continuation.
_STARTERS = _words(
    """
    The He She It They We You His Her Its Their Our My Your This That These Those There Here
    Then Now But And Or So Yet Nor In On At By For From With Without To Into After Before During
    Since Until When While Where Why How What Who Whom Whose Which Whether If Although Though
    Because As However Meanwhile Moreover Furthermore Nevertheless Nonetheless Still Also
    Instead Indeed Thus Therefore Hence Otherwise Last Earlier Later Today Yesterday Tomorrow
    Tonight Some Many Most Much More Several Few All Both Each Every Either Neither Other Others
    Another One Two Three Four Five Six Seven Eight Nine Ten No Not None Such Even Only Just
    According Despite Among Under Over About Asked Let Please Yes
    """
)
# Starters that title-case headlines also capitalise mid-line ("U.S. To Withdraw Troops",
# "U.S. In Talks With Iran"): they start a sentence only before a word that is not capitalised
# ("the U.S. In 2019, ...", "the U.S. But it ...").
_WEAK_STARTERS = _words(
    "To In On At By For From With Without Into After Before During Since Until Over Under About Among "
    "Despite And But Or Nor As"
)
# Single-letter sentence openers; after an initialism they start a sentence only as a whole word.
_LETTER_STARTERS = frozenset({"A", "I"})

# Enough to hold any abbreviation or initialism handled above; a longer word is an ordinary word.
_WORD_WINDOW = 16
# The last three letters of every abbreviation: a period after three letters that end none of
# them follows an ordinary word, which settles the commonest case without finding the word.
_ENDINGS = frozenset(word[-3:] for word in _ABBREVIATIONS if len(word) >= 3)


def _ends_sentence(text: str, m: re.Match[str], sentence_start: int) -> bool:
    """Decide whether the terminator run matched by ``m`` ends the current sentence."""
    after = m.end(_Q)
    if after >= len(text):
        return False  # the end of the text closes the sentence anyway
    nxt = text[after]
    if nxt in _LINE_BREAKS or nxt.islower() or nxt in _TERMINATORS:
        # The line break that follows closes the sentence anyway; a lowercase continuation
        # ("etc. and", '"Why?" he asked', "... and then") or a spaced ellipsis (". . .")
        # never ends it.
        return False
    term_start = m.start()
    term_end = m.end(_TAIL)
    if term_end - term_start > 1 or text[term_start] != ".":
        term = text[term_start:term_end]
        if "." in term or "\u2026" in term:
            # An ellipsis ends a sentence only before a capitalised word.
            return "!" in term or "?" in term or nxt.isupper()
        return True
    if m.start(_WS) > term_end:
        return True  # closing quote or bracket after the period: 'we will leave." Then'
    last_three = text[term_start - 3 : term_start]
    if term_start >= 3 and last_three.isalpha() and last_three not in _ENDINGS:
        return True
    return _after_word(text, m, sentence_start, nxt)


def _after_word(text: str, m: re.Match[str], sentence_start: int, nxt: str) -> bool:
    """Decide a single period by the word before it: abbreviation, initial, number or word."""
    term_start = m.start()
    window = text[max(0, term_start - _WORD_WINDOW) : term_start]
    if not window or window[-1].isspace():
        return True  # a lone period ("word . Next")
    raw = window.split()[-1]
    if len(raw) == _WORD_WINDOW:
        return True  # too long to be an abbreviation
    word = raw.lstrip(_LEADING_PUNCT)
    kind = _ABBREVIATIONS.get(word)
    if kind is None:
        if _INITIALISM.fullmatch(word):
            kind = _UNLESS_STARTER
        elif len(word) == 1 and word.isalpha():
            # A single-letter initial (George W. Bush, J. R. R. Tolkien) is followed by a
            # name; only a clear starter word ("Plan B. The ...") ends the sentence.
            return _is_starter(text, m, allow_letters=False)
        elif word.isdigit() and len(word) <= 3:
            # A number opening a sentence ("1. The first point") numbers a list item.
            word_start = term_start - len(raw)
            opens = word_start - sentence_start <= _WORD_WINDOW and not text[sentence_start:word_start].strip()
            return not opens
        else:
            return True
    if kind == _NEVER:
        return False
    if kind == _UNLESS_NUMBER:
        return not nxt.isdigit()
    if kind == _UNLESS_TIME:
        start, end = m.span(_WORD)
        return nxt.isupper() and (end - start > 12 or text[start:end] not in _TIME_WORDS)
    if m.end(_Q) > m.start(_Q) and nxt.isupper():
        return True  # an opening quote before a capital: 'U.S. "We will ...'
    return _is_starter(text, m, allow_letters=True)


def _is_starter(text: str, m: re.Match[str], *, allow_letters: bool) -> bool:
    """Whether the word after the match clearly begins a sentence."""
    start, end = m.span(_WORD)
    if end - start > 12:
        return False  # longer than any starter word
    word = text[start:end]
    if word.isupper() and len(word) > 1:
        word = word.capitalize()
    if word in _STARTERS:
        if word in _WEAK_STARTERS:
            following = _FOLLOWING_WORD.match(text, end)
            return following is None or not following.group(1).isupper()
        return True
    if allow_letters and word in _LETTER_STARTERS:
        # "U.S. A man said" starts a sentence; "U.S. A-10 jets" does not.
        return end < len(text) and text[end].isspace()
    return False


def _long_pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[Sentence]:
    """Yield ``text[start:end]`` stripped and cut into pieces of at most ``max_chars`` characters.

    The span is never copied whole: its edges are found with bounded regex searches, so a huge
    span (a 50 MB line, a megabyte of spaces) costs linear time and O(max_chars) memory.
    """
    found = _NON_SPACE.search(text, start, end)
    while found is not None:
        start = found.start()
        if end - start <= max_chars:
            piece = text[start:end].rstrip()
            yield Sentence(start, start + len(piece), piece)
            return
        # Cut at the last whitespace that keeps the piece within max_chars (text[cut] may be
        # that whitespace); with none, cut exactly at max_chars.
        last = _LAST_SPACE.match(text, start + 1, start + max_chars + 1)
        cut = start + max_chars if last is None else last.end() - 1
        piece = text[start:cut].rstrip()
        yield Sentence(start, start + len(piece), piece)
        found = _NON_SPACE.search(text, cut, end)


def iter_sentences(text: str, *, max_chars: int = MAX_SENTENCE_CHARS) -> Iterator[Sentence]:
    """Yield the sentences of ``text`` in order, lazily.

    Rules, in order:

    * Every line break (``\\n``, ``\\r\\n``, a lone ``\\r`` and the other ``str.splitlines()``
      breaks) ends a sentence, so headlines, bylines and captions stand alone.
    * Within a line a sentence may end at a run of ``.``, ``!``, ``?``, ``‽`` or ``…``, plus any
      closing quotes and brackets (which stay with it), followed by whitespace; a period with
      no whitespace after it (3.5, example.com, v1.2.3) never ends one.
    * It does not end there when the next word starts lowercase ('"Why?" he asked',
      "etc. and"), nor after an ellipsis unless a capital follows.
    * After a single period the word before it decides. Titles and the like ("Mr.", "Gen.",
      "Sen.", "e.g.", "vs.", "approx.") never end a sentence; "No." and "Art." do unless a
      number follows; "a.m." and "p.m." do before a capital unless a day or time zone
      follows. A closing quote or bracket after the period always ends it.
    * Ambiguous abbreviations ("U.S.", "U.N.", "Inc.", "Jr.", "St.", "Jan.", "Vol.", "Calif.")
      and single-letter initials end a sentence only when the next word clearly starts one:
      a pronoun, article or similar ("The", "He", "It", "This", "A", "I"), or, except after an
      initial, an opening quote before a capital. So "the U.S. Army" and "George W. Bush" stay
      whole while "in the U.S. The ..." and 'in the U.S. "We ...' split. Prepositions and
      conjunctions ("In", "To", "But") count only when the word after them is not capitalised,
      because title-case headlines capitalise them ("U.S. To Withdraw Troops").
    * A number of up to three digits that opens a sentence ("1. The economy") is a list label.

    A sentence longer than ``max_chars`` is cut into pieces of at most ``max_chars``
    characters, at the last whitespace that fits, else exactly at ``max_chars``. Time is
    linear in ``len(text)`` and memory beyond the results is O(``max_chars``).

    Raises ValueError if ``max_chars`` is below 1.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    # Validated here rather than in the generator, so a bad argument fails at the call.
    return _iter(text, max_chars)


def _iter(text: str, max_chars: int) -> Iterator[Sentence]:
    start = 0
    for m in _SCAN.finditer(text):
        ws_start = m.start(_WS)
        if ws_start < 0:
            end = m.start()  # a line break
        elif _ends_sentence(text, m, start):
            end = ws_start
        else:
            continue
        if end - start > max_chars:
            yield from _long_pieces(text, start, end, max_chars)
        elif end > start:
            chunk = text[start:end]
            # Most spans start at a word and end at punctuation; only those next to line
            # breaks or blank lines pay for trimming.
            if chunk[0].isspace() or chunk[-1].isspace():
                stripped = chunk.strip()
                if stripped:
                    lead = start + len(chunk) - len(chunk.lstrip())
                    yield Sentence(lead, lead + len(stripped), stripped)
            else:
                yield Sentence(start, end, chunk)
        start = m.end()
    if len(text) > start:
        yield from _long_pieces(text, start, len(text), max_chars)


def split_sentences(text: str, *, max_chars: int = MAX_SENTENCE_CHARS) -> list[Sentence]:
    """Return the sentences of ``text`` as a list; see :func:`iter_sentences`."""
    return list(iter_sentences(text, max_chars=max_chars))
