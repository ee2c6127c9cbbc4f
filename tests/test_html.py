"""HTML reports in Python: structure, escaping, offline-only, n-grams, evaluation sections and the CLI options."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import TINY_ARTICLE, WriteCorpus
from hypothesis import given
from hypothesis import strategies as st

from framing import defaults
from framing.classify import Document, classify_documents, classify_text
from framing.cli import MODEL_ENV, main
from framing.codebook import Codebook, Frame
from framing.corpus import load_corpus
from framing.documents import DocumentText
from framing.evaluate import EvaluationOptions, evaluate_model
from framing.explain import explain_sentences
from framing.html import (
    classify_html,
    esc,
    evaluation_html,
    frame_codes,
    frame_styles,
    keep_texts,
    sentence_tips,
    write_classify_html,
)
from framing.metrics import compute_report
from framing.model import FramingModel

HOSTILE = (
    'Rockets hit the base. <script>alert("x")</script> was posted by the militia. '
    "<img src=x onerror=alert(1)> and a link <a href='http://example.com/'>here</a>. "
    '"Quotes" & ampersands </style></p> close nothing.'
)


class Page(HTMLParser):
    """Collects what the tests look at: tags, sentence spans, ids, links, scripts and visible text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sentences: list[dict[str, str | None]] = []
        self.sentence_text: list[str] = []
        self.scripts = 0
        self.text: list[str] = []
        self._in_sentence = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self.scripts += 1
        if tag == "span" and "s" in (attributes.get("class") or "").split():
            self.sentences.append(attributes)
            self.sentence_text.append("")
            self._in_sentence = 1
        elif self._in_sentence:
            self._in_sentence += 1

    def handle_endtag(self, tag: str) -> None:
        if self._in_sentence:
            self._in_sentence -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_sentence:
            self.sentence_text[-1] += data

    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.tags if a.get("id")]

    def attribute_values(self, name: str) -> list[str]:
        return [v for _, a in self.tags for k, v in a.items() if k == name and v is not None]

    def frame_of(self, sentence: dict[str, str | None]) -> str:
        """The frame id of a sentence span, through the legend (class fN -> data-f)."""
        legend = {a["data-k"]: a["data-f"] for _, a in self.tags if a.get("data-k")}
        css_class = (sentence.get("class") or "").split()[1]
        return str(legend[css_class])


def classify(model: FramingModel, texts: dict[str, str], min_confidence: float = 0.0) -> list[Document]:
    return list(
        classify_documents(model, [DocumentText(i, t) for i, t in texts.items()], min_confidence=min_confidence)
    )


# -- escaping and safety -------------------------------------------------------------------------
@given(st.text())
def test_escaped_text_has_no_markup_and_no_invalid_characters(text: str) -> None:
    out = esc(text)
    assert not set(out) & set("<>\"'")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", out)
    out.encode("utf-8")  # lone surrogates would fail here


# What esc() keeps: not controls, lone surrogates or the noncharacters it shows as U+FFFD.
_KEPT = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters=[*map(chr, range(0xFDD0, 0xFDF0)), "\ufffe", "\uffff"]
)


@given(st.text(alphabet=_KEPT))
def test_escaped_text_reads_back_as_the_original(text: str) -> None:
    assert Page(f"<p>{esc(text)}</p>").text == ([text] if text else [])


def test_a_document_with_markup_shows_it_as_text(tiny_model: FramingModel) -> None:
    documents = classify(tiny_model, {'<b id="x">doc</b>': HOSTILE})
    page_html = classify_html(documents, tiny_model, texts=[HOSTILE])
    page = Page(page_html)
    assert page.scripts == 1  # only the report's own
    assert not any(tag in ("img", "a") and a.get("href", "").startswith("http") for tag, a in page.tags)
    assert not [t for t, _ in page.tags if t == "img"]
    assert "".join(page.sentence_text) == "".join(s.text for s in documents[0].sentences)
    assert '<script>alert("x")</script>' in "".join(page.text)
    assert '<b id="x">doc</b>' in "".join(page.text)
    assert "&lt;script&gt;" in page_html


def test_the_page_asks_for_nothing_outside_itself(tiny_model: FramingModel) -> None:
    documents = classify(tiny_model, {"a": HOSTILE, "b": TINY_ARTICLE})
    page = Page(classify_html(documents, tiny_model))
    for name in ("src", "href", "action", "srcset", "data"):
        for value in page.attribute_values(name):
            assert value.startswith(("#", "data:")), f"{name}={value}"
    assert "url(" not in classify_html(documents, tiny_model)
    csp = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in str(csp[0])


