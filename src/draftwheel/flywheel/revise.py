"""Revision through the flywheel: pick the stage, fetch examples, revise."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from draftwheel.config import Settings
from draftwheel.config.paths import AppPaths
from draftwheel.engine.base import CancelToken, Engine
from draftwheel.engine.prompts import Example, Task
from draftwheel.engine.revise import ReviseOptions, RevisionResult, revise_text
from draftwheel.engine.rules import personal_words
from draftwheel.errors import DraftwheelError
from draftwheel.flywheel.policy import choose_stage
from draftwheel.flywheel.retrieve import retrieve_examples
from draftwheel.flywheel.styles import resolve
from draftwheel.store import Store


def options_from(settings: Settings) -> ReviseOptions:
    return ReviseOptions(
        temperature=settings.temperature,
        seed=settings.seed,
        max_new_tokens=settings.max_new_tokens,
        prompt_style=settings.prompt_style,
    )


def examples_for_store(store: Store, engine: Engine, settings: Settings) -> Callable[[Task, str], list[Example]]:
    """An ``examples_for`` callback for :func:`revise_text` backed by the store (one short session per call)."""

    def examples_for(task: Task, body: str) -> list[Example]:
        with store.session() as s:
            return retrieve_examples(
                s,
                task,
                body,
                k=settings.fewshot_k,
                token_budget=settings.fewshot_token_budget,
                count_tokens=engine.count_tokens,
            )

    return examples_for


def revise_with_flywheel(
    engine: Engine,
    store: Store,
    settings: Settings,
    text: str,
    task: Task | str,
    mode: str = "auto",
    cancel: CancelToken | None = None,
    on_text: Callable[[str], None] | None = None,
    options: ReviseOptions | None = None,
) -> tuple[RevisionResult, str]:
    """Revise ``text`` at the stage the flywheel picks (or ``mode``); returns (result, stage).

    ``zero``: no retrieved examples (the task's built-in demonstration only).
    ``few``: the user's most similar kept edits, most similar last.
    ``lora``: an adapter is applied to ``engine`` (the caller chose it, e.g.
    with :func:`draftwheel.models.adapters.choose_adapter`, and applied it with
    ``engine.use_adapter``); the prompt is zero-shot, as adapters are trained on
    zero-shot prompts. In ``auto`` mode without an applied adapter the policy
    picks zero or few; a promoted adapter the user switched off means few.
    Nothing is logged: the user has not kept anything yet.
    """
    if isinstance(task, str):  # a preset's name or a style's key
        with store.session() as s:
            task = resolve(s, task=task)
    applied = engine.adapter is not None
    if applied and mode in ("auto", "lora"):
        stage = "lora"
    else:
        with store.session() as s:
            stage = choose_stage(s, task.name, mode, getattr(engine.info.model, "sha256", None) or None)
        if stage == "lora":  # promoted adapter exists, but none is applied
            if mode == "lora":
                raise DraftwheelError(
                    "lora mode needs the task's adapter applied to the model.",
                    "Pass --adapter NAME, or use --mode auto.",
                )
            stage = "few"
    examples_for = examples_for_store(store, engine, settings) if stage == "few" else None
    if options is None:
        # The live checker's personal dictionary lives beside the store; its words are not "fixed" here either.
        words = personal_words(AppPaths(store.path.parent).rules_file)
        options = dataclasses.replace(options_from(settings), rule_words=words)
    result = revise_text(engine, text, task, options, examples_for=examples_for, cancel=cancel, on_text=on_text)
    return result, stage
