"""Answer a question from the user's own documents, in their voice, and learn from corrections.

:func:`answer_question` takes what :func:`~draftwheel.ground.passage_search.retrieve`
found: when the documents do not cover the question it answers "Your
documents don't mention ..." without running the model (a small model asked
anyway invents); otherwise it streams the model's answer to a prompt holding
the retrieved passages (``prompts.ask``). The personal ``answer`` adapter is
the flywheel's choice (:func:`answer_adapter`); the caller applies it, as for
revisions. :func:`log_correction` stores the user's corrected answer as an
edit of task ``answer`` (question in, corrected answer out, outcome
``edited``), the same shape as grounded ``answer`` pairs, so it is training
data for that adapter.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from draftwheel.config.paths import AppPaths
from draftwheel.engine.base import CancelToken, Engine, GenerationRequest
from draftwheel.engine.revise import resolve_style
from draftwheel.errors import InputError
from draftwheel.flywheel.policy import choose_adapter
from draftwheel.ground.answer_check import check_answer, extract_answer
from draftwheel.ground.passage_search import DEFAULT_K, Retrieval, retrieve
from draftwheel.prompts import render_chat
from draftwheel.prompts.ask import (
    ANSWER_INSTRUCTION,
    ANSWER_TASK,
    ASK_REPEAT_PENALTY,
    ASK_STOPS,
    ask_messages,
    render_ask_completion,
)
from draftwheel.prompts.render import clean_output
from draftwheel.store import Store, log_edit, settings_for

MAX_ANSWER_TOKENS = 200  # two or three sentences, with room; the stops usually end it sooner


@dataclass(frozen=True)
class Source:
    """A passage an answer drew on: the document, the passage's character offsets in its text, and the text."""

    rel: str
    path: str
    folder: str
    start: int
    end: int
    heading: str
    text: str
    score: float

    @property
    def label(self) -> str:
        return f"{self.rel}:{self.start}-{self.end}"

    def as_dict(self) -> dict:
        return {
            "document": self.path,
            "rel": self.rel,
            "start": self.start,
            "end": self.end,
            "heading": self.heading,
            "score": round(self.score, 4),
        }


@dataclass
class Answer:
    question: str
    text: str
    sources: list[Source] = field(default_factory=list)
    answered: bool = True  # False: the documents do not mention it (no model ran)
    stage: str = "zero"  # "lora" with the answer adapter applied, "none" when no model ran
    adapter: str | None = None
    model: str = ""
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    support: float = 0.0  # share of the model's answer found in the passages (ground.answer_check)
    generated: str = ""  # the model's own answer (differs from ``text`` after a fallback)
    fallback: str = ""  # why the model's answer was replaced by the passage's own sentences ("" if it was not)

    def as_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "answered": self.answered,
            "stage": self.stage,
            "adapter": self.adapter,
            "model": self.model,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.prompt_tokens,
            "output_tokens": self.output_tokens,
            "support": round(self.support, 3),
            "generated": self.generated,
            "fallback": self.fallback,
            "sources": [s.as_dict() for s in self.sources],
        }


def find_passages(store: Store, question: str, k: int = DEFAULT_K) -> Retrieval:
    """:func:`retrieve` in its own short session; an empty question is refused."""
    if not question or not question.strip():
        raise InputError("Ask a question first.", 'For example: draftwheel ask "What do I say about compost?"')
    with store.session() as s:
        return retrieve(s, question, k)


def answer_adapter(paths: AppPaths, model, explicit: str | None = None):
    """The adapter an answer runs with (the flywheel's choice for task ``answer``); None: the base model."""
    return choose_adapter(paths, model, ANSWER_TASK, explicit=explicit)


def _sources(hits) -> list[Source]:
    return [Source(h.rel, h.path, h.folder, h.start, h.end, h.heading, h.text, h.score) for h in hits]


def _prompt(engine: Engine, style: str, question: str, passages: list[str]) -> tuple[str, tuple[str, ...]]:
    if style == "chat":
        sp = engine.special_tokens()
        prompt = render_chat(
            engine.chat_template() or "", ask_messages(question, passages), sp.get("bos", ""), sp.get("eos", "")
        )
        return prompt, tuple(s for s in (sp.get("eos"), "<end_of_turn>", "<|im_end|>", "<|eot_id|>") if s)
    return render_ask_completion(question, passages), ASK_STOPS


