"""The annotation app end to end in headless Chromium: keys label, the server is killed and restarted, nothing is lost.

Needs Debian's ``chromium`` package (/usr/bin/chromium); skipped where it is not installed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TINY_ARTICLE
from headless_chromium import Chromium, chromium_missing

from framing import defaults

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=f"browser tests: {chromium_missing()}")


def _start(article: Path, model: Path, labels: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(defaults.PROJECT_ROOT)}
    command = [sys.executable, "-m", "framing.cli", "annotate", str(article), "-m", str(model), "-o", str(labels)]
    process = subprocess.Popen(
        [*command, "--annotator", "ann", "--port", "0", "--strategy", "sequential"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"Open (http://127\.0\.0\.1:\d+/\?token=\S+)", line)
        if found:
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError("framing annotate did not print its URL")


def _stop(process: subprocess.Popen[str], how: int) -> None:
    process.send_signal(how)
    process.wait(timeout=30)
    assert process.stderr is not None
    process.stderr.close()


def _open(browser: Chromium, url: str) -> None:
    browser.events.clear()
    browser.send("Page.navigate", {"url": url})
    browser.wait_event("Page.loadEventFired")
    _wait(browser, "document.getElementById('progress').textContent !== ''")


def _wait(browser: Chromium, condition: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if browser.evaluate(f"Boolean({condition})"):
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {condition}")


def _press(browser: Chromium, key: str) -> None:
    before = browser.evaluate("document.getElementById('progress').textContent + '|' + "
                              "(document.getElementById('sentence').dataset.id || '')")  # fmt: skip
    browser.key(key, code=f"Digit{key}" if key.isdigit() else f"Key{key.upper()}", key_code=ord(key.upper()))
    _wait(
        browser,
        "document.getElementById('progress').textContent + '|' + "
        f"(document.getElementById('sentence').dataset.id || '') !== {json.dumps(before)}",
    )


@pytest.fixture
def browser() -> Iterator[Chromium]:
    with Chromium(width=1200, height=900) as chromium:
        yield chromium


def test_label_with_keys_kill_restart_and_continue(browser: Chromium, tiny_model_path: Path, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(TINY_ARTICLE, encoding="utf-8")
    labels = tmp_path / "labels.jsonl"
    process, url = _start(article, tiny_model_path, labels)
    try:
        _open(browser, url)
        frames = browser.evaluate("FRAMES.map(f => f.id)")
        first = browser.evaluate("document.getElementById('sentence').dataset.id")
        _press(browser, "1")  # first frame
        second = browser.evaluate("document.getElementById('sentence').dataset.id")
        _press(browser, "s")  # skip the second sentence
        _press(browser, "2")  # the third gets the second frame
        _press(browser, "u")  # ... no: undo it
        _press(browser, "3")  # the third frame instead
        assert browser.errors() == []
        assert all(
            not u.startswith(("http://", "https://")) or u.startswith(url.split("/?")[0]) for u in browser.requests()
        )
        browser.screenshot(tmp_path / "annotate.png")
    finally:
        _stop(process, signal.SIGKILL)  # no goodbye: what is on disk is all there is
    records = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    assert [r["label"] for r in records] == [frames[0], frames[2]]
    assert records[0]["id"] == first and second not in {r["id"] for r in records}

    process, url = _start(article, tiny_model_path, labels)
    try:
        _open(browser, url)
        shown = []
        while not browser.evaluate("document.body.dataset.done === '1'"):
            shown.append(browser.evaluate("document.getElementById('sentence').dataset.id"))
            _press(browser, "1")
        assert browser.errors() == []
    finally:
        _stop(process, signal.SIGTERM)
    # The restart never showed a labeled sentence again, and the skipped one came back.
    assert first not in shown and second in shown
    ids = [json.loads(line)["id"] for line in labels.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == len(set(ids)) == 2 + len(shown)
