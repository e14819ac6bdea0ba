"""Benchmarks behind ``draftwheel bench``.

Each module in :data:`BENCHES` exposes ``run(quick: bool) -> dict`` returning
``{"name", "metrics": {key: number}, "targets": {key: text}, "notes": text}``;
compared quantities are measured side by side, interleaved, in one run.
"""

BENCHES = {
    "engine": "draftwheel.bench.engine",
    "store": "draftwheel.bench.store",
    "train": "draftwheel.bench.train",
    "adapters": "draftwheel.bench.adapters",
    "mlx": "draftwheel.bench.mlx",
    "rules": "draftwheel.bench.rules",
    "ask": "draftwheel.bench.ask",
}
