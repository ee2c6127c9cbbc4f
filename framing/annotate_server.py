"""The annotation web app: a local HTTP server (127.0.0.1, a secret token) and its one page."""

from __future__ import annotations

import errno
import html
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from .annotate import AnnotateError, Session, codebook_payload

HOST = "127.0.0.1"
#: Answers are small; a body larger than this is refused unread.
MAX_BODY = 64 * 1024


class AnnotationServer(ThreadingHTTPServer):
    """Serves one session on loopback; every request must carry the token."""

    daemon_threads = True

    def __init__(self, session: Session, port: int = 0, token: str | None = None) -> None:
        self.session = session
        self.token = token or secrets.token_urlsafe(18)
        try:
            super().__init__((HOST, port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AnnotateError(f"port {port} is in use; choose another port, or 0 for any free one") from None
            raise AnnotateError(f"cannot listen on {HOST}:{port} ({exc.strerror})") from None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/?token={self.token}"

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="framing-annotate", daemon=True)
        thread.start()
        return thread


def state(session: Session) -> dict[str, Any]:
    """What the page needs after every action: the sentence to show, guesses, progress."""
    done, left = session.counts
    upcoming = session.next_item()
    item: dict[str, Any] | None = None
    if upcoming is not None:
        sentence, guesses = upcoming
        item = {
            "id": sentence.id,
            "text": sentence.text,
            "before": sentence.before,
            "after": sentence.after,
            "doc_id": sentence.doc_id,
            "guesses": [{"frame": frame, "p": p} for frame, p in guesses],
        }
    return {"item": item, "done": done, "left": left, "annotator": session.annotator, "model": session.model_version}


class _Handler(BaseHTTPRequestHandler):
    server: AnnotationServer
    server_version = "framing-annotate"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal is for the user's messages, not an access log

    # -- plumbing ------------------------------------------------------------------------------------
    def _authorised(self) -> bool:
        query = parse_qs(urlparse(self.path).query)
        given = (query.get("token") or [""])[0] or self.headers.get("X-Token", "")
        return secrets.compare_digest(given, self.server.token)

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if kind.startswith("text/html"):
            self.send_header(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; "
                "img-src data:",
            )
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise AnnotateError("request too large")
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise AnnotateError("the request body must be JSON") from None
        if not isinstance(data, dict):
            raise AnnotateError("the request body must be a JSON object")
        return data

    # -- routes ---------------------------------------------------------------------------------------
    def _route(self) -> str | None:
        """The path asked for, or None (and a 403 sent) without the right token."""
        if not self._authorised():
            self._json(403, {"error": "missing or wrong token; open the URL framing printed"})
            return None
        return urlparse(self.path).path

    def do_GET(self) -> None:
        route = self._route()
        if route is None:
            return
        session = self.server.session
        if route == "/":
            page = PAGE.replace("__TOKEN__", _script_json(self.server.token)).replace(
                "__FRAMES__", _script_json(codebook_payload(session.codebook, session.codebook.ids))
            )
            page = page.replace("__TITLE__", html.escape(f"framing annotate: {session.codebook.name or 'frames'}"))
            self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")
        elif route == "/api/state":
            self._json(200, state(session))
        else:
            self._json(404, {"error": f"no such page {route!r}"})

    def do_POST(self) -> None:
        route = self._route()
        if route is None:
            return
        session = self.server.session
        try:
            data = self._body()
            if route == "/api/answer":
                item_id = data.get("id")
                if not isinstance(item_id, str):
                    raise AnnotateError("an answer needs the sentence's 'id'")
                if data.get("skip"):
                    session.skip(item_id)
                else:
                    session.answer(item_id, str(data.get("label")))
            elif route == "/api/undo":
                session.undo()
            else:
                self._json(404, {"error": f"no such action {route!r}"})
                return
        except AnnotateError as exc:
            self._json(400, {"error": str(exc)})
            return
        except OSError as exc:
            self._json(500, {"error": f"cannot write the labels file ({exc.strerror}); the answer was not saved"})
            return
        self._json(200, state(session))


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: a codebook text holding </script> cannot end it."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


PAGE = """<!DOCTYPE html>
<html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>
<link rel=icon href='data:,'><title>__TITLE__</title>
<style>
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fafafa}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(16rem,2fr);gap:1.5rem;max-width:78rem;margin:0 auto;
 padding:1rem 1.5rem}
header{grid-column:1/-1;display:flex;justify-content:space-between;align-items:baseline;border-bottom:1px solid #ccc}
h1{font-size:1.2rem;margin:.4rem 0}
#progress,#who{color:#555;font-size:.9rem}
.context{color:#666;font-size:.95rem;margin:.4rem 0}
#sentence{font-size:1.35rem;line-height:1.6;background:#fff;border:2px solid #333;border-radius:6px;padding:1rem 1.2rem;
 margin:.6rem 0}
#guesses{font-size:.9rem;color:#333}
#frames{list-style:none;padding:0;margin:1rem 0;display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));
 gap:.4rem}
#frames button{width:100%;text-align:left;font:inherit;font-size:.95rem;padding:.45rem .6rem;border-radius:5px;
 border:2px solid var(--c);background:#fff;cursor:pointer}
#frames button:focus,#frames button:hover{background:#f0f0f0;outline:3px solid #000}
kbd{font:700 .8rem ui-monospace,Menlo,Consolas,monospace;border:1px solid #888;border-radius:3px;padding:0 .3em;
 background:#fff}
aside{font-size:.88rem;max-height:85vh;overflow:auto}
aside h2{font-size:1rem;margin:.8rem 0 .2rem}
aside dt{font-weight:600;margin-top:.5rem}
aside dd{margin:0 0 0 .5rem}
#message{min-height:1.4rem;color:#a00}
#help[hidden]{display:none}
#help{background:#fff;border:1px solid #999;padding:.5rem 1rem;border-radius:6px}
#done{font-size:1.2rem}
</style></head>
<body><main>
<header><h1>Label each sentence with its frame</h1><span id=who></span><span id=progress></span></header>
<section aria-live=polite>
<p class=context id=before></p>
<p id=sentence tabindex=-1>Loading…</p>
<p class=context id=after></p>
<p id=guesses></p>
<ol id=frames></ol>
<p><kbd>1</kbd>–<kbd>9</kbd> choose a frame · <kbd>s</kbd> skip · <kbd>u</kbd> undo · <kbd>?</kbd> help</p>
<p id=message role=alert></p>
<div id=help hidden><p>Pick the frame the sentence advances, whether the author asserts it or a speaker voices
it (the claim decides, not the speaker). Each answer is saved at once; closing the page or stopping framing loses
nothing, and starting again continues where you stopped. <kbd>u</kbd> takes back your last answer.</p></div>
</section>
<aside><h2>Codebook</h2><dl id=codebook></dl></aside>
</main>
<script>
"use strict";
const TOKEN = __TOKEN__;
const FRAMES = __FRAMES__;
let current = null;
let busy = false;
const $ = id => document.getElementById(id);
function api(path, body) {
  const options = body === undefined ? {} : {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body)};
  return fetch(path + "?token=" + encodeURIComponent(TOKEN), options).then(r => r.json().then(data => {
    if (!r.ok) { throw new Error(data.error || r.statusText); }
    return data;
  }));
}
function show(state) {
  current = state.item;
  $("progress").textContent = state.done + " labeled, " + state.left + " left";
  $("who").textContent = "annotator: " + state.annotator + " · model: " + state.model;
  if (!current) {
    $("sentence").textContent = "All sentences are labeled. Thank you!";
    $("sentence").id = "sentence"; $("before").textContent = ""; $("after").textContent = "";
    $("guesses").textContent = "";
    document.body.dataset.done = "1";
    return;
  }
  document.body.dataset.done = "";
  $("sentence").textContent = current.text;
  $("sentence").dataset.id = current.id;
  $("before").textContent = current.before ? "… " + current.before : "";
  $("after").textContent = current.after ? current.after + " …" : "";
  $("guesses").textContent = "Model's guesses: " + current.guesses.map(g => {
    const f = FRAMES.find(x => x.id === g.frame);
    return (f ? f.title : g.frame) + " " + Math.round(g.p * 100) + "%";
  }).join(" · ");
  $("message").textContent = "";
}
function act(body, path) {
  if (busy) { return; }
  busy = true;
  api(path || "/api/answer", body).then(show).catch(e => { $("message").textContent = e.message; })
    .finally(() => { busy = false; });
}
function choose(frame) { if (current) { act({id: current.id, label: frame}); } }
function build() {
  const list = $("frames"), book = $("codebook");
  FRAMES.forEach(f => {
    const li = document.createElement("li"), b = document.createElement("button");
    b.type = "button"; b.style.setProperty("--c", f.colour || "#555"); b.dataset.frame = f.id;
    b.innerHTML = "<kbd></kbd> "; b.querySelector("kbd").textContent = f.key || "·";
    b.appendChild(document.createTextNode(f.title));
    b.addEventListener("click", () => choose(f.id));
    li.appendChild(b); list.appendChild(li);
    const dt = document.createElement("dt"); dt.textContent = (f.key ? f.key + " · " : "") + f.title;
    const dd = document.createElement("dd");
    dd.textContent = f.definition + (f.include.length ? " Include: " + f.include.join("; ") + "." : "")
      + (f.exclude.length ? " Exclude: " + f.exclude.join("; ") + "." : "")
      + (f.examples.length ? " E.g. “" + f.examples[0] + "”" : "");
    book.appendChild(dt); book.appendChild(dd);
  });
}
document.addEventListener("keydown", e => {
  if (e.ctrlKey || e.metaKey || e.altKey) { return; }
  const f = FRAMES.find(x => x.key && x.key === e.key);
  if (f) { choose(f.id); e.preventDefault(); }
  else if (e.key === "s" && current) { act({id: current.id, skip: true}); e.preventDefault(); }
  else if (e.key === "u") { act({}, "/api/undo"); e.preventDefault(); }
  else if (e.key === "?") { $("help").hidden = !$("help").hidden; e.preventDefault(); }
});
build();
api("/api/state").then(show).catch(e => { $("message").textContent = e.message; });
</script></body></html>
"""
