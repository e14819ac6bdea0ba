"""One suggestion under review, from the request to the outcome that is logged (plain Python, no Qt).

A :class:`ReviewSession` owns the revised span of the document (character
offsets), the suggestion, its word diff with a decision per change, and
turns the user's answer into a :class:`Resolution`: the text that replaces
the span and the store record of what was actually applied. The window only
shows this state and applies the resolution to its editor.

Whitespace at the edges of the span belongs to the user: only the words
between it are sent to the model, and the suggestion is put back between
the same leading and trailing whitespace, so a selection that ends in a
space never loses it ("working on" never becomes "workingon").

:class:`AppliedHistory` follows accepted suggestions after the review closed:
undo and redo of the one edit block each was applied as (the window reports
its document's undo and redo depths) and edits the user makes to it right
after, so the store holds what the user really kept.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from draftwheel.engine.prompts import Task

# Per-change decisions. Undecided changes count as accepted: applying a
# suggestion means taking what it proposes unless told otherwise.
PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
# Session states.
STREAMING, READY, EDITING, CLOSED = "streaming", "ready", "editing", "closed"
# The user's answers.
ACCEPT_ALL, APPLY, REJECT = "accept_all", "apply", "reject"

# Words (letters, digits, apostrophes inside words), runs of whitespace, single punctuation marks.
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|\s+|[^\w\s]", re.UNICODE)


def tokens(text: str) -> list[str]:
    out = _TOKEN.findall(text)
    assert "".join(out) == text  # the pattern covers every character
    return out


def edges(text: str) -> tuple[str, str, str]:
    """``(leading whitespace, words, trailing whitespace)``; their concatenation is ``text``."""
    core = text.strip()
    if not core:
        return text, "", ""
    lead = text[: len(text) - len(text.lstrip())]
    return lead, core, text[len(lead) + len(core) :]


def outcome(original: str, suggestion: str, final: str) -> str:
    """How the user answered a suggestion, judged by the text alone: accepted, edited or rejected.

    A suggestion that changed nothing and was kept counts as accepted; the
    session overrides this with "rejected" when the user pressed Reject.
    """
    if final == suggestion:
        return "accepted"
    if final == original:
        return "rejected"
    return "edited"


@dataclass
class Hunk:
    """``old`` (at ``start`` in the original) is replaced by ``new`` when the hunk is a kept change."""

    old: str
    new: str
    changed: bool
    decision: str = PENDING
    start: int = 0  # character offset of ``old`` in the original

    @property
    def end(self) -> int:
        return self.start + len(self.old)

    def kept(self) -> str:
        if not self.changed:
            return self.old
        return self.old if self.decision == REJECTED else self.new


class SuggestionDiff:
    """``original`` -> ``suggestion`` as a list of equal and changed hunks, one decision per change."""

    def __init__(self, original: str, suggestion: str):
        self.original = original
        self.suggestion = suggestion
        self.hunks = _hunks(original, suggestion)

    @property
    def changes(self) -> list[int]:
        """Indices (into ``hunks``) of the changed hunks, in document order."""
        return [i for i, h in enumerate(self.hunks) if h.changed]

    def change(self, n: int) -> Hunk:
        return self.hunks[self.changes[n]]

    def set_decision(self, n: int, decision: str) -> None:
        assert decision in (PENDING, ACCEPTED, REJECTED)
        self.change(n).decision = decision

    def toggle(self, n: int) -> str:
        hunk = self.change(n)
        hunk.decision = ACCEPTED if hunk.decision == REJECTED else REJECTED
        return hunk.decision

    def accept_rest(self) -> None:
        """Accept every change not decided yet; a rejected change stays rejected."""
        for i in self.changes:
            if self.hunks[i].decision == PENDING:
                self.hunks[i].decision = ACCEPTED

    def accept_all(self) -> None:
        for i in self.changes:
            self.hunks[i].decision = ACCEPTED

    def reject_all(self) -> None:
        for i in self.changes:
            self.hunks[i].decision = REJECTED

    @property
    def decided(self) -> bool:
        """Whether the user has made a choice on any change."""
        return any(self.hunks[i].decision != PENDING for i in self.changes)

    def result(self) -> str:
        """The text with every change applied unless it was rejected."""
        return "".join(h.kept() for h in self.hunks)

    def counts(self) -> dict[str, int]:
        out = {PENDING: 0, ACCEPTED: 0, REJECTED: 0}
        for i in self.changes:
            out[self.hunks[i].decision] += 1
        return out


def _hunks(original: str, suggestion: str) -> list[Hunk]:
    lead, core, trail = edges(original)
    if core and suggestion.strip() and edges(suggestion)[::2] == (lead, trail):
        # The same edge whitespace on both sides (the session puts the user's back): diff the words
        # only, so no change is ever placed in the edges ("a " -> "a a " inserts before the space).
        inner = _word_hunks(core, edges(suggestion)[1], len(lead))
        return [
            h
            for h in [Hunk(lead, lead, False), *inner, Hunk(trail, trail, False, start=len(lead) + len(core))]
            if h.old or h.new
        ]
    return _word_hunks(original, suggestion, 0)


def _word_hunks(original: str, suggestion: str, offset: int) -> list[Hunk]:
    a, b = tokens(original), tokens(suggestion)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    raw: list[Hunk] = []
    pos = offset
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        raw.append(Hunk(old, new, op != "equal", start=pos))
        pos += len(old)
    # A change, a lone space, a change reads better as one change ("go to" -> "went to").
    merged: list[Hunk] = []
    for hunk in raw:
        if (
            hunk.changed
            and len(merged) >= 2
            and merged[-1].old.isspace()
            and not merged[-1].changed
            and merged[-2].changed
        ):
            space = merged.pop()
            prev = merged.pop()
            hunk = Hunk(prev.old + space.old + hunk.old, prev.new + space.new + hunk.new, True, start=prev.start)
        merged.append(hunk)
    return merged


@dataclass(frozen=True)
class RejectedUnit:
    """A part of the text whose suggestion the engine's output check refused (the part was kept)."""

    original: str
    attempt: str
    reason: str


