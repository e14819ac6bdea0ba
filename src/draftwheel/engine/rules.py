"""Rule-based checking with Harper (``harper-py``): fast, offline, no model.

Harper finds what the bundled 270M model misses on day one ("a hour",
"alot", "Their was", "buyed"), in about 2 ms a sentence. This module wraps
it behind plain data so the editor's live layer, "Fix grammar" and the
benchmarks share one checker. Offsets are Python ``str`` indices (code
points), as Harper's spans are.

A ``harper.Linter`` is not thread-safe and costs about a second to build,
so each thread gets its own, built once and kept.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from draftwheel.errors import DraftwheelError


class RulesUnavailable(DraftwheelError):
    pass


@dataclass(frozen=True)
class RuleIssue:
    """One problem Harper found: ``text[start:end]`` and what could replace it."""

    start: int
    end: int
    rule: str  # Harper's rule name, e.g. "AnA", "TheirToThere", "SpellCheck"
    kind: str  # Harper's lint kind, e.g. "Spelling", "Grammar", "Agreement"
    message: str
    problem: str
    replacements: tuple[str, ...]  # whole replacements for text[start:end]; "" removes it

    @property
    def fixable(self) -> bool:
        return bool(self.replacements)

    def shifted(self, by: int) -> RuleIssue:
        return RuleIssue(
            self.start + by, self.end + by, self.rule, self.kind, self.message, self.problem, self.replacements
        )


def _replacements(lint: object) -> tuple[str, ...]:
    import harper

    problem = lint.problem_text  # type: ignore[attr-defined]
    out: list[str] = []
    for s in lint.suggestions:  # type: ignore[attr-defined]
        if s.kind == harper.SuggestionKind.REPLACE:
            text = s.replacement_text
        elif s.kind == harper.SuggestionKind.REMOVE:
            text = ""
        else:  # INSERT_AFTER
            text = problem + s.replacement_text
        if text != problem and text not in out:
            out.append(text)
    return tuple(out)


@dataclass
class RuleChecker:
    """Harper with a rule set and a personal dictionary.

    ``disabled`` names rules switched off (``grammar_rules()`` gives the set
    "Fix grammar" uses); ``words`` are accepted as correctly spelled.
    """

    disabled: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    dialect: int = 0  # harper.Dialect.AMERICAN
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _generation: int = 0

    def _linter(self) -> object:
        cached = getattr(self._local, "linter", None)
        if cached is not None and self._local.generation == self._generation:
            return cached
        try:
            import harper
        except ImportError as exc:  # pragma: no cover - harper-py is a core dependency
            raise RulesUnavailable(
                "The rule-based checker (harper-py) is not installed.", "pip install harper-py"
            ) from exc
        linter = harper.Linter(self.dialect)
        if self.disabled:
            config: dict[str, bool | None] = dict(linter.get_lint_config())
            for name in self.disabled:
                if name in config:
                    config[name] = False
            linter.set_lint_config(config)
        if self.words:
            linter.import_words(list(self.words))
        self._local.linter = linter
        self._local.generation = self._generation
        return linter

    def add_words(self, words: Iterable[str]) -> None:
        """Accept ``words`` as spelled right from now on (every thread rebuilds its linter)."""
        new = [w for w in words if w and w not in self.words]
        if new:
            self.words = self.words + tuple(new)
            self._generation += 1

    def check(self, text: str, mask: str | None = None) -> list[RuleIssue]:
        """Problems in ``text``, in order, not overlapping; text matching the regular expression
        ``mask`` (Rust syntax, no look-around) is not checked."""
        if not text.strip():
            return []
        linter = self._linter()
        found: list[RuleIssue] = []
        # dedup=False: Harper's own dedup keeps the widest lint; the overlap rule below keeps fixes.
        by_rule = linter.organized_lints(text, language="plaintext", dedup=False, regex_mask=mask)  # type: ignore[attr-defined]
        for rule, lints in by_rule.items():
            for lint in lints:
                span = lint.span
                found.append(
                    RuleIssue(
                        span.start,
                        span.end,
                        rule,
                        lint.lint_kind,
                        lint.message,
                        lint.problem_text,
                        _replacements(lint),
                    )
                )
        # Overlaps: a fixable issue wins over a hint without a fix (LongSentences spans a
        # whole sentence and would hide every misspelling in it), then the narrower one.
        found.sort(key=lambda i: (not i.fixable, i.end - i.start, i.start))
        kept: list[RuleIssue] = []
        for issue in found:
            if any(issue.start < k.end and k.start < issue.end for k in kept):
                continue
            kept.append(issue)
        kept.sort(key=lambda i: (i.start, i.end))
        return kept

    def is_likely_english(self, text: str) -> bool:
        return bool(self._linter().is_likely_english(text))  # type: ignore[attr-defined]


def apply(text: str, issues: Sequence[RuleIssue], choice: int = 0) -> str:
    """``text`` with each fixable issue replaced by its ``choice``-th replacement."""
    out: list[str] = []
    pos = 0
    for issue in sorted(issues, key=lambda i: i.start):
        if not issue.fixable or issue.start < pos:
            continue
        out.append(text[pos : issue.start])
        out.append(issue.replacements[min(choice, len(issue.replacements) - 1)])
        pos = issue.end
    out.append(text[pos:])
    return "".join(out)


def all_rules() -> dict[str, bool]:
    """Every Harper rule and whether it is on by default."""
    import harper

    return dict(harper.get_default_lint_config())


FOREIGN_MIN_WORDS = 4  # shorter texts are always checked ("Thanks!" is English)
_LETTERS = re.compile(r"[^\W\d_]+")


def word_count(text: str) -> int:
    return len(_LETTERS.findall(text))


def looks_foreign(checker: RuleChecker, text: str, issues: Iterable[RuleIssue], words: int | None = None) -> bool:
    """Another language, not English with mistakes: rule fixes would "correct" every word.

    Harper's ``is_likely_english`` alone says no to "Their was alot of peoples there." and to
    "Thanks!", so it only decides when at least half of four or more words are unknown to the
    dictionary. English typed with that many misspellings is skipped too: the price of not
    rewriting every word of a German or Spanish paragraph.
    """
    words = word_count(text) if words is None else words
    if words < FOREIGN_MIN_WORDS:
        return False
    unknown = sum(1 for i in issues if i.kind == "Spelling")
    return unknown * 2 >= words and not checker.is_likely_english(text)


def personal_words(file: Path) -> tuple[str, ...]:
    """The words of the personal dictionary (the live checker's ``rules.json``); () if none or unreadable.

    Fix grammar reads them so a word the user added is not "corrected" there either.
    """
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
        return tuple(str(w) for w in raw.get("words", []) if str(w).strip())
    except (OSError, ValueError, AttributeError):
        return ()