def not_mentioned(found: Retrieval, model: str = "", on_text: Callable[[str], None] | None = None) -> Answer:
    """The answer when the documents do not cover the question; no model runs (a small one would invent)."""
    text = found.not_mentioned()
    if on_text is not None:
        on_text(text)
    return Answer(found.question, text, _sources(found.hits[:1]), answered=False, stage="none", model=model)


def answer_question(
    engine: Engine,
    found: Retrieval,
    *,
    prompt_style: str = "auto",
    temperature: float = 0.0,
    seed: int | None = None,
    max_tokens: int = MAX_ANSWER_TOKENS,
    cancel: CancelToken | None = None,
    on_text: Callable[[str], None] | None = None,
    fallback: bool = True,
) -> Answer:
    """Answer ``found.question`` from ``found``'s passages with ``engine`` (streamed through ``on_text``).

    With ``fallback``, an answer the passages do not support (or an empty one, or the question
    repeated) is replaced by the best passage's own sentences; ``Answer.fallback`` says why and
    ``Answer.generated`` keeps what the model wrote. The stream shows the model's text as it
    comes; the returned ``text`` is final.
    """
    t0 = time.perf_counter()
    sources = _sources(found.leading())
    model = engine.info.model.name
    if not found.answerable:
        return not_mentioned(found, model, on_text)
    style = resolve_style(engine, prompt_style)
    passages = [s.text for s in sources]
    prompt, stops = _prompt(engine, style, found.question, passages)
    # The least relevant passages go first when the prompt and the answer would not fit the context.
    while len(passages) > 1 and engine.count_tokens(prompt) + max_tokens > engine.info.n_ctx:
        passages.pop()
        prompt, stops = _prompt(engine, style, found.question, passages)
    sources = sources[: len(passages)]
    request = GenerationRequest(
        prompt=prompt,
        max_tokens=max_tokens,
        temperature=temperature,
        seed=seed,
        stop=stops,
        repeat_penalty=ASK_REPEAT_PENALTY,
    )
    parts: list[str] = []
    last = None
    for chunk in engine.stream(request, cancel):
        last = chunk
        piece = chunk.text if parts else chunk.text.lstrip()  # the completion starts with a space
        if piece:
            parts.append(piece)
            if on_text is not None:
                on_text(piece)
    adapter = engine.adapter
    generated = clean_output("".join(parts))
    finish = (last.finish_reason if last else None) or "stop"
    score, why = check_answer(generated, found.question, passages)
    text = generated
    if fallback and why and finish != "cancelled":
        text = extract_answer(found.question, passages[0])
    return Answer(
        found.question,
        text,
        sources,
        stage="lora" if adapter is not None else "zero",
        adapter=adapter.name if adapter is not None else None,
        model=model,
        finish_reason=finish,
        prompt_tokens=last.n_prompt_tokens if last else 0,
        output_tokens=last.n_generated if last else 0,
        latency_ms=(time.perf_counter() - t0) * 1000.0,
        support=score,
        generated=generated,
        fallback=why if text != generated else "",
    )


def log_correction(store: Store, answer: Answer, corrected: str, origin: str = "app") -> int:
    """Store the user's corrected answer as an ``edited`` edit of task ``answer``; returns its id.

    The input is the question alone (as in grounded ``answer`` pairs, which an
    adapter is trained on); the first source is kept as provenance. A
    correction is an explicit request, so it is stored even while everyday
    logging is paused (redaction still applies), as grounded pairs are.
    """
    text = (corrected or "").strip()
    if not text:
        raise InputError("The corrected answer is empty.", "Write the answer as you would give it.")
    if text == answer.text.strip():
        raise InputError("The corrected answer is the same as the model's.", "Change it before saving.")
    first = answer.sources[0] if answer.sources else None
    with store.session() as s, s.begin():
        settings = dataclasses.replace(settings_for(s), logging_paused=False)
        row = log_edit(
            s,
            settings=settings,
            task=ANSWER_TASK,
            instruction=ANSWER_INSTRUCTION,
            input_text=answer.question.strip(),
            output_text=answer.text,
            final_text=text,
            outcome="edited",
            origin=origin,
            stage="lora" if answer.stage == "lora" else "zero",
            model=answer.model[:255],
            adapter=answer.adapter,
            latency_ms=answer.latency_ms,
            prompt_tokens=answer.prompt_tokens,
            output_tokens=answer.output_tokens,
            source_doc=first.path if first else None,
            source_start=first.start if first else None,
            source_end=first.end if first else None,
            pair_kind="question",
        )
        assert row is not None  # logging_paused is off above
        return row.id
