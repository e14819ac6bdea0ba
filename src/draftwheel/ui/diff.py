"""Word-level diff of a suggestion against the original, with per-change decisions.

Plain Python (no Qt): the review widget renders it, tests drive it directly.
Text is cut into word, whitespace and punctuation tokens and compared with
``difflib.SequenceMatcher``; each non-equal opcode becomes one change the user
can accept or reject. Undecided changes count as accepted, because applying
a suggestion means taking what it proposes unless told otherwise.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

# Words (letters, digits, apostrophes inside words), runs of whitespace, single punctuation marks.
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|\s+|[^\w\s]", re.UNICODE)

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"


def tokens(text: str) -> list[str]:
    out = _TOKEN.findall(text)
    assert "".join(out) == text  # the pattern covers every character
    return out


@dataclass
class Hunk:
    old: str
    new: str
    changed: bool
    decision: str = PENDING

    def kept(self) -> str:
        if not self.changed:
            return self.old
        return self.old if self.decision == REJECTED else self.new


class SuggestionDiff:
    """``original`` -> ``suggestion`` as a list of equal and changed hunks."""

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

    def accept_all(self) -> None:
        for i in self.changes:
            self.hunks[i].decision = ACCEPTED

    def reject_all(self) -> None:
        for i in self.changes:
            self.hunks[i].decision = REJECTED

    def result(self) -> str:
        """The text with every change applied unless it was rejected."""
        return "".join(h.kept() for h in self.hunks)

    def counts(self) -> dict[str, int]:
        out = {PENDING: 0, ACCEPTED: 0, REJECTED: 0}
        for i in self.changes:
            out[self.hunks[i].decision] += 1
        return out

    def to_html(self, current: int | None = None) -> str:
        """Inline diff: deletions red struck through, insertions green.

        Each change is a link ``change:N`` so a click can select it; the
        ``current`` change gets an outline.
        """
        parts = ['<div style="white-space: pre-wrap;">']
        n = 0
        for hunk in self.hunks:
            if not hunk.changed:
                parts.append(html.escape(hunk.old))
                continue
            parts.append(f'<a href="change:{n}" style="text-decoration: none;">')
            parts.append(_render_change(hunk, selected=(n == current)))
            parts.append("</a>")
            n += 1
        parts.append("</div>")
        return "".join(parts)


_DEL = "color: #b3261e; background-color: #fde7e7; text-decoration: line-through;"
_INS = "color: #1b6e20; background-color: #e3f6e3; text-decoration: none;"
_OFF = "color: #9a9a9a; text-decoration: line-through;"
_PLAIN = "color: #202020; text-decoration: none;"


def _span(text: str, style: str) -> str:
    return f'<span style="{style}">{html.escape(text)}</span>' if text else ""


def _render_change(hunk: Hunk, selected: bool = False) -> str:
    # The selected change (the one the change buttons act on) gets a yellow backdrop.
    mark = " background-color: #ffe680;" if selected else ""
    if hunk.decision == REJECTED:  # the original stays; the proposal is shown greyed out
        return _span(hunk.old, _PLAIN + mark) + _span(hunk.new, _OFF + mark)
    if hunk.decision == ACCEPTED:  # the proposal is taken; the old text fades
        return _span(hunk.old, _OFF + mark) + _span(hunk.new, _INS + " font-weight: 600;" + mark)
    return _span(hunk.old, _DEL + mark) + _span(hunk.new, _INS + mark)


def _hunks(original: str, suggestion: str) -> list[Hunk]:
    a, b = tokens(original), tokens(suggestion)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    raw: list[Hunk] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        raw.append(Hunk(old, new, op != "equal"))
    # A change, a lone space, a change reads better as one change ("go to" -> "went to").
    merged: list[Hunk] = []
    for hunk in raw:
        if (hunk.changed and len(merged) >= 2 and merged[-1].old.isspace() and not merged[-1].changed
                and merged[-2].changed):
            space = merged.pop()
            prev = merged.pop()
            hunk = Hunk(prev.old + space.old + hunk.old, prev.new + space.new + hunk.new, True)
        merged.append(hunk)
    return merged


def outcome(original: str, suggestion: str, final: str) -> str:
    """How the user answered a suggestion, as stored: accepted, edited or rejected."""
    if final == suggestion:
        return "accepted"
    if final == original:
        return "rejected"
    return "edited"
