"""Generate training pairs grounded in the author's passages.

Four kinds (``KINDS``):

* ``question`` – a genuine reader's question the passage answers, answered
  from the passage;
* ``scenario`` – someone's situation that calls for the author's advice,
  answered from the passage;
* ``pushback`` – an objection to what the passage says, answered from it;
* ``rewrite`` – a plain paraphrase of the passage (made by the model) as input
  and the author's own passage text as the target: grounded by construction.

Each pair is made in one or two requests to a :class:`~draftwheel.ground.llm.Generator`
(first the input, then the answer), each a completion prompt with one built-in
demonstration and a ``###`` end marker for the local base model, or chat
messages with strict "answer only from the passage" instructions for an
endpoint. Every candidate then goes through the grounding check
(:mod:`draftwheel.ground.check`); the survivors of a batch are de-duplicated
against each other and against ``existing`` texts, and handed to ``on_batch``
(which stores them in one transaction).

Stored task names: rewrite pairs train the ``voice`` task (plain text in, the
author's wording out); the three question kinds train ``answer``. The stored
instruction says exactly what the pair asks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from draftwheel.engine.base import CancelToken
from draftwheel.errors import InputError
from draftwheel.ground.check import CheckSettings, check_pair, near_duplicates
from draftwheel.ground.documents import Passage
from draftwheel.ground.llm import GenerationError, Generator, Prompt
from draftwheel.ground.profile import AuthorProfile
from draftwheel.ground.themes import Theme, round_robin
from draftwheel.prompts import END_MARKER

log = logging.getLogger(__name__)

KINDS = ("question", "scenario", "pushback", "rewrite")


@dataclass(frozen=True)
class KindSpec:
    name: str
    task: str  # the store's task name for pairs of this kind
    instruction: str  # stored with the pair; what a trained model is asked to do
    input_label: str  # "Question", "Scenario", ...
    answer_label: str
    make_input: str  # completion-prompt line asking for the input
    chat_input: str  # chat instruction for the input
    demo_input: str
    demo_answer: str


# One demonstration passage for every kind: a base model copies a pattern far better than it follows an
# order. Its topic is deliberately unlike most people's writing, and a pair that parrots it is rejected.
DEMO_PASSAGE = (
    "Cities that want more people on bicycles should stop painting lines and start building kerbs. "
    "A painted lane protects nobody from a turning lorry, so parents keep driving their children to "
    "school, and the empty lanes are then used as proof that nobody cycles."
)

SPECS = {
    "question": KindSpec(
        "question",
        "answer",
        "Answer the question in the author's voice, using only what the author has written.",
        "Question",
        "Answer",
        "A question a curious reader genuinely asked, which the passage answers:",
        "Write one genuine question a curious reader might ask that this passage answers. "
        "Reply with the question only.",
        "Why do painted bike lanes not get more people cycling?",
        "Because a painted lane protects nobody from a turning lorry, so parents keep driving their children "
        "to school, and the empty lanes are then used as proof that nobody cycles.",
    ),
    "scenario": KindSpec(
        "scenario",
        "answer",
        "Give the author's advice for this situation, using only what the author has written.",
        "Scenario",
        "Advice",
        "A real situation, told by someone who needs the advice in the passage:",
        "Describe, in one or two sentences and in the first person, a realistic situation of someone who "
        "needs the advice this passage gives. Reply with the situation only.",
        "Our town painted new bike lanes last year, but hardly anyone uses them. What should we ask the council for?",
        "Ask for kerbs, not paint. A painted lane protects nobody from a turning lorry, so parents keep "
        "driving their children to school.",
    ),
    "pushback": KindSpec(
        "pushback",
        "answer",
        "Reply to the objection as the author would, using only what the author has written.",
        "Objection",
        "Reply",
        "A sceptical reader's objection to what the passage says:",
        "Write one short, sceptical objection a reader might raise against what this passage says. "
        "Reply with the objection only.",
        "Surely a painted lane is better than nothing?",
        "Not much: a painted lane protects nobody from a turning lorry, and the empty lanes are then used as "
        "proof that nobody cycles. Cities should stop painting lines and start building kerbs.",
    ),
    "rewrite": KindSpec(
        "rewrite",
        "voice",
        "Rewrite this plain paraphrase in the author's voice.",
        "Paraphrase",
        "Original",
        "The same passage, paraphrased plainly in simple, flat words:",
        "Paraphrase this passage plainly, in simple and flat words, keeping every point and adding nothing. "
        "Reply with the paraphrase only.",
        "Painted bike lanes do not make cycling safe, so few people use them; cities need physical barriers instead.",
        DEMO_PASSAGE,
    ),
}


def demo_texts(kind: str) -> tuple[str, ...]:
    """The demonstration's texts for ``kind``: a generated pair must not parrot them."""
    spec = SPECS[kind]
    return (spec.demo_input, spec.demo_answer)


