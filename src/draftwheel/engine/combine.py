"""Fix grammar = the model's answer, plus Harper's fixes where the model left the words alone.

On day one the bundled 270M model misses most errors a rule checker finds
("a hour", "alot", "Their was", "buyed"), and Harper alone cannot fix
agreement or word order it has no rule for. Chosen on JFLEG dev
(docs/evaluation.md, "Rules and the model"): the model revises each unit as
before; its answer becomes word-aligned edits (:mod:`draftwheel.engine.edits`)
and every Harper fix whose span the model did not touch is added. Rules
before the model, or the model's answer re-checked, scored the same within
noise and cost a second pass; this order needs one model call and one check.

A unit whose answer the output check refused still gets its rule fixes, so
"Fix grammar" is never worse than the rules alone on that unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from draftwheel.engine import rules
from draftwheel.engine.edits import Edit, apply_edits, merge, model_hunks

# ReviseOptions.rules: "auto" combines for the grammar task, "off" is the model
# alone, "only" is Harper alone (no model call; the fastest "Fix grammar").
RULE_MODES = ("auto", "off", "only")
RULE_TASKS = frozenset({"grammar"})

_shared: dict[tuple[str, ...], rules.RuleChecker] = {}


def uses_rules(task_name: str, mode: str) -> bool:
    return mode == "only" or (mode == "auto" and task_name in RULE_TASKS)


def checker_for(words: Sequence[str] = ()) -> rules.RuleChecker:
    """One checker per personal word list, kept for the process (building Harper costs ~1 s)."""
    key = tuple(sorted(words))
    checker = _shared.get(key)
    if checker is None:
        checker = rules.RuleChecker(words=key)
        _shared[key] = checker
    return checker


@dataclass(frozen=True)
class Combined:
    text: str
    rule_fixes: int  # Harper fixes applied (the model had left their spans alone)
    model_edits: int  # the model's word-aligned edits kept


def looks_like_a_name(source: str, issue: rules.RuleIssue) -> bool:
    """An unknown capitalised word inside a sentence ("Krall", "Minh"): a name, not a typo.

    Harper would "fix" Krall -> Kraal and Minh -> Min. Leaving the 16 such
    words on JFLEG dev alone cost nothing (45.46 -> 45.47 GLEU, rules alone);
    the live checker still underlines them, so the user decides.
    """
    if issue.kind != "Spelling" or not issue.problem[:1].isupper():
        return False
    before = source[: issue.start].rstrip()
    return bool(before) and before[-1] not in '.!?:"“'


@lru_cache(maxsize=1)
def _speller() -> Any:
    from spellchecker import SpellChecker

    return SpellChecker()


def spelling_fix(issue: rules.RuleIssue) -> str:
    """The replacement for a misspelling: the commonest word near it, else Harper's first.

    Harper orders suggestions by edit distance ("cigarrets" -> "garrets"); pyspellchecker
    picks by word frequency among edits ("cigarets"). On all 754 JFLEG dev sentences,
    rules alone: 45.46 GLEU with Harper's first suggestion, 45.72 with this
    (benchmarks/grammar_combine.py --spelling).
    """
    word = issue.problem
    if " " in word or not word.isalpha():
        return issue.replacements[0]
    best = _speller().correction(word.lower())
    if not best or best == word.lower():
        return issue.replacements[0]
    if word[:1].isupper():
        best = best[:1].upper() + best[1:]
    return best


def rule_edits(source: str, issues: Sequence[rules.RuleIssue]) -> list[Edit]:
    return [
        Edit(i.start, i.end, spelling_fix(i) if i.kind == "Spelling" else i.replacements[0], "rules")
        for i in issues
        if i.fixable and not looks_like_a_name(source, i)
    ]


def combine(source: str, answer: str, issues: Sequence[rules.RuleIssue]) -> Combined:
    """``answer`` (the model's revision of ``source``) with the rule fixes it left out."""
    model = model_hunks(source, answer) if answer != source else []
    edits = merge(model, rule_edits(source, issues))
    n_rules = sum(1 for e in edits if e.origin == "rules")
    return Combined(apply_edits(source, edits), n_rules, len(edits) - n_rules)
