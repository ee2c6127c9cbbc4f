"""The progress line: documents, sentences/s and ETA on a terminal; nothing when stderr is not one."""

from __future__ import annotations

import io

from framing.progress import Progress, format_duration


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_quiet_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(10, stream=stream)
    progress.advance(5, 100)
    progress.close()
    assert not progress.enabled and stream.getvalue() == ""


def test_line_with_rate_and_eta_on_a_terminal() -> None:
    stream, clock = Terminal(), Clock()
    progress = Progress(1000, stream=stream, clock=clock, interval=1.0)
    assert progress.enabled
    clock.now += 10
    progress.advance(250, 50_000)
    assert progress.line() == "250/1,000 documents · 50,000 sentences · 5,000 sentences/s · ETA 0:30"
    assert stream.getvalue() == "\r" + progress.line() + "\x1b[K"
    clock.now += 0.5
    progress.advance(1, 10)  # within the redraw interval: not drawn
    assert stream.getvalue().count("\r") == 1
    progress.clear()
    assert stream.getvalue().endswith("\r\x1b[K")
    progress.close()
    assert stream.getvalue().endswith("\n")


def test_no_eta_without_a_total_and_resumed_documents_add_no_speed() -> None:
    clock = Clock()
    progress = Progress(None, stream=Terminal(), clock=clock)
    progress.advance(400, 0, skipped=True)
    clock.now += 2
    progress.advance(100, 3000)
    assert progress.line() == "500 documents · 3,000 sentences · 1,500 sentences/s"
    progress.total = 600
    assert progress.line().endswith("ETA 0:02")  # 100 new documents took 2 s; 100 remain


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 59.4, 61, 3600, 3725)] == ["0:00", "0:59", "1:01", "1:00:00", "1:02:05"]