CHAT_SYSTEM = (
    "You turn an author's own writing into training examples. Use only what the given passage says: "
    "never add facts, opinions, names, numbers or examples that are not in it. Reply with the "
    "requested text only, no preamble, no quotation marks."
)
NOT_IN_PASSAGE = "NOT IN PASSAGE"
MAX_PASSAGE_CHARS = 1400  # longer passages are cut for the prompt (the 270M model's context is 2-4k tokens)


# -- prompts ---------------------------------------------------------------------


def _passage_for_prompt(passage: Passage) -> str:
    text = passage.text
    return text if len(text) <= MAX_PASSAGE_CHARS else text[:MAX_PASSAGE_CHARS].rsplit(" ", 1)[0] + " ..."


def input_prompt(kind: str, passage: Passage, profile: AuthorProfile) -> Prompt:
    """The request for the pair's input (question, scenario, objection or paraphrase)."""
    spec = SPECS[kind]
    text = _passage_for_prompt(passage)
    completion = (
        f"Passage:\n{DEMO_PASSAGE}\n\n{spec.make_input}\n{spec.input_label}: {spec.demo_input}\n"
        f"{END_MARKER}\n\nPassage:\n{text}\n\n{spec.make_input}\n{spec.input_label}:"
    )
    messages = [
        {"role": "system", "content": CHAT_SYSTEM},
        {"role": "user", "content": f"Passage:\n{text}\n\n{spec.chat_input}"},
    ]
    max_tokens = 220 if kind == "rewrite" else 80
    return Prompt(completion, messages, stops=("\n",), max_tokens=max_tokens)


def answer_prompt(kind: str, passage: Passage, profile: AuthorProfile, given: str) -> Prompt:
    """The request for the answer to ``given``, constrained to the passage."""
    spec = SPECS[kind]
    text = _passage_for_prompt(passage)
    header = profile.prompt_header()
    rule = (
        "Answer only from the passage, in the author's own words and voice. "
        "Do not add anything the passage does not say."
    )
    completion = (
        f"{rule}\n"
        + (f"{header}\n" if header else "")
        + f"\nPassage:\n{DEMO_PASSAGE}\n\n{spec.input_label}: {spec.demo_input}\n"
        f"{spec.answer_label}: {spec.demo_answer}\n{END_MARKER}\n\n"
        f"Passage:\n{text}\n\n{spec.input_label}: {given}\n{spec.answer_label}:"
    )
    user = (f"About the author:\n{header}\n\n" if header else "") + (
        f"Passage by the author:\n{text}\n\n{spec.input_label}: {given}\n\n"
        f"Write the author's {spec.answer_label.lower()} in the author's voice, using only what the passage says. "
        f"If the passage does not answer it, reply exactly {NOT_IN_PASSAGE}."
    )
    messages = [{"role": "system", "content": CHAT_SYSTEM}, {"role": "user", "content": user}]
    stops = ("\n" + END_MARKER, "\n\n", f"\n{spec.input_label}:", "\nPassage:")
    return Prompt(completion, messages, stops=stops, max_tokens=160)


