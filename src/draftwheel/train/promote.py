"""Evaluation and promotion of a freshly trained adapter.

The held-out pairs of the user's own edits are revised twice with the real
engine through :func:`draftwheel.engine.revise.revise_text` (greedy): once at
the task's *current stage* and once with the new adapter applied
(``engine.use_adapter``). The current stage is the task's promoted adapter
for this base model if there is one, else few-shot prompting with the user's
kept edits (the flywheel's retrieval; a held-out edit is never shown as an
example for its own input), else zero-shot.

Scores are corpus GLEU and chrF (0-100, :mod:`draftwheel.train.metrics`)
against the user's final text. The adapter is promoted only if it scores
higher: the mean of GLEU and chrF must exceed the current stage's (ties keep
the current stage).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from draftwheel.config import AppPaths
from draftwheel.engine.base import Engine
from draftwheel.engine.prompts import Example, Task
from draftwheel.engine.revise import ReviseOptions, revise_text
from draftwheel.models.adapters import AdapterInfo, adapter_ref, promoted_for

log = logging.getLogger(__name__)

ExamplesFor = Callable[[Task, str], list[Example]]


@dataclass
class StageScore:
    stage: str  # "zero", "few" or "adapter:<name>"
    gleu: float
    chrf: float
    outputs: list[str]

    @property
    def combined(self) -> float:
        return (self.gleu + self.chrf) / 2

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "gleu": round(self.gleu, 2), "chrf": round(self.chrf, 2),
                "combined": round(self.combined, 2)}


def _say(callback, text: str) -> None:
    if callback is None:
        return
    if hasattr(callback, "on_message"):
        callback.on_message(text)
    elif callable(callback):
        callback(text)
    log.info("%s", text)


def score_outputs(sources: Sequence[str], outputs: Sequence[str], finals: Sequence[str]) -> tuple[float, float]:
    """(GLEU, chrF) of ``outputs`` against the user's ``finals``."""
    from draftwheel.train.metrics import chrf, gleu

    return gleu(list(sources), list(outputs), [list(finals)]), chrf(list(outputs), [list(finals)])


def revise_all(engine: Engine, task: Task, sources: Sequence[str], examples_for: ExamplesFor | None,
               options: ReviseOptions | None = None) -> list[str]:
    options = options or ReviseOptions(temperature=0.0, seed=0)
    # One line in, one line out, so outputs stay aligned with their sources.
    return [" ".join(revise_text(engine, s, task, options, examples_for=examples_for).text.split()) for s in sources]


def score_stage(engine: Engine, stage: str, task: Task, pairs: Sequence[tuple[str, str]],
                adapter: AdapterInfo | None = None, examples_for: ExamplesFor | None = None,
                options: ReviseOptions | None = None) -> StageScore:
    """Revise the held-out inputs at ``stage`` and score them; the engine's adapter is restored afterwards."""
    previous = engine.adapter
    engine.use_adapter(adapter_ref(adapter) if adapter else None)
    try:
        sources = [p[0] for p in pairs]
        outputs = revise_all(engine, task, sources, examples_for if stage == "few" else None, options)
    finally:
        engine.use_adapter(previous)
    g, c = score_outputs(sources, outputs, [p[1] for p in pairs])
    return StageScore(stage, g, c, outputs)


def store_examples(paths: AppPaths, k: int, token_budget: int, count_tokens=None) -> ExamplesFor | None:
    """Few-shot examples from the store, as the app would pick them, minus the edit being revised.

    A held-out edit is itself in the store: retrieving it as an example for
    its own input would hand the model the answer, so an example whose input
    equals the text is dropped (one more is retrieved to make up for it).
    None when the store is unavailable.
    """
    try:
        from draftwheel.flywheel.retrieve import retrieve_examples
        from draftwheel.store import open_store
    except ImportError:
        return None
    try:
        store = open_store(paths)
    except Exception as exc:  # the store is optional here; evaluation falls back to zero-shot
        log.warning("few-shot baseline unavailable: %s", exc)
        return None

    def examples_for(task: Task, text: str) -> list[Example]:
        with store.session() as s:
            found = retrieve_examples(s, task, text, k=k + 1, token_budget=token_budget,
                                      count_tokens=count_tokens)
        keep = [e for e in found if e.input.strip() != text.strip()]
        return keep[-k:] if k else []

    examples_for.store = store  # closed by the caller
    return examples_for


def has_kept_edits(paths: AppPaths, task: str) -> bool:
    try:
        from draftwheel.store import count_edits, open_store
    except ImportError:
        return False
    try:
        store = open_store(paths)
    except Exception:
        return False
    try:
        with store.session() as s:
            return count_edits(s, task) > 0
    finally:
        store.close()


def current_stage(paths: AppPaths, task: str, base_sha256: str, new_name: str) -> tuple[str, AdapterInfo | None]:
    """("adapter:<name>", info) for a promoted adapter, else ("few", None) or ("zero", None)."""
    current = promoted_for(paths, task, base_sha256)
    if current is not None and current.name != new_name:
        return f"adapter:{current.name}", current
    return ("few" if has_kept_edits(paths, task) else "zero"), None


def evaluate(paths: AppPaths, engine: Engine, adapter: AdapterInfo, task: Task,
             heldout: Sequence[tuple[str, str]], examples_for: ExamplesFor | None = None,
             fewshot_k: int = 4, token_budget: int = 1200, callback=None) -> tuple[StageScore, StageScore]:
    """(current stage score, new adapter score) on ``heldout`` (input, final) pairs."""
    stage, current = current_stage(paths, adapter.task, adapter.base_sha256, adapter.name)
    opened = None
    if stage == "few" and examples_for is None:
        examples_for = opened = store_examples(paths, fewshot_k, token_budget, engine.count_tokens)
        if examples_for is None:
            stage = "zero"
    try:
        _say(callback, f"Scoring the current stage ({stage}) on {len(heldout)} held-out edits...")
        base = score_stage(engine, stage, task, heldout, current, examples_for)
    finally:
        if opened is not None:
            opened.store.close()
    _say(callback, f"Scoring adapter {adapter.name!r} on {len(heldout)} held-out edits...")
    new = score_stage(engine, f"adapter:{adapter.name}", task, heldout, adapter)
    return base, new


def should_promote(baseline: StageScore, candidate: StageScore) -> bool:
    return candidate.combined > baseline.combined