def test_invalid_characters_are_replaced_so_the_file_can_be_written(tiny_model: FramingModel, tmp_path: Path) -> None:
    text = "Militias fired rockets \ud800 at the base.\x00 The ministry reported casualties\x0b today."
    documents = classify(tiny_model, {"bad\udfff": text})
    path = tmp_path / "report.html"
    write_classify_html(path, documents, tiny_model, texts=[text])
    written = path.read_text(encoding="utf-8")
    assert "\x00" not in written and "\ufffd" in written


def test_hostile_codebook_colours_and_ids_cannot_break_out_of_the_style() -> None:
    frames = ('a"b', "</style><script>", "x;}body{display:none}")
    book = Codebook(tuple(Frame(id=f, title=f, colour="red;}</style>") for f in frames))
    styles = frame_styles(list(frames), book)
    assert all(s.colour == "#8A8A8A" for s in styles.values())
    assert [styles[f].code for f in frames] == ["AB", "SS", "XBDN"]


# -- frame codes ---------------------------------------------------------------------------------
def test_frame_codes_are_short_and_readable() -> None:
    ids = ["us_conspiracy", "iran_proxy_blame", "sovereignty", "security_threat", "other", "factual_report"]
    assert list(frame_codes(ids).values()) == ["UC", "IPB", "SOV", "ST", "OTH", "FR"]


@given(st.lists(st.text(max_size=12), max_size=12, unique=True))
def test_frame_codes_are_unique_and_ascii_alphanumeric(ids: list[str]) -> None:
    codes = frame_codes(ids)
    assert len(set(codes.values())) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9]+", c) for c in codes.values())


# -- a document ----------------------------------------------------------------------------------
def test_every_sentence_is_one_highlighted_span_with_its_frame(tiny_model: FramingModel) -> None:
    [document] = classify(tiny_model, {"a": TINY_ARTICLE})
    page = Page(classify_html([document], tiny_model, texts=[TINY_ARTICLE]))
    assert len(page.sentences) == document.n_sentences
    assert [page.frame_of(s) for s in page.sentences] == [s.frame for s in document.sentences]
    assert [s["data-c"] for s in page.sentences] == [f"{s.confidence:.2f}" for s in document.sentences]
    assert all(s["tabindex"] == "0" for s in page.sentences)


def test_paragraphs_of_the_original_text_are_kept(tiny_model: FramingModel) -> None:
    [document] = classify(tiny_model, {"a": TINY_ARTICLE})
    with_text = classify_html([document], tiny_model, texts=[TINY_ARTICLE])
    # Headline, blank line, paragraph; then a CRLF line break.
    assert re.search(r"attacks?</span>\n\n<span|Baghdad</span>\n\n<span", with_text)
    assert "</span>\n<span" in with_text
    without = classify_html([document], tiny_model)
    assert "</span>\n" not in without.split("<p class=text>")[1].split("</p>")[0]
    # A text that is not the document's falls back to spaces rather than misplacing sentences.
    wrong = classify_html([document], tiny_model, texts=["something else entirely"])
    assert wrong.split("<p class=text>")[1] == without.split("<p class=text>")[1]


def test_a_document_has_its_bar_key_and_proportions(tiny_model: FramingModel) -> None:
    [document] = classify(tiny_model, {"a": TINY_ARTICLE})
    page = Page(classify_html([document], tiny_model))
    bars = [a for t, a in page.tags if t == "div" and a.get("class") == "bar"]
    assert len(bars) == 1  # one document and no overall estimate: no overall section
    shares = [f"{v:.0%}" for v in document.proportions.values() if v > 0]
    for share in shares:
        assert str(bars[0]["aria-label"]).count(share) >= 1
    widths = [
        float(re.findall(r"width:([\d.]+)%", str(a["style"]))[0]) for t, a in page.tags if "seg" in str(a.get("class"))
    ]
    assert sum(widths[: len(shares)]) == pytest.approx(100, abs=0.01)


def test_tooltips_carry_the_runner_up_and_the_ngrams_from_explain(tiny_model: FramingModel) -> None:
    [document] = classify(tiny_model, {"a": TINY_ARTICLE})
    [tips] = sentence_tips(tiny_model, [document], top=3)
    explanations = explain_sentences(tiny_model, [s.text for s in document.sentences], top=3)
    for tip, explanation in zip(tips, explanations, strict=True):
        assert tip.choice == explanation.frame
        assert tip.runner_up == explanation.runner_up
        assert [(n, k) for n, k, _ in tip.ngrams] == [(c.ngram, c.kind) for c in explanation.toward]
        assert [w for _, _, w in tip.ngrams] == pytest.approx([c.weight for c in explanation.toward])
    page = Page(classify_html([document], tiny_model, tips=[tips]))
    assert all(s.get("data-r") and s.get("data-n") for s in page.sentences)


