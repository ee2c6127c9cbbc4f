"""Attribution split for the real-news lever: cut a reporting clause ("X said that ...") off its claim."""

from __future__ import annotations

import re

_SAY = (
    r"(?:said|says|say|told|tells|added|adds|noted|notes|wrote|writes|claimed|claims|argued|argues|accused|"
    r"accuses|alleged|alleges|stated|states|insisted|insists|warned|warns|explained|explains|declared|declares|"
    r"asserted|asserts|tweeted|blamed|blames|charged|charges|reported|reports|stressed|continued|believes|"
    r"believed|suggested|suggests)"
)
_PATTERNS = [
    # X said (to reporters) that CLAIM
    re.compile(r"^(?P<rep>.{0,80}?\b" + _SAY + r"\b(?: \w+){0,3}? that\b)(?P<claim>.+)$"),
    # X said: "CLAIM
    re.compile(r"^(?P<rep>.{0,80}?\b" + _SAY + r"[:,]?)\s*[“\"](?P<claim>.+)$"),
    # According to X, CLAIM
    re.compile(r"^(?P<rep>according to [^,]{1,80},)(?P<claim>.+)$", re.IGNORECASE),
    # "CLAIM," X said.
    re.compile(r"^(?P<claim>.+?)[,”\"]+\s*(?P<rep>[\w.\- ]{1,60}? " + _SAY + r"(?:[ ,].{0,80})?\.?)$"),
    # X accused / blamed Y of / for CLAIM (Y stays in the claim: who is blamed decides the frame)
    re.compile(r"^(?P<rep>.{0,80}?\b(?:accused|accuses|blamed|blames))\s+(?P<claim>.+)$"),
    # X said CLAIM (a short speaker, no "that")
    re.compile(r"^(?P<rep>(?:[\w.\-’']+ ){1,6}" + _SAY + r")\s+(?P<claim>[^“\"].+)$"),
]
#: A "claim" shorter than this is more likely a mis-split than a claim.
_MIN_CLAIM_WORDS = 3


def claim_of(sentence: str) -> str:
    """The claim of an attributed sentence without its reporting clause; other sentences unchanged."""
    for pattern in _PATTERNS:
        match = pattern.match(sentence)
        if match and len(match.group("claim").split()) >= _MIN_CLAIM_WORDS:
            return match.group("claim").strip()
    return sentence