def rejected_units(suggestion: Any) -> list[RejectedUnit]:
    """The suggestion's refused parts, from ``(original, attempt, reason)`` tuples or objects."""
    out = []
    items = getattr(suggestion, "rejected", None) or getattr(suggestion, "rejected_units", None) or ()
    for item in items:
        if isinstance(item, (tuple, list)):
            out.append(RejectedUnit(*(str(x) for x in item[:3])))
        else:
            out.append(
                RejectedUnit(
                    str(getattr(item, "original", "")),
                    str(getattr(item, "attempt", "")),
                    str(getattr(item, "reason", "")),
                )
            )
    return out


@dataclass(frozen=True)
class WarnedUnit:
    """A part of the suggestion offered with a borderline meaning score: "may change your meaning"."""

    original: str
    revision: str
    score: float


def warned_units(suggestion: Any) -> list[WarnedUnit]:
    """The suggestion's borderline parts, from ``(original, revision, score)`` tuples."""
    return [WarnedUnit(str(o), str(r), float(sc)) for o, r, sc in getattr(suggestion, "warned", None) or ()]


@dataclass(frozen=True)
class Resolution:
    """What the user's answer does: replace ``[start, end)`` with ``text`` and log ``record``."""

    start: int
    end: int
    original: str  # what the span held
    text: str
    outcome: str
    record: dict[str, Any] | None  # ``draftwheel.store.log_edit`` keywords; None: nothing to log

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def cursor(self) -> int:
        """Where the cursor goes afterwards: just after the revised span, nothing selected.

        In characters; an editor that counts positions otherwise (Qt counts UTF-16 units) measures
        the end of the text it inserted itself.
        """
        return self.start + len(self.text)


