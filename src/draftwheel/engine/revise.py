"""Revise a whole document with an :class:`Engine`, paragraph by paragraph.

Few-shot examples come from the caller (``examples_for``), so this module
knows nothing about the store: the flywheel layer passes its retriever in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from draftwheel.engine import paragraphs, prompts
from draftwheel.engine.base import CancelToken, Engine, GenerationRequest
from draftwheel.engine.prompts import Example, Task
from draftwheel.errors import InputError

ExamplesFor = Callable[[Task, str], list[Example]]


@dataclass
class RevisionResult:
    text: str
    task: Task
    style: str
    n_prompt_tokens: int = 0
    n_cached_tokens: int = 0
    n_generated: int = 0
    generation_seconds: float = 0.0
    time_to_first_token: float | None = None
    finish_reason: str = "stop"
    n_units: int = 0
    n_examples: int = 0
    prompts: list[str] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        return self.n_generated / self.generation_seconds if self.generation_seconds > 0 else 0.0

    @property
    def cancelled(self) -> bool:
        return self.finish_reason == "cancelled"


@dataclass
class ReviseOptions:
    temperature: float = 0.0
    seed: int | None = 0
    max_new_tokens: int = 512
    prompt_style: str = "auto"  # auto | completion | chat


class _Trim:
    """Streams text with leading whitespace dropped and trailing whitespace held back."""

    def __init__(self) -> None:
        self.started = False
        self.pending = ""

    def feed(self, text: str) -> str:
        if not self.started:
            text = text.lstrip()
            if not text:
                return ""
            self.started = True
        text = self.pending + text
        body = text.rstrip()
        self.pending = text[len(body):]
        return body


def resolve_style(engine: Engine, wanted: str) -> str:
    if wanted in ("completion", "chat"):
        if wanted == "chat" and not engine.chat_template():
            raise InputError("This model has no chat template, so chat-style prompts cannot be used.",
                             "Set prompt_style to 'completion' or 'auto'.")
        return wanted
    return "chat" if engine.info.model.instruct and engine.chat_template() else "completion"


def build_prompt(engine: Engine, style: str, task: Task, body: str, examples: list[Example]) -> tuple[str, tuple[str, ...]]:
    if style == "chat":
        sp = engine.special_tokens()
        prompt = prompts.render_chat(engine.chat_template() or "", prompts.chat_messages(task, body, examples),
                                     sp.get("bos", ""), sp.get("eos", ""))
        stops = tuple(s for s in (sp.get("eos"), "<end_of_turn>", "<|im_end|>", "<|eot_id|>") if s)
        return prompt, stops
    return prompts.render_completion(task, body, examples), prompts.COMPLETION_STOPS


def fit_prompt(engine: Engine, style: str, task: Task, body: str, examples: list[Example],
               max_new: int) -> tuple[str, tuple[str, ...], int, list[Example]]:
    """Drop the least similar examples (the first ones) until prompt + output fit the context."""
    n_ctx = engine.info.n_ctx
    examples = list(examples)
    while True:
        prompt, stops = build_prompt(engine, style, task, body, examples)
        n_prompt = engine.count_tokens(prompt) + 1  # + BOS
        if n_prompt + max_new <= n_ctx:
            return prompt, stops, n_prompt, examples
        if not examples:
            raise InputError(
                f"A paragraph is too long for the model's context window "
                f"({n_prompt} prompt tokens + {max_new} for the answer > {n_ctx}).",
                "Split it into shorter paragraphs, or raise n_ctx in the settings.",
            )
        examples.pop(0)


def revise_text(
    engine: Engine,
    text: str,
    task: Task,
    options: ReviseOptions | None = None,
    examples_for: ExamplesFor | None = None,
    cancel: CancelToken | None = None,
    on_text: Callable[[str], None] | None = None,
) -> RevisionResult:
    """Revise ``text``; ``on_text`` receives the revised document as it streams."""
    options = options or ReviseOptions()
    if not text.strip():
        raise InputError("Nothing to revise: the input is empty.", "Give some text on stdin or with --file.")
    style = resolve_style(engine, options.prompt_style)
    emit = on_text or (lambda _s: None)
    units = paragraphs.split(text)
    result = RevisionResult(text="", task=task, style=style)
    started = time.perf_counter()
    out: list[str] = []

    # Check every paragraph fits before generating anything.
    plans = {}
    for i, unit in enumerate(units):
        if unit.revisable:
            n_body = engine.count_tokens(unit.body)
            max_new = min(options.max_new_tokens, 2 * n_body + 32)
            examples = examples_for(task, unit.body) if examples_for else []
            plans[i] = (max_new, *fit_prompt(engine, style, task, unit.body, examples, max_new))

    for i, unit in enumerate(units):
        if i not in plans or (cancel and cancel.cancelled):
            out.append(unit.text)
            emit(unit.text)
            continue
        max_new, prompt, stops, _n, examples = plans[i]
        result.n_units += 1
        result.n_examples = max(result.n_examples, len(examples))
        result.prompts.append(prompt)
        request = GenerationRequest(prompt=prompt, max_tokens=max_new, temperature=options.temperature,
                                    seed=options.seed, stop=stops)
        out.append(unit.prefix)
        emit(unit.prefix)
        trim = _Trim()
        body_parts: list[str] = []
        t0 = time.perf_counter()
        last = None
        for chunk in engine.stream(request, cancel):
            last = chunk
            piece = trim.feed(chunk.text)
            if piece:
                body_parts.append(piece)
                emit(piece)
        if last is not None:
            result.n_prompt_tokens += last.n_prompt_tokens
            result.n_cached_tokens += last.n_cached_tokens
            result.n_generated += last.n_generated
            result.generation_seconds += max(0.0, time.perf_counter() - t0 - last.time_to_first_token)
            if result.time_to_first_token is None and last.n_generated:
                result.time_to_first_token = (t0 - started) + last.time_to_first_token
            if last.finish_reason == "cancelled":
                result.finish_reason = "cancelled"
        body = prompts.clean_output("".join(body_parts))
        if not body:
            body = unit.body  # the model gave nothing: keep the paragraph as it was
            emit(body)
        out.append(body)
        out.append(unit.suffix)
        emit(unit.suffix)
    result.text = "".join(out)
    return result
