"""Evaluation harness: run the flywheel's stages on a held-out set and score them.

``draftwheel eval`` and ``benchmarks/jfleg_flywheel.py`` are thin wrappers
around :func:`evaluate_modes` and :func:`harness.results_record`. Metrics live
in :mod:`draftwheel.train.metrics` (the trainer uses them for promotion too).
"""

from __future__ import annotations

from draftwheel.engine.base import AdapterRef, Engine
from draftwheel.engine.prompts import Task
from draftwheel.engine.revise import ReviseOptions
from draftwheel.evaluate.data import EvalSet, load_eval_set, load_pairs, read_lines
from draftwheel.evaluate.harness import MODES, ExamplesFor, ModeRun, Normalize, run_mode

__all__ = ["MODES", "EvalSet", "ModeRun", "evaluate_modes", "load_eval_set", "load_pairs", "read_lines", "run_mode"]


def evaluate_modes(
    engine: Engine,
    data: EvalSet,
    task: Task,
    modes: list[str],
    options: ReviseOptions,
    examples_for: ExamplesFor | None = None,
    adapter: AdapterRef | None = None,
    k: int = 0,
    progress: bool = True,
    paragraphs: tuple[int, ...] = (1,),
    prepare: Normalize | None = None,
) -> list[ModeRun]:
    """One :class:`ModeRun` per mode and paragraph size (1 = sentence by sentence), in order."""
    runs = []
    for mode in modes:
        for size in paragraphs:
            run = run_mode(
                engine,
                data,
                task,
                mode,
                options,
                examples_for=examples_for,
                adapter=adapter,
                progress=progress,
                paragraph=size,
                prepare=prepare,
            )
            run.k = k if mode == "few" else 0
            runs.append(run)
            runs.extend(run.variant_runs())
    return runs
