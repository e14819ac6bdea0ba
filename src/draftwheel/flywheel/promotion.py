"""Evaluation and promotion of a freshly trained adapter, and the whole finish of a training run.

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

:func:`finish_adapter` is what ``draftwheel train`` (and the background
trainer) call once training ends: write the llama.cpp LoRA GGUF and
``adapter.json`` into a temporary folder renamed into place, with the PEFT
folder kept as ``peft/``; then score the held-out split at the current stage
and with the adapter and promote it only if it scores higher; both scores go
into ``adapter.json``, the store's ``adapters`` row and the training run's
row. Failures before the rename leave nothing behind (a full disk included);
a failing evaluation leaves the adapter registered but not promoted, and is
raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from draftwheel.config import AppPaths, load_settings
from draftwheel.engine.base import Engine
from draftwheel.engine.revise import ReviseOptions, revise_text
from draftwheel.errors import DraftwheelError
from draftwheel.flywheel import adapters as registry
from draftwheel.flywheel.retrieve import retrieve_examples
from draftwheel.flywheel.styles import resolve_in
from draftwheel.models.adapter_info import AdapterInfo, adapter_ref
from draftwheel.models.adapter_registry import promoted_for
from draftwheel.models.catalogue import ModelEntry
from draftwheel.prompts import Example, Task
from draftwheel.store import count_edits, open_store, update_run
from draftwheel.train.export import describe_adapter, gguf_writer
from draftwheel.train.metrics import chrf, gleu

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
        return {
            "stage": self.stage,
            "gleu": round(self.gleu, 2),
            "chrf": round(self.chrf, 2),
            "combined": round(self.combined, 2),
        }


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
    return gleu(list(sources), list(outputs), [list(finals)]), chrf(list(outputs), [list(finals)])


def revise_all(
    engine: Engine,
    task: Task,
    sources: Sequence[str],
    examples_for: ExamplesFor | None,
    options: ReviseOptions | None = None,
) -> list[str]:
    options = options or ReviseOptions(temperature=0.0, seed=0)
    # One line in, one line out, so outputs stay aligned with their sources.
    return [" ".join(revise_text(engine, s, task, options, examples_for=examples_for).text.split()) for s in sources]


def score_stage(
    engine: Engine,
    stage: str,
    task: Task,
    pairs: Sequence[tuple[str, str]],
    adapter: AdapterInfo | None = None,
    examples_for: ExamplesFor | None = None,
    options: ReviseOptions | None = None,
) -> StageScore:
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


class StoreExamples:
    """An ExamplesFor reading an open store; whoever made it closes ``store``."""

    def __init__(self, store: Any, k: int, token_budget: int, count_tokens=None):
        self.store = store
        self.k = k
        self.token_budget = token_budget
        self.count_tokens = count_tokens

    def __call__(self, task: Task, text: str) -> list[Example]:
        with self.store.session() as s:
            found = retrieve_examples(
                s, task, text, k=self.k + 1, token_budget=self.token_budget, count_tokens=self.count_tokens
            )
        keep = [e for e in found if e.input.strip() != text.strip()]
        return keep[-self.k :] if self.k else []


def store_examples(paths: AppPaths, k: int, token_budget: int, count_tokens=None) -> StoreExamples | None:
    """Few-shot examples from the store, as the app would pick them, minus the edit being revised.

    A held-out edit is itself in the store: retrieving it as an example for
    its own input would hand the model the answer, so an example whose input
    equals the text is dropped (one more is retrieved to make up for it).
    None when the store is unavailable.
    """
    try:
        store = open_store(paths)
    except Exception as exc:  # the store is optional here; evaluation falls back to zero-shot
        log.warning("few-shot baseline unavailable: %s", exc)
        return None
    return StoreExamples(store, k, token_budget, count_tokens)


def has_kept_edits(paths: AppPaths, task: str) -> bool:
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


def evaluate(
    paths: AppPaths,
    engine: Engine,
    adapter: AdapterInfo,
    task: Task,
    heldout: Sequence[tuple[str, str]],
    examples_for: ExamplesFor | None = None,
    fewshot_k: int = 4,
    token_budget: int = 1200,
    callback=None,
) -> tuple[StageScore, StageScore]:
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
    from draftwheel.flywheel.policy import should_promote as policy_says  # the one place that decides

    return policy_says(baseline.combined, candidate.combined)


# -- the end of a training run ----------------------------------------------------


def _pairs(heldout_pairs: Sequence[Any]) -> list[tuple[str, str]]:
    """(input, final) tuples from tuples, ``dataset.Pair``s or store edits."""
    out = []
    for p in heldout_pairs or ():
        if isinstance(p, (tuple, list)) and len(p) >= 2:
            out.append((str(p[0]), str(p[1])))
        elif hasattr(p, "input") and hasattr(p, "final"):
            out.append((p.input, p.final))
        elif hasattr(p, "input_text") and hasattr(p, "final_text"):
            out.append((p.input_text, p.final_text))
        else:
            raise TypeError(f"held-out pair of unknown shape: {p!r}")
    return out


def finish_adapter(
    paths: AppPaths,
    peft_dir: str | Path,
    base_entry: ModelEntry,
    name: str | None,
    task: str | Task,
    training_figures: Any,
    heldout_pairs: Sequence[Any],
    engine=None,
    callback=None,
    *,
    run_id: int | None = None,
    examples_for=None,
    evaluate: bool = True,
) -> AdapterInfo:
    """Export, register, evaluate and maybe promote the PEFT adapter in ``peft_dir``.

    ``training_figures``: a ``train.trainer.AdapterResult`` or a dict (steps,
    n_train, losses, tokens/s ...). ``heldout_pairs``: the held-out split,
    never trained on. ``engine``: a loaded llama.cpp engine on ``base_entry``
    (reused, its adapter restored); None loads one. ``run_id``: the store's
    training run, whose scores and adapter name are filled in.
    ``examples_for``: few-shot source for the baseline (default: the store).
    ``evaluate=False`` registers only (no scores, never promoted).
    """
    task_obj = resolve_in(paths, task=task) if isinstance(task, str) else task  # a preset or a style's key
    heldout = _pairs(heldout_pairs)
    info = describe_adapter(peft_dir, base_entry, name, task_obj.name, training_figures, len(heldout))
    info.style = registry.style_definition(paths, task_obj.name)  # the style it belongs to, as defined now
    _say(callback, f"Writing adapter {info.name!r} as a llama.cpp GGUF...")
    info = registry.create_adapter(paths, info, gguf_writer(peft_dir, base_entry, info.name), peft_dir=peft_dir)
    if not evaluate or not heldout:
        if not heldout and evaluate:
            _say(callback, "No held-out edits: the adapter is kept but not promoted.")
        _record_run(paths, run_id, info, {})
        return info
    baseline, candidate = _evaluate_with(paths, engine, base_entry, info, task_obj, heldout, examples_for, callback)
    info, scores = _decide(paths, info, baseline, candidate, len(heldout), callback)
    _record_run(paths, run_id, info, scores)
    return info


def _evaluate_with(
    paths: AppPaths,
    engine,
    base_entry: ModelEntry,
    info: AdapterInfo,
    task: Task,
    heldout: list[tuple[str, str]],
    examples_for,
    callback,
) -> tuple[StageScore, StageScore]:
    """:func:`evaluate` on ``engine``, or on a llama.cpp engine loaded (and closed) for it."""
    settings = load_settings(paths)
    own_engine = engine is None
    if own_engine:
        from draftwheel.engine.llama import LlamaEngine

        engine = LlamaEngine(base_entry, n_ctx=settings.n_ctx, n_threads=settings.n_threads, seed=settings.seed)
    elif getattr(engine.info.model, "sha256", base_entry.sha256) != base_entry.sha256:
        raise DraftwheelError(
            f"The engine runs {engine.info.model.name}, but the adapter was trained on {base_entry.name}."
        )
    try:
        return evaluate(
            paths,
            engine,
            info,
            task,
            heldout,
            examples_for=examples_for,
            fewshot_k=settings.fewshot_k,
            token_budget=settings.fewshot_token_budget,
            callback=callback,
        )
    finally:
        if own_engine:
            engine.close()


def _decide(
    paths: AppPaths, info: AdapterInfo, baseline: StageScore, candidate: StageScore, n_heldout: int, callback
) -> tuple[AdapterInfo, dict]:
    """Record both scores on the adapter and promote it if it beats the current stage."""
    promoted = should_promote(baseline, candidate)
    scores = {
        "baseline": baseline.to_dict(),
        "adapter": candidate.to_dict(),
        "n_heldout": n_heldout,
        "promoted": promoted,
        "rule": "mean of GLEU and chrF higher than the current stage's",
    }
    info = registry.update_adapter(paths, info.name, scores=scores, n_heldout=n_heldout)
    if promoted:
        info = registry.promote(paths, info.name)
    verdict = "promoted" if promoted else f"kept, not promoted (current stage {baseline.stage} stays)"
    _say(
        callback,
        f"Held-out GLEU / chrF: current stage {baseline.gleu:.2f} / {baseline.chrf:.2f}, "
        f"adapter {candidate.gleu:.2f} / {candidate.chrf:.2f}: {verdict}.",
    )
    return info, scores


def _record_run(paths: AppPaths, run_id: int | None, info: AdapterInfo, scores: dict) -> None:
    if run_id is None:
        return
    try:
        store = open_store(paths)
        try:
            with store.session() as s, s.begin():
                update_run(s, run_id, scores=dict(scores), adapter_name=info.name)
        finally:
            store.close()
    except DraftwheelError as exc:
        log.warning("training run %s: scores not recorded (%s)", run_id, exc)
