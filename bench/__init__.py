"""Benchmarks of framing on real data (``make bench``); see bench/run.py."""
