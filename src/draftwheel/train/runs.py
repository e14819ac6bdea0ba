"""The layout of a training run's folder (``<data>/runs/<name>/``), shared by the
command, the trainer and the app; no heavy imports, so the GUI can use it."""

from __future__ import annotations

import json
from pathlib import Path

from draftwheel.config.atomic import atomic_write_text

RUN_FILE = "run.json"  # name, task, model, settings, store run id: written by `draftwheel train`
PAIRS_FILE = "pairs.jsonl"  # the (input, final) pairs the run trains on, so a resume uses the same data
RESULT_FILE = "result.json"  # written by the trainer once the run has finished


def unfinished(run_dir: Path) -> bool:
    """A run that started (its run file exists) and has no result yet: ``--resume`` can continue it."""
    run_dir = Path(run_dir)
    return (run_dir / RUN_FILE).is_file() and not (run_dir / RESULT_FILE).exists()


RESUMES_FILE = "resumes.json"  # {"attempts": n}: automatic restarts of this run after it was cut short


def resume_attempts(run_dir: Path) -> int:
    try:
        return int(json.loads((Path(run_dir) / RESUMES_FILE).read_text(encoding="utf-8")).get("attempts", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        return 0


def note_resume_attempt(run_dir: Path) -> int:
    """Count one more automatic restart of the run (written before the process starts); the new count."""
    n = resume_attempts(run_dir) + 1
    atomic_write_text(Path(run_dir) / RESUMES_FILE, json.dumps({"attempts": n}) + "\n")
    return n