def test_tooltips_of_a_binary_model_match_explain(binary_model: FramingModel) -> None:
    document = classify_text(binary_model, "The Americans created ISIS. The ministry published the figures.")
    [tips] = sentence_tips(binary_model, [document])
    explanations = explain_sentences(binary_model, [s.text for s in document.sentences], top=defaults.HTML_NGRAMS)
    assert [[g[0] for g in t.ngrams] for t in tips] == [[c.ngram for c in e.toward] for e in explanations]
    assert [t.runner_up for t in tips] == [e.runner_up for e in explanations]


def test_unclassified_sentences_are_neutral_and_say_why(tiny_model: FramingModel) -> None:
    documents = classify(tiny_model, {"a": TINY_ARTICLE}, min_confidence=0.99)
    tips = sentence_tips(tiny_model, documents)
    page_html = classify_html(documents, tiny_model, tips=tips, min_confidence=0.99)
    page = Page(page_html)
    assert {s["class"] for s in page.sentences} == {"s fu"}
    assert all(s["data-g"] in tiny_model.frames and s["data-m"] == "0.99" for s in page.sentences)
    assert 'data-f="unclassified"' in page_html  # in the legend
    assert "--min-confidence 0.99" in page_html


def test_empty_documents_and_empty_collections_render(tiny_model: FramingModel) -> None:
    documents = classify(tiny_model, {"empty": "", "full": TINY_ARTICLE})
    page = Page(classify_html(documents, tiny_model))
    assert "No sentences: the document is empty." in "".join(page.text)
    assert len(page.sentences) == documents[1].n_sentences
    assert "No documents." in "".join(Page(classify_html([], tiny_model)).text)


# -- a collection --------------------------------------------------------------------------------
def test_a_collection_has_an_overview_row_and_a_section_per_document(tiny_model: FramingModel) -> None:
    texts = {
        f"doc {i} <{i}>": TINY_ARTICLE if i % 2 else "Parliament will vote on the budget next week." for i in range(7)
    }
    documents = classify(tiny_model, texts)
    page_html = classify_html(documents, tiny_model)
    page = Page(page_html)
    ids = page.ids()
    assert len(ids) == len(set(ids))
    sections = [a["id"] for t, a in page.tags if t == "section" and "doc" in str(a.get("class"))]
    assert sections == [f"d{n}" for n in range(1, 8)]
    rows = page_html.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
    assert rows == 7
    links = [h for h in page.attribute_values("href") if h.startswith("#d")]
    assert links == [f"#d{n}" for n in range(1, 8)]
    assert "doc 3 &lt;3&gt;" in page_html
    # One sortable column per frame, with the frame's share (rounded) in each row.
    heads = [a for t, a in page.tags if t == "button" and str(a.get("aria-label", "")).startswith("sort by share")]
    assert len(heads) == len(documents[0].proportions)
    assert len(page.sentences) == sum(d.n_sentences for d in documents)


def test_the_overall_section_shows_adjusted_estimates_with_intervals(tiny_model: FramingModel, tmp_path: Path) -> None:
    documents = classify(tiny_model, {f"d{i}": TINY_ARTICLE for i in range(3)})
    path = tmp_path / "r.html"
    write_classify_html(path, documents, tiny_model)
    text = path.read_text(encoding="utf-8")
    overall = text.split("<section id=overall")[1].split("</section>")[0]
    assert "adjusted (ACC)" in overall and "adjusted (PACC)" in overall
    assert re.search(r"\[\d+\.\d%–\d+\.\d%\]", overall)


def test_without_stored_rates_the_report_says_why(tiny_model: FramingModel, tmp_path: Path) -> None:
    model = tiny_model.with_info(cv_rates=None)
    documents = classify(model, {"a": TINY_ARTICLE, "b": TINY_ARTICLE})
    path = tmp_path / "r.html"
    write_classify_html(path, documents, model)
    assert "adjusted estimates unavailable" in path.read_text(encoding="utf-8")


def test_keep_texts_passes_documents_through_in_order() -> None:
    texts: list[str] = []
    documents = [DocumentText("a", "one"), DocumentText("b", "two")]
    assert list(keep_texts(iter(documents), texts)) == documents
    assert texts == ["one", "two"]


