"""The layout of a training run's folder (``<data>/runs/<name>/``), shared by the
command, the trainer and the app; no heavy imports, so the GUI can use it."""

from __future__ import annotations

from pathlib import Path

RUN_FILE = "run.json"  # name, task, model, settings, store run id: written by `draftwheel train`
PAIRS_FILE = "pairs.jsonl"  # the (input, final) pairs the run trains on, so a resume uses the same data
RESULT_FILE = "result.json"  # written by the trainer once the run has finished


def unfinished(run_dir: Path) -> bool:
    """A run that started (its run file exists) and has no result yet: ``--resume`` can continue it."""
    run_dir = Path(run_dir)
    return (run_dir / RUN_FILE).is_file() and not (run_dir / RESULT_FILE).exists()
