"""What a style has learned: the changes the user makes again and again, from the store's own diffs,
and the style's stage history with its held-out scores.

Each kept edit (accepted or edited, marked for training, not undone) is
diffed word by word, input against the text the user kept. Every differing
run of at most :data:`MAX_SPAN` words on either side is one change: a
replacement ("don't → do not"), a removal ("removes 'very'") or an addition
("adds 'please'"). A change counts once per edit however often it occurs in
it; words are compared ignoring case, and the form the user wrote most often
is shown. Changes seen in fewer than ``min_count`` edits are left out: one-off
corrections are not a habit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy.orm import Session

from draftwheel.store import KEPT_OUTCOMES, list_edits, list_runs

MAX_SPAN = 3  # words on either side of one change
SPLIT_MAX = 8  # replaced runs up to this many words a side are split around respellings
SIMILAR = 0.75  # words this alike (difflib ratio) are one word respelled
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Change:
    before: str  # "" for an addition
    after: str  # "" for a removal
    count: int  # edits that make it

    @property
    def kind(self) -> str:
        return "adds" if not self.before else "removes" if not self.after else "replaces"

    def text(self) -> str:
        times = f"{self.count} time{'s' * (self.count != 1)}"
        if self.kind == "adds":
            return f"adds “{self.after}”, {times}"
        if self.kind == "removes":
            return f"removes “{self.before}”, {times}"
        return f"{self.before} → {self.after}, {times}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind, "text": self.text()}


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _join(words: list[str]) -> str:
    out = ""
    for w in words:
        out += w if (not out or (len(w) == 1 and not w.isalnum())) else f" {w}"
    return out


def _split(a: list[str], b: list[str]) -> list[tuple[list[str], list[str]]]:
    """One replaced run as smaller changes around its most similar word pair (a respelling such as
    organize/organise), so "Don't organize" → "Do not organise" is two habits, not one."""
    if (len(a) < 2 and len(b) < 2) or not a or not b or len(a) > SPLIT_MAX or len(b) > SPLIT_MAX:
        return [(a, b)]  # a longer rewrite is not a habit of a few words (and would cost time to split)
    best, at = 0.0, (0, 0)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            ratio = SequenceMatcher(None, x.casefold(), y.casefold()).ratio()
            if ratio > best:
                best, at = ratio, (i, j)
    if best < SIMILAR:
        return [(a, b)]
    i, j = at
    out = _split(a[:i], b[:j]) if (i or j) else []
    out.append((a[i : i + 1], b[j : j + 1]))
    if a[i + 1 :] or b[j + 1 :]:
        out.extend(_split(a[i + 1 :], b[j + 1 :]))
    return out


def edit_changes(before: str, after: str) -> list[tuple[str, str]]:
    """(before, after) word runs that differ between two texts, in order (at most MAX_SPAN words a side)."""
    a, b = tokens(before), tokens(after)
    matcher = SequenceMatcher(None, [w.casefold() for w in a], [w.casefold() for w in b], autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        for x, y in _split(a[i1:i2], b[j1:j2]):
            if (x or y) and x != y and len(x) <= MAX_SPAN and len(y) <= MAX_SPAN:
                out.append((_join(x), _join(y)))
    return out


def recurring_changes(pairs: Iterable[tuple[str, str]], min_count: int = 2, limit: int = 20) -> list[Change]:
    """The changes made in at least ``min_count`` of the (input, kept text) pairs, most frequent first."""
    counts: Counter[tuple[str, str]] = Counter()
    forms: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
    for before, after in pairs:
        seen = set()
        for change in edit_changes(before, after):
            key = (change[0].casefold(), change[1].casefold())
            if key in seen:
                continue
            seen.add(key)
            counts[key] += 1
            forms.setdefault(key, Counter())[change] += 1
    ranked = sorted(((n, key) for key, n in counts.items() if n >= max(1, min_count)), key=lambda t: (-t[0], t[1]))
    return [Change(*forms[key].most_common(1)[0][0], count=n) for n, key in ranked[:limit]]


def learned_changes(session: Session, key: str, min_count: int = 2, limit: int = 20) -> list[Change]:
    """:func:`recurring_changes` over the kept edits of the style ``key``."""
    edits = list_edits(session, task=key, outcomes=KEPT_OUTCOMES, training_only=True, newest_first=False)
    return recurring_changes(((e.input_text, e.final_text) for e in edits), min_count, limit)


@dataclass(frozen=True)
class StageScore:
    """One point of a style's stage history: a held-out score of a stage or an adapter."""

    when: str  # ISO time of the training run
    stage: str  # "zero", "few" or "adapter:<name>"
    gleu: float
    chrf: float
    promoted: bool = False
    n_heldout: int = 0

    def text(self) -> str:
        mark = " (promoted)" if self.promoted else ""
        return f"{self.when[:16]}  {self.stage:24} GLEU {self.gleu:6.2f}  chrF {self.chrf:6.2f}{mark}"


def stage_history(session: Session, key: str) -> list[StageScore]:
    """Each finished training of the style, oldest first: the stage it was scored against, then its adapter."""
    out = []
    for run in reversed(list_runs(session, key)):
        scores = run.scores or {}
        when = run.started_at.isoformat() if run.started_at else ""
        n = int(scores.get("n_heldout", run.n_heldout) or 0)
        for part in ("baseline", "adapter"):
            s = scores.get(part)
            if isinstance(s, dict) and "gleu" in s:
                promoted = part == "adapter" and bool(scores.get("promoted"))
                out.append(StageScore(when, str(s.get("stage", part)), float(s["gleu"]), float(s["chrf"]), promoted, n))
    return out