@dataclass
class ReviewSession:
    original: str  # the revised span of the document, exactly as it was
    start: int  # its character offsets in the document: [start, end)
    end: int
    task: Task
    job: int = 0
    state: str = STREAMING
    streamed: list[str] = field(default_factory=list)
    suggestion: Any | None = None  # workers.engine_worker.Suggestion once finished
    diff: SuggestionDiff | None = None
    edited_text: str | None = None  # set while/after the user edits the suggestion
    current: int = 0  # the selected change
    no_good: str | None = None  # why no suggestion is offered (every part failed the output check)
    rejected: list[RejectedUnit] = field(default_factory=list)
    warned: list[WarnedUnit] = field(default_factory=list)  # offered parts that may change the meaning

    def __post_init__(self) -> None:
        self.lead, self.core, self.trail = edges(self.original)

    # -- the request ---------------------------------------------------------
    @property
    def request_text(self) -> str:
        """What the model is asked to revise: the span without its edge whitespace."""
        return self.core

    def with_edges(self, revised: str) -> str:
        """The model's revision of the words, between the user's own edge whitespace."""
        return self.lead + revised.strip() + self.trail

    # -- streaming -------------------------------------------------------------
    @property
    def text(self) -> str:
        """The suggestion so far (all of it once finished), with the span's edges."""
        if self.suggestion is not None:
            return self.proposed
        return self.lead + "".join(self.streamed).lstrip()

    @property
    def proposed(self) -> str:
        """The whole suggestion for the span (the original when none is offered)."""
        if self.suggestion is None or self.no_good is not None:
            return self.original
        return self.with_edges(self.suggestion.text)

    @property
    def attempt(self) -> str:
        """What the model wrote for the refused parts (shown on request, never applied)."""
        return "\n\n".join(u.attempt for u in self.rejected)

    def add(self, piece: str) -> None:
        self.streamed.append(piece)

    def live_diff(self) -> SuggestionDiff:
        """Diff against what has streamed so far (the original's unseen tail is not shown as deleted)."""
        text = self.text
        if self.state == STREAMING:
            return SuggestionDiff(self.original[: len(text)], text)
        return self.diff or SuggestionDiff(self.original, text)

    def finish(self, suggestion: Any) -> None:
        self.suggestion = suggestion
        self.rejected = rejected_units(suggestion)
        self.warned = warned_units(suggestion)
        every_part_refused = getattr(suggestion, "all_rejected", None)
        if every_part_refused is None:  # an engine that does not say: judge by the text
            every_part_refused = bool(self.rejected) and suggestion.text.strip() == self.core
        if every_part_refused:
            reasons = list(dict.fromkeys(u.reason for u in self.rejected if u.reason))
            self.no_good = "; ".join(reasons) or "the model's answer failed the output check"
        self.diff = SuggestionDiff(self.original, self.proposed)
        self.current = 0
        self.state = READY

    # -- decisions -------------------------------------------------------------
    @property
    def changes(self) -> int:
        return len(self.diff.changes) if self.diff else 0

    @property
    def offers(self) -> bool:
        """Whether there is a suggestion to accept (not a refused attempt)."""
        return self.state in (READY, EDITING) and self.no_good is None

    def select(self, n: int) -> None:
        if self.changes:
            self.current = n % self.changes

    def move(self, step: int) -> None:
        self.select(self.current + step)

    def decide(self, decision: str, n: int | None = None) -> None:
        """Accept or reject one change (the selected one by default), then select the next."""
        if self.state != READY or not self.changes or self.no_good is not None:
            return
        n = self.current if n is None else n
        assert self.diff is not None
        self.diff.set_decision(n, decision)
        if n == self.current and self.current < self.changes - 1:
            self.current += 1

    def toggle(self, n: int) -> None:
        if self.state == READY and self.diff is not None and 0 <= n < self.changes and self.no_good is None:
            self.current = n
            self.diff.toggle(n)

    @property
    def decided(self) -> bool:
        return self.diff is not None and self.diff.decided

    @property
    def accept_label(self) -> str:
        """ "Accept the rest" once a change was decided: it never overrides those choices."""
        return "Accept the rest" if self.decided and self.state == READY else "Accept all"

    @property
    def meaning(self) -> float | None:
        """The suggestion's meaning score (engine.meaning), when the engine gave one."""
        score = getattr(self.suggestion, "meaning", None)
        return None if score is None else float(score)

    @property
    def meaning_note(self) -> str:
        """ "" or the review's warning that an offered part may change the text's meaning."""
        if not self.warned or not self.offers:
            return ""
        first = self.warned[0].original
        first = first if len(first) <= 50 else first[:47] + "…"
        k = len(self.warned)
        more = f" (and {k - 1} more part{'s' * (k != 2)})" if k > 1 else ""
        return f"May change your meaning: “{first}”{more}. Check before accepting."

    def confirm_question(self, answer: str) -> str:
        """ "" or what to ask before ``answer`` applies suggestions that may change the meaning.

        Accept all asks when a warned part's revision would go into the text (not rejected change by
        change, and not already edited by the user, who has then seen it).
        """
        if answer != ACCEPT_ALL or not self.warned or not self.offers or self.state != READY:
            return ""
        assert self.diff is not None
        if all(self.diff.hunks[i].decision == REJECTED for i in self.diff.changes):
            return ""
        k = len(self.warned)
        parts = "One part" if k == 1 else f"{k} parts"
        return (
            f"{parts} of this suggestion may change your meaning (names, numbers, negations or content "
            "differ from your text). Accept all the same?"
        )

    def start_editing(self) -> str:
        assert self.diff is not None
        self.edited_text = self.diff.result()
        self.state = EDITING
        return self.edited_text

    # -- answers -----------------------------------------------------------------
    def final_text(self, answer: str) -> str:
        """The text that replaces the span for ``answer`` (ACCEPT_ALL, APPLY or REJECT)."""
        if answer == REJECT or not self.offers:
            return self.original
        if self.state == EDITING and self.edited_text is not None:
            return self.edited_text
        assert self.diff is not None
        if answer == ACCEPT_ALL:
            self.diff.accept_rest()
        return self.diff.result()

    def resolve(self, answer: str) -> Resolution:
        """Close the review with the user's answer; the window applies the result and logs its record."""
        assert self.suggestion is not None and self.state in (READY, EDITING)
        final = self.final_text(answer)
        result = "rejected" if answer == REJECT or not self.offers else outcome(self.original, self.proposed, final)
        record = self.record(final, result) if self.no_good is None and final.strip() else None
        self.state = CLOSED
        return Resolution(self.start, self.end, self.original, final, result, record)

    def record(self, final: str, result: str) -> dict[str, Any]:
        """The store record (``draftwheel.store.log_edit`` keyword arguments) for this outcome."""
        s = self.suggestion
        assert s is not None
        return {
            "task": self.task.name,
            "instruction": self.task.instruction,
            "input_text": self.original,
            "output_text": self.proposed,
            "final_text": final,
            "outcome": result,
            "model": s.model,
            "adapter": s.adapter,
            "stage": s.stage,
            "latency_ms": round(s.latency_ms, 1),
            "prompt_tokens": s.prompt_tokens,
            "output_tokens": s.output_tokens,
            "origin": "app",
        }


