"""Revise a whole document with an :class:`Engine`, paragraph by paragraph.

Few-shot examples come from the caller (``examples_for``), so this module
knows nothing about the store: the flywheel layer passes its retriever in.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from draftwheel.engine import combine, guard, meaning, paragraphs, prompts, units
from draftwheel.engine.base import CancelToken, Engine, GenerationRequest
from draftwheel.engine.prompts import Example, Task
from draftwheel.errors import InputError

ExamplesFor = Callable[[Task, str], list[Example]]
# Added to the instruction for the retry of an answer that failed the guard (benchmarks/meaning_retry.py).
LITERAL = "Keep every name, number, date and negation; change only the wording."


def literal_task(task: Task) -> Task:
    """``task`` with an instruction that asks for a more literal revision."""
    return dataclasses.replace(task, instruction=f"{task.instruction.rstrip()} {LITERAL}")


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
    units: list[UnitOutcome] = field(default_factory=list)

    source_text: str = ""  # the input, for :meth:`variant`

    def variant(self, name: str) -> str:
        """The result as it would read with each unit's :meth:`UnitOutcome.variant` ("raw", "model").

        Everything between units is the user's text, copied (see :func:`revise_text`), so
        a variant is the input with each unit's span replaced; ``draftwheel eval`` scores
        the raw answers, the guarded model alone and the final text from one run.
        """
        out, pos = [], 0
        for u in self.units:
            out += [self.source_text[pos : u.start], u.variant(name)]
            pos = u.end
        out.append(self.source_text[pos:])
        return "".join(out)

    @property
    def tokens_per_s(self) -> float:
        return self.n_generated / self.generation_seconds if self.generation_seconds > 0 else 0.0

    @property
    def cancelled(self) -> bool:
        return self.finish_reason == "cancelled"

    @property
    def rejected_units(self) -> list[tuple[str, str, str]]:
        """(source, the model's attempt, why it was not used) for each unit that kept its source."""
        return [(u.source, u.attempt, u.reason) for u in self.units if u.kept_original and u.reason != "cancelled"]

    @property
    def meaning(self) -> float:
        """How faithfully the result keeps the text's meaning (engine.meaning): the units' scores,
        weighted by their length (a unit that kept its source counts as 1)."""
        weights = [max(len(u.source), 1) for u in self.units]
        if not weights:
            return 1.0
        return round(sum(w * u.output_meaning for w, u in zip(weights, self.units, strict=True)) / sum(weights), 4)

    @property
    def warned_units(self) -> list[UnitOutcome]:
        """Units offered with a borderline meaning score: the review marks them "may change your meaning"."""
        return [u for u in self.units if u.warn]

    @property
    def all_rejected(self) -> bool:
        """Every unit the model tried kept its source because the answers failed the check."""
        tried = [u for u in self.units if u.reason != "cancelled"]
        return bool(tried) and all(u.kept_original for u in tried)


@dataclass
class ReviseOptions:
    temperature: float = 0.0
    seed: int | None = 0
    rules: str = "auto"  # engine.combine.RULE_MODES: Harper's fixes with the model's (grammar), none, or alone
    rule_words: tuple[str, ...] = ()  # the personal dictionary: words the rules must not "fix"
    max_new_tokens: int = 512
    prompt_style: str = "auto"  # auto | completion | chat
    unit_budget: int = units.DEFAULT_BUDGET  # tokens per revised unit (engine.units)
    # Check each answer (engine.guard), retry once and keep the source when it fails. False: the model's
    # first answer as-is (no check, no retry, no fallback), for measuring the raw model.
    guard: bool = True


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
        self.pending = text[len(body) :]
        return body


def resolve_style(engine: Engine, wanted: str) -> str:
    if wanted in ("completion", "chat"):
        if wanted == "chat" and not engine.chat_template():
            raise InputError(
                "This model has no chat template, so chat-style prompts cannot be used.",
                "Set prompt_style to 'completion' or 'auto'.",
            )
        return wanted
    return "chat" if engine.info.model.instruct and engine.chat_template() else "completion"


def build_prompt(
    engine: Engine, style: str, task: Task, body: str, examples: list[Example]
) -> tuple[str, tuple[str, ...]]:
    if style == "chat":
        sp = engine.special_tokens()
        prompt = prompts.render_chat(
            engine.chat_template() or "",
            prompts.chat_messages(task, body, examples),
            sp.get("bos", ""),
            sp.get("eos", ""),
        )
        stops = tuple(s for s in (sp.get("eos"), "<end_of_turn>", "<|im_end|>", "<|eot_id|>") if s)
        return prompt, stops
    return prompts.render_completion(task, body, examples), prompts.COMPLETION_STOPS


def fit_prompt(
    engine: Engine, style: str, task: Task, body: str, examples: list[Example], max_new: int
) -> tuple[str, tuple[str, ...], int, list[Example]]:
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


@dataclass
class UnitOutcome:
    """One revised unit: ``text[start:end]`` of the input became ``output``."""

    start: int
    end: int
    source: str
    output: str  # what the result's text holds for this unit
    attempt: str  # the model's last answer, kept for "view the attempt"
    reason: str = ""  # why the attempt was not used (empty when it was)
    finish_reason: str = "stop"
    n_examples: int = 0
    tries: int = 1
    rule_fixes: int = 0  # Harper's fixes in ``output`` (engine.combine)
    meaning: float = 1.0  # engine.meaning's score of ``attempt`` (1 without a check: guard off, or no answer)
    first: str | None = None  # the model's first answer, unchecked (None: the model was not asked)
    model_output: str | None = None  # ``output`` before the rule fixes were joined in

    def variant(self, name: str) -> str:
        """This unit in a variant of the result: "raw" (first answer, unchecked), "model" (no rules)."""
        if name == "raw":
            return self.first if self.first is not None and self.reason != "cancelled" else self.source
        if name == "model":
            return self.model_output if self.model_output is not None else self.output
        return self.output

    @property
    def kept_original(self) -> bool:
        """The answer was refused and nothing else changed the unit (rule fixes count as a change)."""
        return bool(self.reason) and self.output == self.source

    @property
    def output_meaning(self) -> float:
        """The score of what the result holds: the answer's, or 1 when the source was kept."""
        return 1.0 if self.kept_original else self.meaning

    @property
    def warn(self) -> bool:
        """Offered, but the meaning score is in the warn band (between guard.meaning REJECT and WARN)."""
        return not self.kept_original and self.meaning < meaning.WARN


@dataclass(frozen=True)
class _Call:
    """What every unit of one ``revise_text`` call shares."""

    engine: Engine
    style: str  # the prompt style resolved for the engine
    task: Task
    options: ReviseOptions
    examples_for: ExamplesFor | None
    cancel: CancelToken | None
    result: RevisionResult  # counts and prompts of the whole call accumulate here
    started: float  # time.perf_counter() at the call's start, for time to first token
    checker: combine.rules.RuleChecker | None  # Harper, when rules join the model for this task


def _generate(call: _Call, request: GenerationRequest) -> tuple[str, str]:
    """Run one request to the end; returns (answer, finish reason) and adds its counts to the call's result."""
    engine, cancel, result, started = call.engine, call.cancel, call.result, call.started
    trim = _Trim()
    parts: list[str] = []
    t0 = time.perf_counter()
    last = None
    for chunk in engine.stream(request, cancel):
        last = chunk
        parts.append(trim.feed(chunk.text))
    if last is None:
        return "", "stop"
    result.n_prompt_tokens += last.n_prompt_tokens
    result.n_cached_tokens += last.n_cached_tokens
    result.n_generated += last.n_generated
    result.generation_seconds += max(0.0, time.perf_counter() - t0 - last.time_to_first_token)
    if result.time_to_first_token is None and last.n_generated:
        result.time_to_first_token = (t0 - started) + last.time_to_first_token
    return prompts.clean_output("".join(parts)), last.finish_reason or "stop"


def _revise_unit(call: _Call, source: str) -> UnitOutcome:
    """Revise one unit, check the answer, retry once, and fall back to the source.

    The retry drops the retrieved examples when there were any (a copied
    example is the commonest few-shot failure); otherwise it asks again with a
    more literal instruction (:func:`literal_task`). On the meaning guard's dev
    half (docs/evaluation.md, "Meaning guard") that recovered 1 of 15 failed
    greedy answers with a mean meaning score of 0.125, against 0 of 15 and
    0.026 for one sample at temperature 0.7 (the retry before).
    """
    engine, task, options, examples_for = call.engine, call.task, call.options, call.examples_for
    n_src = engine.count_tokens(source)
    # Room for a revision of the unit: 3x its tokens + 48 is never reached by a
    # real revision of a <= 96-token unit and stops a runaway one early.
    # An answer is not a revision: a short question may well get a long answer.
    max_new = options.max_new_tokens if task.answers else min(options.max_new_tokens, 3 * n_src + 48)
    examples = examples_for(task, source) if examples_for else []
    demos = list(task.demos)
    outcome = UnitOutcome(0, 0, source, source, "")
    tries = [(examples, options.temperature, options.seed, task)]
    if examples:
        tries.append(([], options.temperature, options.seed, task))
    else:
        tries.append(([], options.temperature, options.seed, literal_task(task)))
    for n, (shown, temperature, seed, asked) in enumerate(tries, 1):
        prompt, stops, _n, shown = fit_prompt(engine, call.style, asked, source, shown, max_new)
        call.result.prompts.append(prompt)
        request = GenerationRequest(prompt=prompt, max_tokens=max_new, temperature=temperature, seed=seed, stop=stops)
        answer, finish = _generate(call, request)
        outcome.attempt, outcome.finish_reason, outcome.tries = answer, finish, n
        if n == 1:
            outcome.first = answer
        outcome.n_examples = max(outcome.n_examples, len(shown))
        if finish == "cancelled":
            outcome.reason = "cancelled"
            return outcome
        if not options.guard:  # scored for the record, used whatever the score
            outcome.output = answer
            outcome.meaning = meaning.meaning_score(task.name, source, answer).score if answer.strip() else 0.0
            return outcome
        verdict = guard.check_output(task.name, source, answer, demos + [(e.input, e.output) for e in shown], finish)
        outcome.meaning = verdict.meaning
        if verdict.ok:
            outcome.output, outcome.reason = answer, ""
            return outcome
        outcome.reason = verdict.reason
    return outcome


def _revised(call: _Call, source: str) -> UnitOutcome:
    """One unit through the model (unless rules="only"), then Harper's fixes the model left out."""
    checker = call.checker
    if checker is not None and call.options.rules == "only":
        outcome = UnitOutcome(0, 0, source, source, source)
    else:
        outcome = _revise_unit(call, source)
    if checker is None or outcome.reason == "cancelled":
        return outcome
    outcome.model_output = outcome.output
    issues = checker.check(source)
    if combine.rules.looks_foreign(checker, source, issues):  # rule fixes would "correct" every word
        return outcome
    joined = combine.combine(source, outcome.output, issues)
    outcome.output, outcome.rule_fixes = joined.text, joined.rule_fixes
    return outcome


# A paragraph-at-a-time task (a personal preset: its grounded pairs are whole passages, up to 1,400
# characters, ~350 tokens) still goes sentence by sentence in a paragraph longer than this, so prompt,
# examples and answer keep fitting the context window instead of failing on one long paragraph.
PARAGRAPH_UNIT_MAX_TOKENS = 400


def _units_of(engine: Engine, task: Task, body: str, options: ReviseOptions) -> list[units.Span]:
    if task.paragraph_units and engine.count_tokens(body) <= PARAGRAPH_UNIT_MAX_TOKENS:
        return [units.Span(0, len(body))]
    return units.plan_units(body, engine.count_tokens, options.unit_budget)


def revise_text(
    engine: Engine,
    text: str,
    task: Task,
    options: ReviseOptions | None = None,
    examples_for: ExamplesFor | None = None,
    cancel: CancelToken | None = None,
    on_text: Callable[[str], None] | None = None,
) -> RevisionResult:
    """Revise ``text``; ``on_text`` receives the revised document piece by piece.

    Each paragraph is revised in units of about a sentence (engine.units);
    the whitespace around and between units is the user's and is copied, not
    generated. A unit's answer is checked (engine.guard) before it is emitted,
    so what streams out is what the result holds: a unit whose answer fails the
    check twice keeps its source text, and ``result.units`` says why.
    """
    options = options or ReviseOptions()
    if task.answers:  # an answer shares few words with its question: the revision guard would refuse every one
        options = dataclasses.replace(options, guard=False)
    if not text.strip():
        raise InputError("Nothing to revise: the input is empty.", "Give some text on stdin or with --file.")
    style = resolve_style(engine, options.prompt_style)
    checker = combine.checker_for(options.rule_words) if combine.uses_rules(task.name, options.rules) else None
    emit = on_text or (lambda _s: None)
    result = RevisionResult(text="", task=task, style=style, source_text=text)
    call = _Call(engine, style, task, options, examples_for, cancel, result, time.perf_counter(), checker)
    out: list[str] = []

    def put(piece: str) -> None:
        if piece:
            out.append(piece)
            emit(piece)

    offset = 0  # of the current paragraph unit in ``text``
    for para in paragraphs.split(text):
        body_at = offset + len(para.prefix)
        offset += len(para.text)
        if not para.revisable:
            put(para.text)
            continue
        put(para.prefix)
        body, pos = para.body, 0
        for span in _units_of(engine, task, body, options):
            put(body[pos : span.start])
            source = body[span.start : span.end]
            pos = span.end
            if cancel and cancel.cancelled:
                put(source)
                continue
            outcome = _revised(call, source)
            outcome.start, outcome.end = body_at + span.start, body_at + span.end
            result.units.append(outcome)
            result.n_units += 1
            result.n_examples = max(result.n_examples, outcome.n_examples)
            put(outcome.output)
        put(body[pos:])
        put(para.suffix)
    result.text = "".join(out)
    finishes = {u.finish_reason for u in result.units}
    if (cancel and cancel.cancelled) or "cancelled" in finishes:
        result.finish_reason = "cancelled"
    elif "length" in finishes:
        result.finish_reason = "length"
    return result
