"""Edits in the coordinates of the source text, from any proposer, merged.

A rule checker proposes edits at exact spans; a model proposes a whole new
text. Aligning the model's text to the source word by word turns it into
edits too (*hunks*), so "Fix grammar" can choose between the two per span:
each edit replaces ``source[start:end]`` and edits never overlap once merged.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|\S", re.UNICODE)


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str
    origin: str  # "model" or "rules"
    n_source: int = 0  # source words the edit covers (0 for a pure insertion)
    n_output: int = 0  # words it writes


def _tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _TOKEN.finditer(text)]


def model_hunks(source: str, output: str) -> list[Edit]:
    """The model's ``output`` as edits of ``source`` (word-level alignment; whitespace is not an edit)."""
    src, out = _tokens(source), _tokens(output)
    a = [source[s:e] for s, e in src]
    b = [output[s:e] for s, e in out]
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":  # same words; the spacing between them may still differ ("world ." -> "world.")
            for k in range(1, i2 - i1):
                gap_s = source[src[i1 + k - 1][1] : src[i1 + k][0]]
                gap_o = output[out[j1 + k - 1][1] : out[j1 + k][0]]
                if gap_s != gap_o and ("\n" not in gap_s + gap_o):
                    edits.append(Edit(src[i1 + k - 1][1], src[i1 + k][0], gap_o, "model"))
            continue
        if i1 < i2:  # replace or delete: source words i1..i2-1
            start, end = src[i1][0], src[i2 - 1][1]
            if j1 < j2:
                text = output[out[j1][0] : out[j2 - 1][1]]
            else:  # delete, with the space before it (or after it at the start)
                text = ""
                if i1 > 0:
                    start = src[i1 - 1][1]
                elif i2 < len(src):
                    end = src[i2][0]
        else:  # insert before source word i1
            if i1 > 0:
                start = end = src[i1 - 1][1]
                text = output[out[j1 - 1][1] : out[j2 - 1][1]] if j1 > 0 else " " + output[out[j1][0] : out[j2 - 1][1]]
            else:
                start = end = src[0][0] if src else 0
                text = output[out[j1][0] : out[j2][0]] if j2 < len(out) else output[out[j1][0] : out[j2 - 1][1]] + " "
        edits.append(Edit(start, end, text, "model", i2 - i1, j2 - j1))
    return edits


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:  # insertions clash only at the same point or inside
        return (a.start < b.end and b.start < a.end) or a.start == b.start
    return a.start < b.end and b.start < a.end


def merge(first: Iterable[Edit], second: Iterable[Edit]) -> list[Edit]:
    """All of ``first``, then each edit of ``second`` that overlaps none of them; sorted."""
    kept = sorted(first, key=lambda e: (e.start, e.end))
    for edit in second:
        if not any(_overlaps(edit, k) for k in kept):
            kept.append(edit)
    return sorted(kept, key=lambda e: (e.start, e.end))


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """``source`` with non-overlapping ``edits`` applied (overlapping later ones are skipped)."""
    out: list[str] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos:
            continue
        out.append(source[pos : edit.start])
        out.append(edit.text)
        pos = edit.end
    out.append(source[pos:])
    return "".join(out)
