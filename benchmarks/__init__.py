"""Benchmarks: translation throughput, time-to-digest, question latency, memory.

Run with ``uv run python -m benchmarks --articles 200 --json out.json``; see README.
"""