@dataclass
class Applied:
    """An accepted suggestion in the document after its review closed."""

    record: dict[str, Any]
    step: int  # the document's undo depth (commands) right after applying: it is undone below this
    edit_id: int | None = None  # the store's id, once the store has answered
    undone: bool = False
    final: str = ""  # the final text the store holds (or will hold)

    def __post_init__(self) -> None:
        self.final = self.final or self.record["final_text"]


@dataclass(frozen=True)
class StoreUpdate:
    """One change to a stored outcome: ``undone`` set, or the kept text corrected."""

    edit_id: int
    undone: bool | None = None
    final_text: str | None = None


class AppliedHistory:
    """Accepted suggestions still reachable by undo/redo, and their store ids.

    Outcomes are logged on one store thread in the order they were asked, so
    the ids come back in that order (:meth:`logged` pairs them up).
    """

    def __init__(self) -> None:
        self.items: list[Applied] = []
        self._awaiting: list[Applied | None] = []  # one entry per outcome sent to the store, in order

    def sent(self, applied: Applied | None) -> None:
        """An outcome went to the store; ``applied`` when it was accepted into the document."""
        self._awaiting.append(applied)
        if applied is not None:
            self.items.append(applied)

    def logged(self, edit_id: int | None) -> list[StoreUpdate]:
        """The store answered the oldest outcome sent (None: not stored, e.g. logging paused)."""
        if not self._awaiting:
            return []
        applied = self._awaiting.pop(0)
        if applied is None:
            return []
        if edit_id is None:
            self._forget(applied)
            return []
        applied.edit_id = edit_id
        out = []
        if applied.undone:  # undone before the store answered
            out.append(StoreUpdate(edit_id, undone=True))
        if applied.final != applied.record["final_text"]:
            out.append(StoreUpdate(edit_id, final_text=applied.final))
        return out

    def command_added(self) -> None:
        """The user changed the text: the redo stack is gone, undone suggestions stay undone."""
        self.items = [a for a in self.items if not a.undone]

    def sync(self, undo_steps: int, redo_steps: int) -> list[StoreUpdate]:
        """Compare the document's undo/redo depths with each suggestion's step; return the store updates."""
        out: list[StoreUpdate] = []
        keep: list[Applied] = []
        for a in self.items:
            if undo_steps + redo_steps < a.step:
                # The history no longer reaches this step (new document, or new text after an
                # undo cleared the redo stack): its stored state is final.
                continue
            now_undone = undo_steps < a.step
            if now_undone != a.undone:
                a.undone = now_undone
                if a.edit_id is not None:
                    out.append(StoreUpdate(a.edit_id, undone=now_undone))
            keep.append(a)
        self.items = keep
        return out

    def corrected(self, applied: Applied, text: str) -> list[StoreUpdate]:
        """The user edited the applied text right afterwards; ``text`` is what the span holds now."""
        if applied.undone or text == applied.final or not text.strip():
            return []
        applied.final = text
        return [StoreUpdate(applied.edit_id, final_text=text)] if applied.edit_id is not None else []

    def _forget(self, applied: Applied) -> None:
        self.items = [a for a in self.items if a is not applied]


def write_update(store: Any, update: StoreUpdate) -> None:
    """Apply one :class:`StoreUpdate` to ``store`` (a ``draftwheel.store.Store``) in its own transaction.

    A corrected final text also sets the outcome it now means (accepted,
    edited, or rejected when the user typed the original back).
    """
    from draftwheel.store.edits import get_edit, set_undone, update_edit

    with store.session() as s, s.begin():
        if update.undone is not None:
            set_undone(s, update.edit_id, update.undone)
        if update.final_text is not None:
            edit = get_edit(s, update.edit_id)
            update_edit(
                s,
                update.edit_id,
                final_text=update.final_text,
                outcome=outcome(edit.input_text, edit.output_text or "", update.final_text),
            )
