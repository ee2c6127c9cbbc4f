"""BENCHMARKS.md sections: one module each, exposing KEY, TITLE, ORDER and ``run(ctx) -> Section``."""