_LABEL_PREFIX = re.compile(r"^\s*(question|answer|scenario|advice|objection|reply|paraphrase|original)\s*:\s*", re.I)


def clean_generated(text: str) -> str:
    """Drop what models add around the text: labels, end marker, quotes, extra lines."""
    out = text.strip()
    if END_MARKER in out:
        out = out.split(END_MARKER, 1)[0].strip()
    out = _LABEL_PREFIX.sub("", out)
    if len(out) >= 2 and out[0] == out[-1] and out[0] in "\"'\u201c":
        out = out[1:-1].strip()
    if len(out) >= 2 and out[0] == "\u201c" and out[-1] == "\u201d":
        out = out[1:-1].strip()
    return " ".join(out.split())


# -- pairs and the report ------------------------------------------------------------


@dataclass
class Pair:
    kind: str
    task: str
    instruction: str
    input_text: str
    answer: str  # the target: the grounded answer, or the passage itself for rewrite
    passage: Passage
    theme: str
    support: float  # grounding measure from the check
    model: str = ""

    @property
    def dedupe_text(self) -> str:
        """What near-duplicate removal compares: input and answer together."""
        return f"{self.input_text} {self.answer}"

    def edit_fields(self) -> dict:
        """Columns of the store's ``edits`` row for this pair (pending review)."""
        return dict(
            task=self.task,
            instruction=self.instruction,
            input_text=self.input_text,
            output_text=self.answer,
            final_text=self.answer,
            outcome="pending",
            origin="grounded",
            include_in_training=True,
            model=self.model[:255],
            stage="zero",
            source_doc=self.passage.source or self.passage.doc,
            source_start=self.passage.start,
            source_end=self.passage.end,
            pair_kind=self.kind,
            theme=self.theme,
        )


@dataclass
class ItemNote:
    passage: str  # Passage.label
    kind: str
    message: str


