"""Benchmarks: every ``bench/bench_*.py`` has ``run() -> list[dict]``; ``python -m bench``."""
