"""Run the real-data benchmarks and write BENCHMARKS.md (``make bench``).

    python bench/run.py                     # every section, then BENCHMARKS.md
    python bench/run.py --only ptc,speed    # just these; the other sections already in the file stay
    python bench/run.py --data DIR --out FILE

Each section is a module in bench/sections/ with ``KEY``, ``TITLE``, ``ORDER`` and
``run(ctx) -> Section``; add a module there and it becomes a section of BENCHMARKS.md. In the
file every section sits between ``<!-- section: KEY -->`` and ``<!-- end: KEY -->`` markers, so
a partial run replaces only its own sections. The corpora are read from ../shared/data in place;
scratch files (imported corpora, models) go to a temporary folder outside the repository.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import sections  # noqa: E402
from bench.common import DEFAULT_DATA, Context, Section, machine, versions  # noqa: E402

OUT = ROOT / "BENCHMARKS.md"
_BLOCK = re.compile(r"<!-- section: (?P<key>[\w-]+) -->\n.*?<!-- end: (?P=key) -->\n", re.DOTALL)


def discover() -> list[ModuleType]:
    found = [importlib.import_module(f"bench.sections.{m.name}") for m in pkgutil.iter_modules(sections.__path__)]
    return sorted((m for m in found if hasattr(m, "run")), key=lambda m: (m.ORDER, m.KEY))


def render_section(section: Section, when: str) -> str:
    commands = "".join(f"\n- `{c}`" for c in section.commands)
    return (
        f"<!-- section: {section.key} -->\n## {section.title}\n\n{section.body}\n\n"
        f"Measured {when} in {section.seconds:.0f} s.{chr(10) + chr(10) + 'Commands:' + commands if commands else ''}\n"
        f"<!-- end: {section.key} -->\n"
    )


def header(when: str) -> str:
    box = machine()
    found = versions()
    listed = ", ".join(f"{name} {version}" for name, version in found.items())
    return (
        "# Benchmarks\n\n"
        "Real, human-annotated corpora from `../shared/data` (read in place, never copied into this "
        "repository): the Propaganda Techniques Corpus (PTC) and the Gun Violence Frame Corpus (GVFC). "
        "Reproduce with `make bench` (all sections) or `python bench/run.py --only KEY`.\n\n"
        f"- Date: {when}\n"
        f"- Machine: {box['cpu']}, {box['cores']} cores, {box['ram']} RAM ({box['os']})\n"
        f"- Versions: {listed}\n"
    )


def assemble(previous: str, fresh: dict[str, str], order: list[str], when: str) -> str:
    kept = {m.group("key"): m.group(0) for m in _BLOCK.finditer(previous)}
    kept.update(fresh)
    keys = [k for k in order if k in kept] + sorted(k for k in kept if k not in order)
    return header(when) + "".join("\n" + kept[k] for k in keys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding ptc/ and gvfc/")
    parser.add_argument("--out", type=Path, default=OUT, help="Markdown file to write")
    parser.add_argument("--only", help="comma-separated section keys to run (default: all)")
    args = parser.parse_args(argv)
    modules = discover()
    known = [m.KEY for m in modules]
    wanted = args.only.split(",") if args.only else known
    unknown = [k for k in wanted if k not in known]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if not (args.data / "ptc").is_dir() or not (args.data / "gvfc").is_dir():
        print(
            f"Error: {args.data} has no ptc/ and gvfc/ folders; pass --data DIR (see ../shared/data)", file=sys.stderr
        )
        return 1
    from framing.atomic import atomic_write

    work = Path(tempfile.mkdtemp(prefix="bench-work-"))
    ctx = Context(data=args.data.resolve(), work=work, log=lambda m: print(m, file=sys.stderr, flush=True))
    fresh: dict[str, str] = {}
    failed: list[str] = []
    try:
        for module in modules:
            if module.KEY not in wanted:
                continue
            ctx.log(f"== {module.KEY}: {module.TITLE}")
            began = time.perf_counter()
            try:
                section: Section = module.run(ctx)
            except Exception:
                # One broken section must not cost the others: report it, keep its old text, go on.
                ctx.log(f"   {module.KEY} FAILED; its previous text in {args.out} is kept:\n{traceback.format_exc()}")
                failed.append(module.KEY)
                continue
            when = datetime.now(UTC).strftime("%Y-%m-%d")
            section = Section(section.key, section.title, section.body, section.commands, time.perf_counter() - began)
            fresh[section.key] = render_section(section, when)
            # Write after every section: a long run that fails late keeps what it measured.
            previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
            now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            with atomic_write(args.out) as handle:
                handle.write(assemble(previous, fresh, known, now))
            ctx.log(f"   {section.key} done in {section.seconds:.0f} s; {args.out} updated")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failed:
        print(f"Error: section(s) {', '.join(failed)} failed; see the tracebacks above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
