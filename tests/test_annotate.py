"""The annotation loop: which sentence next, durable answers, undo, resume, the HTTP API and the page."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_ARTICLE

from framing.annotate import AnnotateError, Session, read_labels_file, sentence_items
from framing.annotate_server import AnnotationServer
from framing.documents import DocumentText
from framing.model import FramingModel

DOCUMENTS = [
    DocumentText("a1", TINY_ARTICLE, "a1.txt"),
    DocumentText(
        "a2",
        "Washington secretly armed the jihadists. The parliament met on Monday. "
        "Tehran's proxies attacked the convoy with drones. The weather was mild.",
        "a2.txt",
    ),
]


_OPEN: list[Session] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _session(model: FramingModel, labels: Path, annotator: str = "ann", **options: Any) -> Session:
    assert model.codebook_ is not None
    session = Session(sentence_items(DOCUMENTS), model, model.codebook_, labels, annotator, **options).start()
    _OPEN.append(session)
    return session


def test_items_carry_their_neighbours_and_stable_ids() -> None:
    items = sentence_items(DOCUMENTS)
    assert [i.doc_id for i in items].count("a2") == 4
    second = items[1]
    assert second.before == items[0].text and second.after == items[2].text
    assert second.id == f"a1:{TINY_ARTICLE.index(second.text)}-{TINY_ARTICLE.index(second.text) + len(second.text)}"
    assert sentence_items(DOCUMENTS) == items


def test_uncertainty_shows_the_least_certain_sentence_first(tiny_model: FramingModel, tmp_path: Path) -> None:
    session = _session(tiny_model, tmp_path / "labels.jsonl")
    item, guesses = session.next_item()  # type: ignore[misc]
    proba = tiny_model.predict_proba([i.text for i in session.items])
    margins = sorted((sorted(row)[-1] - sorted(row)[-2], n) for n, row in enumerate(proba))
    assert item == session.items[margins[0][1]]
    assert guesses[0][0] == tiny_model.frames[proba[margins[0][1]].argmax()]
    assert len(guesses) == 3


def test_answers_are_on_disk_at_once_and_resume_skips_them(tiny_model: FramingModel, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    session = _session(tiny_model, labels)
    first, _ = session.next_item()  # type: ignore[misc]
    session.answer(first.id, "proxy")
    # No close(): what a crash leaves is what was written.
    records = read_labels_file(labels)
    assert records[0]["id"] == first.id and records[0]["label"] == "proxy" and records[0]["annotator"] == "ann"
    assert set(records[0]) == {"id", "text", "label", "doc_id", "source", "annotator", "time", "model"}
    again = _session(tiny_model, labels)
    assert again.counts == (1, len(again.items) - 1)
    shown = set()
    while (upcoming := again.next_item()) is not None:
        shown.add(upcoming[0].id)
        again.answer(upcoming[0].id, "factual")
    assert first.id not in shown and again.counts == (len(again.items), 0)
    # Another annotator sees every sentence, for agreement.
    assert _session(tiny_model, labels, annotator="bob").counts == (0, len(again.items))


def test_undo_cuts_the_last_answer_and_shows_it_again(tiny_model: FramingModel, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    session = _session(tiny_model, labels)
    first, _ = session.next_item()  # type: ignore[misc]
    session.answer(first.id, "proxy")
    second, _ = session.next_item()  # type: ignore[misc]
    session.answer(second.id, "factual")
    assert session.undo() == second
    assert [r["id"] for r in read_labels_file(labels)] == [first.id]
    assert session.next_item()[0] == second  # type: ignore[index]
    session.answer(second.id, "conspiracy")
    assert [r["label"] for r in read_labels_file(labels)] == ["proxy", "conspiracy"]


def test_skip_sends_a_sentence_to_the_back(tiny_model: FramingModel, tmp_path: Path) -> None:
    session = _session(tiny_model, tmp_path / "labels.jsonl", strategy="sequential")
    first, _ = session.next_item()  # type: ignore[misc]
    session.skip(first.id)
    seen = []
    while (upcoming := session.next_item()) is not None:
        seen.append(upcoming[0].id)
        session.answer(upcoming[0].id, "factual")
    assert seen[-1] == first.id and len(seen) == len(session.items)


def test_bad_answers_and_a_broken_labels_file(tiny_model: FramingModel, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    session = _session(tiny_model, labels)
    item, _ = session.next_item()  # type: ignore[misc]
    with pytest.raises(AnnotateError, match="unknown frame 'nonsense'; answer with one of conspiracy, proxy, factual"):
        session.answer(item.id, "nonsense")
    with pytest.raises(AnnotateError, match="no sentence 'x' in this session"):
        session.answer("x", "proxy")
    session.answer(item.id, "proxy")
    session.close()
    with labels.open("ab") as handle:
        handle.write(b'{"id": "a1:0-5", "lab')  # a crash in the middle of a line
    with pytest.raises(AnnotateError) as caught:
        _session(tiny_model, labels)
    assert str(caught.value) == (
        f"{labels}:2: the last line is incomplete (a crash while writing?); delete that line and start again"
    )


def test_retraining_in_the_background_reorders_the_queue(tiny_model: FramingModel, tmp_path: Path) -> None:
    session = _session(tiny_model, tmp_path / "labels.jsonl", retrain_every=4)
    answers = ["proxy", "conspiracy", "proxy", "conspiracy"]
    for label in answers:
        item, _ = session.next_item()  # type: ignore[misc]
        session.answer(item.id, label)
    session.wait_for_training()
    assert session.model_version == "retrained on 4 labels"
    assert session.next_item() is not None  # still answering, with the new model's order


# -- the HTTP API -------------------------------------------------------------------------------------
@pytest.fixture
def served(tiny_model: FramingModel, tmp_path: Path) -> Iterator[AnnotationServer]:
    server = AnnotationServer(_session(tiny_model, tmp_path / "labels.jsonl"), 0)
    server.serve_in_thread()
    yield server
    server.shutdown()
    server.server_close()
    server.session.close()


def _call(server: AnnotationServer, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}{path}?token={token if token is not None else server.token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_api_serves_answers_and_undoes(served: AnnotationServer) -> None:
    state = _call(served, "/api/state")
    assert state["done"] == 0 and state["item"]["text"]
    after = _call(served, "/api/answer", {"id": state["item"]["id"], "label": "proxy"})
    assert after["done"] == 1 and after["item"]["id"] != state["item"]["id"]
    undone = _call(served, "/api/undo", {})
    assert undone["done"] == 0 and undone["item"]["id"] == state["item"]["id"]
    assert served.url.startswith("http://127.0.0.1:")


def test_the_api_refuses_without_the_token_and_explains_bad_answers(served: AnnotationServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        _call(served, "/api/state", token="wrong")
    assert caught.value.code == 403
    state = _call(served, "/api/state")
    with pytest.raises(urllib.error.HTTPError) as caught:
        _call(served, "/api/answer", {"id": state["item"]["id"], "label": "nonsense"})
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["error"].startswith("unknown frame 'nonsense'")


def test_the_server_listens_on_loopback_only(served: AnnotationServer) -> None:
    assert served.server_address[0] == "127.0.0.1"


def test_a_port_in_use_is_a_clear_error(tiny_model: FramingModel, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(AnnotateError) as caught:
            AnnotationServer(_session(tiny_model, tmp_path / "labels.jsonl"), port)
    assert str(caught.value) == f"port {port} is in use; choose another port, or 0 for any free one"


def test_priority_asks_the_least_certain_first() -> None:
    import numpy as np

    from framing.annotate import priority

    proba = np.array([[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.34, 0.33, 0.33], [0.5, 0.5, 0.0]])
    assert list(np.argsort(priority(proba, "uncertainty", np.random.default_rng(0)), kind="stable")) == [3, 2, 1, 0]
    assert list(np.argsort(priority(proba, "entropy", np.random.default_rng(0)), kind="stable")) == [2, 1, 3, 0]
    shuffled = priority(proba, "random", np.random.default_rng(0))
    assert shuffled.shape == (4,) and len(set(shuffled)) == 4


def test_codebook_text_cannot_break_out_of_the_page_script(tiny_model: FramingModel, tmp_path: Path) -> None:
    import copy

    from conftest import TINY_CODEBOOK

    from framing.codebook import codebook_from_dict

    hostile = copy.deepcopy(TINY_CODEBOOK)
    hostile["frames"][0]["definition"] = "</script><script>document.title='pwned'</script> & more"
    book = codebook_from_dict(hostile)
    session = Session(sentence_items(DOCUMENTS), tiny_model, book, tmp_path / "labels.jsonl", "ann").start()
    _OPEN.append(session)
    server = AnnotationServer(session, 0)
    server.serve_in_thread()
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={server.token}", timeout=30) as response:
            page = response.read().decode("utf-8")
            policy = response.headers["Content-Security-Policy"]
    finally:
        server.shutdown()
        server.server_close()
    assert page.count("</script>") == 1  # only the page's own
    assert "\\u003c/script\\u003e" in page
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
