"""Throughput and scale: `framing classify` end to end against fastText, --jobs, memory on 1 GB, start-up."""

from __future__ import annotations

from bench.bench_throughput import measure
from bench.common import Context, Section

KEY = "throughput"
TITLE = "Throughput and scale (issue 6)"
ORDER = 35


def run(ctx: Context) -> Section:
    work = ctx.work / "throughput"
    work.mkdir(exist_ok=True)
    body, commands = measure(ctx.data, work, quick=False, log=ctx.log)
    return Section(KEY, TITLE, body, commands)
