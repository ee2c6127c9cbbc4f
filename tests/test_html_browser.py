"""HTML reports end to end in headless Chromium: no console errors, no requests, every sentence shown.

Needs Debian's ``chromium`` package (/usr/bin/chromium); skipped where it is not installed.
Screenshots are saved for a reviewer under $FRAMING_SCREENSHOTS, else <tmp>/framing-html-screenshots.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TINY_ARTICLE, TINY_ROWS
from headless_chromium import Chromium, chromium_missing

from framing.classify import classify_documents
from framing.cli import main
from framing.documents import DocumentText
from framing.html import write_classify_html
from framing.model import FramingModel

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=f"browser tests: {chromium_missing()}")

ARTICLE = (
    TINY_ARTICLE
    + "\n\nThe militia posted <script>document.title='pwned'</script> on its channel. "
    + "<img src=x onerror=\"document.title='pwned'\"> Tehran's proxies attacked the convoy with drones on Sunday."
)
# For each sentence span, in page order: its frame id (class fN -> legend data-f) and its document number.
SPANS = """Array.from(document.querySelectorAll('.s')).map(s => {
  const legend = document.querySelector('#legend [data-k="' + s.classList[1] + '"]');
  return [legend.getAttribute('data-f'), s.closest('section').id];
})"""


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("FRAMING_SCREENSHOTS") or Path(tempfile.gettempdir()) / "framing-html-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(width=1280, height=900) as chromium:
        yield chromium


def open_clean(browser: Chromium, path: Path) -> float:
    browser.events.clear()
    return browser.open(path)


def test_the_seed_style_report_shows_every_sentence_safely(
    browser: Chromium, tiny_model_path: Path, tmp_path: Path
) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    report = tmp_path / "article.html"
    result = CliRunner().invoke(
        main, ["classify", str(article), "-m", str(tiny_model_path), "--format", "json", "--html", str(report)]
    )
    assert result.exit_code == 0, result.output
    [document] = json.loads(result.stdout)["documents"]

    open_clean(browser, report)
    assert browser.errors() == []
    assert browser.requests() == [report.resolve().as_uri()]
    spans = browser.evaluate(SPANS)
    assert [frame for frame, _ in spans] == [s["frame"] for s in document["sentences"]]
    # The markup in the text stayed text: no new script ran, no image was made.
    assert browser.evaluate("document.title") != "pwned"
    assert browser.evaluate("[document.scripts.length, document.images.length]") == [1, 0]
    assert "<script>document.title='pwned'</script>" in browser.evaluate("document.getElementById('d1').innerText")

    # Keyboard: Tab reaches the first sentence, its tooltip names the frame, arrows move on, Escape hides.
    for _ in range(40):
        browser.key("Tab", key_code=9)
        if browser.evaluate("document.activeElement.classList.contains('s')"):
            break
    assert browser.evaluate("document.activeElement === document.querySelector('.s')")
    first_title = browser.evaluate(
        "document.querySelector('#legend [data-f=\"' + " + json.dumps(document["sentences"][0]["frame"]) + " + '\"]')"
        ".getAttribute('data-title')"
    )
    assert browser.evaluate("document.getElementById('tip').hidden") is False
    tip = browser.evaluate("document.getElementById('tip').innerText")
    assert first_title in tip and "confidence" in tip and "n-grams" in tip
    browser.key("ArrowRight", key_code=39)
    assert browser.evaluate("document.activeElement === document.querySelectorAll('.s')[1]")
    browser.screenshot(screenshot_dir() / "seed-style-report.png")
    browser.key("Escape", key_code=27)
    assert browser.evaluate("document.getElementById('tip').hidden") is True

    # Mouse: hovering a sentence shows its tooltip.
    box = browser.evaluate("(r => [r.left + 5, r.top + 5])(document.querySelectorAll('.s')[2].getClientRects()[0])")
    browser.hover(*box)
    assert browser.evaluate("document.getElementById('tip').hidden") is False
    assert browser.evaluate("document.querySelectorAll('.s')[2].getAttribute('aria-describedby')") == "tip"
    assert browser.errors() == []


def make_collection(model: FramingModel, count: int, seed: int = 0) -> tuple[list[DocumentText], list[str]]:
    rng = random.Random(seed)
    sentences = [str(row["text"]) for row in TINY_ROWS]
    texts = []
    for n in range(count):
        paragraphs = [" ".join(rng.sample(sentences, rng.randint(2, 5))) for _ in range(rng.randint(1, 4))]
        texts.append(DocumentText(f"article-{n:04d}", "\n\n".join(paragraphs)))
    return texts, [t.text for t in texts]


def test_a_1000_document_report_opens_with_every_sentence_and_working_links(
    browser: Chromium, tiny_model: FramingModel, tmp_path: Path
) -> None:
    texts, raw = make_collection(tiny_model, 1000)
    documents = list(classify_documents(tiny_model, texts))
    report = tmp_path / "collection.html"
    write_classify_html(report, documents, tiny_model, texts=raw)

    seconds = open_clean(browser, report)
    print(f"1,000-document report ({report.stat().st_size / 1e6:.1f} MB) opened in {seconds:.2f} s")
    assert browser.errors() == []
    spans = browser.evaluate(SPANS)
    assert len(spans) == sum(d.n_sentences for d in documents)
    expected = [[s.frame, f"d{n}"] for n, d in enumerate(documents, 1) for s in d.sentences]
    assert spans == expected
    assert browser.evaluate("document.querySelectorAll('#overview tbody tr').length") == 1000
    assert browser.evaluate(
        "Array.from(document.querySelectorAll('#overview a')).every(a => document.getElementById(a.hash.slice(1)))"
    )
    browser.screenshot(screenshot_dir() / "collection-overview.png")

    # Sorting by the first frame puts the document with the largest share first.
    frame = next(iter(documents[0].proportions))
    largest = max(round(d.proportions[frame] * 100) for d in documents)
    browser.evaluate("document.querySelectorAll('#overview thead th')[3].querySelector('button').click()")
    assert browser.evaluate("document.querySelectorAll('#overview thead th')[3].getAttribute('aria-sort')") == (
        "descending"
    )
    assert browser.evaluate("+document.querySelector('#overview tbody tr').cells[3].textContent") == largest

    # Following a link shows that document's text under the sticky legend.
    browser.evaluate("document.querySelector('#overview a[href=\"#d500\"]').click()")
    browser.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))", await_promise=True)
    top = browser.evaluate("document.getElementById('d500').getBoundingClientRect().top")
    legend = browser.evaluate("document.getElementById('legend').getBoundingClientRect().bottom")
    assert legend <= top < legend + 100
    browser.screenshot(screenshot_dir() / "collection-document-500.png")
    assert browser.errors() == []