# -- evaluation ----------------------------------------------------------------------------------
def test_an_evaluation_report_has_every_section(tiny_model: FramingModel, tiny_corpus_path: Path) -> None:
    report = evaluate_model(tiny_model, load_corpus([tiny_corpus_path]), EvaluationOptions(samples=100))
    page_html = evaluation_html(report, tiny_model.codebook_)
    page = Page(page_html)
    for heading in ("Scores", "Per frame", "Confusion matrix", "Calibration", "Misclassified examples"):
        assert f">{heading}</h2>" in page_html
    k = len(report.labels)
    assert len(re.findall(r"<td class='hm", page_html)) == k * k
    assert page_html.count("<td class='hm diag") == k
    assert [t for t, _ in page.tags].count("svg") == 1
    assert [t for t, _ in page.tags].count("circle") == sum(1 for b in report.extras["calibration"]["bins"] if b["n"])
    assert page.scripts == 1


def test_an_evaluation_without_extras_degrades_gracefully() -> None:
    report = compute_report(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    page_html = evaluation_html(report)
    assert "Not available in this evaluation." in page_html
    assert page_html.count("<td class='hm") == 4


def test_misclassified_examples_are_escaped() -> None:
    report = compute_report(["a", "b"], ["b", "b"], ["a", "b"])
    example = {"text": "<script>x()</script>", "confidence": 0.9, "doc_id": "d<1>", "where": "f.csv:2"}
    pair = {"gold": "a", "predicted": "b", "count": 1, "share_of_gold": 1.0, "examples": [example]}
    from dataclasses import replace

    page_html = evaluation_html(replace(report, extras={"confused_pairs": [pair]}))
    assert Page(page_html).scripts == 1
    assert "&lt;script&gt;x()&lt;/script&gt;" in page_html and "d&lt;1&gt;" in page_html


def test_extras_of_the_wrong_shape_are_left_out() -> None:
    """Extras are JSON-like (a report may be read back from a file): a wrong type renders as nothing."""
    from dataclasses import replace

    report = compute_report(["a", "b"], ["b", "b"], ["a", "b"])
    pair = {"gold": "a", "predicted": "b", "count": 1, "examples": 3}
    extras = {
        "confused_pairs": [pair, "not a pair"],
        "top_ngrams": {"frames": {"a": {"word": 7}, "b": {"word": [{"ngram": "kept"}, "dropped"]}}},
        "calibration": {"bins": "none"},
        "coverage": {"rows": 1},
        "per_source": 5,
    }
    page_html = evaluation_html(replace(report, extras=extras))
    assert Page(page_html).scripts == 1
    assert "kept" in page_html and "dropped" not in page_html


# -- the command line ----------------------------------------------------------------------------
def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env={"COLUMNS": "250", **(env or {})}).invoke(main, [str(a) for a in args])


def test_classify_html_writes_the_report_and_keeps_stdout_clean(tiny_model_path: Path, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(TINY_ARTICLE, encoding="utf-8")
    out = tmp_path / "report.html"
    result = run("classify", article, "-m", tiny_model_path, "--format", "json", "--html", out)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert result.stderr == f"HTML report written to {out}\n"
    page = Page(out.read_text(encoding="utf-8"))
    assert len(page.sentences) == data["documents"][0]["n_sentences"]
    assert [page.frame_of(s) for s in page.sentences] == [s["frame"] for s in data["documents"][0]["sentences"]]


def test_classify_html_into_a_missing_folder_fails_before_any_work(tiny_model_path: Path, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(TINY_ARTICLE, encoding="utf-8")
    target = tmp_path / "nope" / "r.html"
    result = run("classify", article, "-m", tiny_model_path, "--html", target)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: cannot write {target}: folder {target.parent} does not exist; create it first\n"


def test_evaluate_html_writes_the_report(
    tiny_model_path: Path, write_corpus: WriteCorpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)
    corpus = write_corpus("held.jsonl")
    out = tmp_path / "eval.html"
    result = run("evaluate", corpus, "-m", tiny_model_path, "--bootstrap", "100", "--format", "json", "--html", out)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] > 0
    assert result.stderr.endswith(f"HTML report written to {out}\n")
    assert ">Confusion matrix</h2>" in out.read_text(encoding="utf-8")


def test_evaluate_html_into_a_folder_is_refused(
    tiny_model_path: Path, write_corpus: WriteCorpus, tmp_path: Path
) -> None:
    corpus = write_corpus("held.jsonl")
    result = run("evaluate", corpus, "-m", tiny_model_path, "--html", tmp_path)
    assert result.exit_code == 2  # click refuses a folder for a file option
    assert "is a directory" in result.stderr