@dataclass
class GenerationReport:
    generator: str = ""
    attempted: int = 0  # (passage, kind) items tried
    generated: int = 0  # items that produced a candidate pair
    grounded: int = 0  # candidates that passed the grounding check
    duplicates: int = 0  # grounded candidates dropped as near-duplicates
    kept: int = 0  # handed to on_batch (stored)
    failures: list[ItemNote] = field(default_factory=list)  # generator errors, per item
    rejections: list[ItemNote] = field(default_factory=list)  # grounding-check failures, per item
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> attempted/generated/grounded/kept
    by_theme: dict[str, int] = field(default_factory=dict)  # theme -> kept
    cancelled: bool = False
    stopped: str = ""  # why generation stopped early, if it did

    @property
    def pass_rate(self) -> float:
        """Grounding pass rate: grounded / generated (0 when nothing was generated)."""
        return self.grounded / self.generated if self.generated else 0.0

    def _count(self, kind: str, key: str, n: int = 1) -> None:
        row = self.by_kind.setdefault(kind, {"attempted": 0, "generated": 0, "grounded": 0, "kept": 0})
        row[key] += n

    def to_dict(self) -> dict:
        out = asdict(self)
        out["pass_rate"] = round(self.pass_rate, 4)
        return out

    def to_text(self) -> str:
        lines = [
            f"Generator: {self.generator}",
            f"Items tried: {self.attempted}; candidates: {self.generated}; "
            f"grounded: {self.grounded} (pass rate {self.pass_rate:.0%}); "
            f"duplicates removed: {self.duplicates}; pairs kept: {self.kept}",
        ]
        if self.by_kind:
            lines.append("By kind:")
            for kind, row in self.by_kind.items():
                lines.append(
                    f"  {kind:9s} tried {row['attempted']}, generated {row['generated']}, "
                    f"grounded {row['grounded']}, kept {row['kept']}"
                )
        if self.by_theme:
            lines.append("Kept by theme:")
            lines += [f"  {n:4d}  {theme}" for theme, n in sorted(self.by_theme.items(), key=lambda x: -x[1])]
        if self.failures:
            lines.append(f"Generation failures ({len(self.failures)}):")
            lines += [f"  {f.passage} [{f.kind}]: {f.message}" for f in self.failures]
        if self.rejections:
            lines.append(f"Rejected by the grounding check ({len(self.rejections)}):")
            lines += [f"  {r.passage} [{r.kind}]: {r.message}" for r in self.rejections]
        if self.cancelled:
            lines.append("Cancelled: pairs finished before the cancel were kept.")
        if self.stopped:
            lines.append(f"Stopped early: {self.stopped}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Progress:
    done: int  # items tried so far
    total: int  # items planned (an upper bound: generation stops once enough pairs are kept)
    kept: int
    message: str = ""  # what happened to the last item, if noteworthy
    stage: str = "generate"  # "import" (done/total count files) or "generate" (items)


def make_pair(
    kind: str,
    passage: Passage,
    theme: str,
    generator: Generator,
    profile: AuthorProfile,
    cancel: CancelToken | None = None,
) -> Pair:
    """One candidate pair (not yet checked); GenerationError when a request fails or returns nothing."""
    spec = SPECS[kind]
    given = clean_generated(generator.ask(input_prompt(kind, passage, profile), cancel))
    if not given:
        raise GenerationError(f"empty {spec.input_label.lower()}")
    if kind == "rewrite":
        answer = passage.text
    else:
        answer = clean_generated(generator.ask(answer_prompt(kind, passage, profile, given), cancel))
        if not answer:
            raise GenerationError(f"empty {spec.answer_label.lower()}")
        if NOT_IN_PASSAGE.lower() in answer.lower():
            raise GenerationError("the generator said the passage does not answer it")
    return Pair(kind, spec.task, spec.instruction, given, answer, passage, theme, 0.0, getattr(generator, "name", ""))


def plan(themes: list[Theme], kinds: tuple[str, ...] = KINDS) -> list[tuple[Theme, Passage, str]]:
    """(theme, passage, kind) items: themes round-robin, kinds rotating, no combination twice."""
    order = round_robin(themes)
    items = []
    for cycle in range(len(kinds)):
        for j, (theme, passage) in enumerate(order):
            items.append((theme, passage, kinds[(j + cycle) % len(kinds)]))
    return items


def generate_pairs(
    themes: list[Theme],
    generator: Generator,
    profile: AuthorProfile,
    *,
    n_pairs: int = 20,
    kinds: tuple[str, ...] = KINDS,
    check: CheckSettings = CheckSettings(),
    batch_size: int = 8,
    existing: Sequence[str] = (),
    on_batch: Callable[[list[Pair]], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
    max_consecutive_failures: int = 5,
    max_attempts: int | None = None,
) -> tuple[list[Pair], GenerationReport]:
    """Generate up to ``n_pairs`` checked, de-duplicated pairs.

    Items are tried in :func:`plan` order, at most ``max_attempts`` (default
    3 x ``n_pairs``). Every ``batch_size`` items the grounded candidates are
    de-duplicated (against each other, earlier kept pairs and ``existing``
    texts) and passed to ``on_batch`` — the caller stores a batch in one
    transaction; an exception there stops generation and propagates. A
    generator error is noted for its item and the next item goes on; after
    ``max_consecutive_failures`` failures in a row (an endpoint that is down)
    generation stops with that reason. ``cancel`` stops after the current
    request; finished pairs are still passed to ``on_batch``.
    """
    unknown = [k for k in kinds if k not in SPECS]
    if unknown:
        raise InputError(f"Unknown pair kind(s): {', '.join(unknown)}.", f"Use some of: {', '.join(KINDS)}.")
    items = plan(themes, kinds)[: max_attempts if max_attempts is not None else max(1, 3 * n_pairs)]
    run = _Generation(generator, profile, n_pairs, check, list(existing), on_batch, cancel, max_consecutive_failures)
    for done, (theme, passage, kind) in enumerate(items, 1):
        if len(run.kept) >= n_pairs:
            break
        if run.cancelled():
            break
        stop, message = run.attempt(theme, passage, kind)
        if stop:
            break
        if len(run.batch) >= batch_size or len(run.kept) + len(run.batch) >= n_pairs:
            run.flush()
        if on_progress is not None:
            on_progress(Progress(done, len(items), len(run.kept) + len(run.batch), message))
    run.flush()
    return run.kept, run.report


class _Generation:
    """The state of one :func:`generate_pairs` call: the report, the pending batch and the kept pairs."""

    def __init__(
        self,
        generator: Generator,
        profile: AuthorProfile,
        n_pairs: int,
        check: CheckSettings,
        seen: list[str],
        on_batch,
        cancel: CancelToken | None,
        max_failures: int,
    ):
        self.generator, self.profile, self.n_pairs, self.check = generator, profile, n_pairs, check
        self.seen = seen  # texts a new pair must not nearly duplicate
        self.on_batch, self.cancel, self.max_failures = on_batch, cancel, max_failures
        self.report = GenerationReport(generator=getattr(generator, "name", type(generator).__name__))
        self.kept: list[Pair] = []
        self.batch: list[Pair] = []  # grounded, not yet de-duplicated
        self.streak = 0  # generator failures in a row

    def cancelled(self) -> bool:
        if self.cancel is not None and self.cancel.cancelled:
            self.report.cancelled = True
            return True
        return False

    def attempt(self, theme: Theme, passage: Passage, kind: str) -> tuple[bool, str]:
        """Generate and check one item; returns (stop generating, progress message)."""
        self.report.attempted += 1
        self.report._count(kind, "attempted")
        try:
            pair = make_pair(kind, passage, theme.label, self.generator, self.profile, self.cancel)
        except GenerationError as exc:
            if self.cancelled():
                return True, ""
            return self._failed(passage, kind, str(exc))
        self.streak = 0
        if self.cancelled():  # the request was cut short: the text is partial
            return True, ""
        return False, self._judge(pair, passage, kind)

    def _failed(self, passage: Passage, kind: str, error: str) -> tuple[bool, str]:
        self.report.failures.append(ItemNote(passage.label, kind, error))
        self.streak += 1
        if self.streak >= self.max_failures:
            self.report.stopped = f"{self.streak} requests failed in a row (last: {error})"
            return True, ""
        return False, f"{passage.label} [{kind}]: {error}"

    def _judge(self, pair: Pair, passage: Passage, kind: str) -> str:
        """Check a generated pair against its passage; a grounded one joins the batch."""
        self.report.generated += 1
        self.report._count(kind, "generated")
        verdict = check_pair(kind, pair.input_text, pair.answer, passage.text, self.check, avoid=demo_texts(kind))
        pair.support = round(verdict.support, 4)
        if verdict.ok:
            self.report.grounded += 1
            self.report._count(kind, "grounded")
            self.batch.append(pair)
            return ""
        shown = pair.input_text if kind == "rewrite" or verdict.reason.startswith("input") else pair.answer
        note = f"{verdict.reason}: {_preview(shown)}"
        self.report.rejections.append(ItemNote(passage.label, kind, note))
        return f"{passage.label} [{kind}]: rejected, {note}"

    def flush(self) -> None:
        """De-duplicate the batch, hand the fresh pairs to ``on_batch`` and keep them."""
        if not self.batch:
            return
        room = self.n_pairs - len(self.kept)
        drop = set(near_duplicates([p.dedupe_text for p in self.batch], self.check.dup_threshold, existing=self.seen))
        fresh = [p for i, p in enumerate(self.batch) if i not in drop][: max(0, room)]
        self.report.duplicates += len(drop)
        self.batch = []
        if not fresh:
            return
        if self.on_batch is not None:
            self.on_batch(fresh)
        self.kept.extend(fresh)
        self.seen.extend(p.dedupe_text for p in fresh)
        self.report.kept += len(fresh)
        for p in fresh:
            self.report._count(p.kind, "kept")
            self.report.by_theme[p.theme] = self.report.by_theme.get(p.theme, 0) + 1


def _preview(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")
