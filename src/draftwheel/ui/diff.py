"""The inline word diff as HTML: deletions red and struck through, insertions green.

The diff itself (tokens, hunks, per-change decisions) is plain Python in
:mod:`draftwheel.app.review`; this module only draws it for the review panel.
Edge whitespace and changes that are only whitespace are drawn as visible
marks (a deleted space would otherwise be an invisible sliver of red).
"""

from __future__ import annotations

import html

from draftwheel.app.review import ACCEPTED, PENDING, REJECTED, Hunk, outcome, tokens
from draftwheel.app.review import SuggestionDiff as _Diff

__all__ = ["ACCEPTED", "PENDING", "REJECTED", "SuggestionDiff", "diff_html", "outcome", "tokens"]


class SuggestionDiff(_Diff):
    """The review diff with its HTML rendering."""

    def to_html(self, current: int | None = None) -> str:
        return diff_html(self, current)


def diff_html(diff: _Diff, current: int | None = None) -> str:
    """Inline diff: each change is a link ``change:N`` so a click can select it; ``current`` is outlined."""
    parts = ['<div style="white-space: pre-wrap;">']
    n = 0
    for hunk in diff.hunks:
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
# Whitespace-only text in a change is shown as these marks, so the change can be seen and clicked.
_VISIBLE = str.maketrans({" ": "\u00b7", "\n": "\u21b5\n", "\t": "\u2192"})


def _span(text: str, style: str) -> str:
    if not text:
        return ""
    shown = text.translate(_VISIBLE) if text.isspace() else text
    return f'<span style="{style}">{html.escape(shown)}</span>'


def _render_change(hunk: Hunk, selected: bool = False) -> str:
    # The selected change (the one the change buttons act on) gets a yellow backdrop.
    mark = " background-color: #ffe680;" if selected else ""
    if hunk.decision == REJECTED:  # the original stays; the proposal is shown greyed out
        return _span(hunk.old, _PLAIN + mark) + _span(hunk.new, _OFF + mark)
    if hunk.decision == ACCEPTED:  # the proposal is taken; the old text fades
        return _span(hunk.old, _OFF + mark) + _span(hunk.new, _INS + " font-weight: 600;" + mark)
    return _span(hunk.old, _DEL + mark) + _span(hunk.new, _INS + mark)
