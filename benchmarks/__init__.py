"""Benchmarks: `python -m benchmarks [NAME ...]` prints a table of measured figures.

Each module `bench_<area>.py` has `run() -> list[tuple[str, float, str]]`:
rows of (what was measured, the figure in seconds unless the name says
otherwise, the target it is compared with).
"""
