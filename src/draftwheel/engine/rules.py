"""Rule-based checking with Harper (``harper-py``): fast, offline, no model.

Harper finds what the bundled 270M model misses on day one ("a hour",
"alot", "Their was", "buyed"), in about 2 ms a sentence. This module wraps
it behind plain data so the editor's live layer, "Fix grammar" and the
benchmarks share one checker. Offsets are Python ``str`` indices (code
points), as Harper's spans are.

A ``harper.Linter`` is not thread-safe and costs about a second to build, so
one thread owns every Harper object and keeps the linters it has built.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from draftwheel.errors import DraftwheelError


class RulesUnavailable(DraftwheelError):
    pass


T = TypeVar("T")


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


class _HarperThread:
    """The one thread that touches Harper.

    harper-py's objects must be made, used and freed on one thread: a linter kept per thread
    segfaulted in CI when the main thread's garbage collector ran while a worker thread was
    linting. So every call goes through this thread, and only plain Python data (``RuleIssue``,
    ``bool``) leaves it. Built linters are kept by configuration (a build costs about a second).
    """

    KEEP = 4  # linters kept: live checking and Fix grammar use different rule sets

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], object], Future[object]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def call(self, fn: Callable[[], T]) -> T:
        if threading.current_thread() is self._thread:
            return fn()
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="harper", daemon=True)
                self._thread.start()
        done: Future[object] = Future()
        self._jobs.put((fn, done))
        return done.result()  # type: ignore[return-value]

    def _run(self) -> None:
        while True:
            fn, done = self._jobs.get()
            try:
                done.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                done.set_exception(exc)
            del fn, done  # drop Harper objects here, on this thread


_HARPER = _HarperThread()


def harper_cpu_seconds() -> float:
    """CPU time the Harper thread has used, in seconds (0.0 before its first call, or where
    the platform has no per-thread clocks). Benchmarks add it to the caller's thread time."""
    thread = _HARPER._thread
    if thread is None or thread.ident is None or not hasattr(time, "pthread_getcpuclockid"):
        return 0.0
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    except OSError:  # the thread has ended
        return 0.0


_LINTERS: OrderedDict[tuple[int, frozenset[str], tuple[str, ...]], object] = OrderedDict()  # harper thread only


def _linter(dialect: int, disabled: frozenset[str], words: tuple[str, ...]) -> object:
    """A linter for this configuration; call on the Harper thread only."""
    key = (dialect, disabled, words)
    cached = _LINTERS.get(key)
    if cached is not None:
        _LINTERS.move_to_end(key)
        return cached
    try:
        import harper
    except ImportError as exc:  # pragma: no cover - harper-py is a core dependency
        raise RulesUnavailable("The rule-based checker (harper-py) is not installed.", "pip install harper-py") from exc
    linter = harper.Linter(dialect)
    if disabled:
        config: dict[str, bool | None] = dict(linter.get_lint_config())
        for name in disabled:
            if name in config:
                config[name] = False
        linter.set_lint_config(config)
    if words:
        linter.import_words(list(words))
    _LINTERS[key] = linter
    while len(_LINTERS) > _HarperThread.KEEP:
        _LINTERS.popitem(last=False)
    return linter


def _lint(linter: object, text: str, mask: str | None) -> list[RuleIssue]:
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
    return found


# Sentence openers that take a comma after them ("In fact, ..."), as style guides list them.
# Harper 0.2.0 has no such rule, and on JFLEG dev a missing comma is the commonest difference
# between what the rules leave and what people wrote (151 of the 4-reference-weighted diffs;
# docs/evaluation.md, "Rules and the model"). Left out: openers that are as often prepositions
# or adverbs of degree ("Besides the point", "Instead of", "Hence the name", "So", "Then").
INTRO_COMMA = "IntroductoryComma"
_OPENERS = (
    "However", "Therefore", "Furthermore", "Moreover", "In addition", "In fact", "For example",
    "For instance", "In my opinion", "In conclusion", "In summary", "Firstly", "Secondly",
    "Thirdly", "Finally", "Lastly", "Thus", "Consequently", "Nevertheless", "Nonetheless",
    "Meanwhile", "Additionally", "Of course", "On the other hand", "As a result", "In other words",
    "To sum up", "Unfortunately", "Fortunately", "Overall", "In general", "To conclude", "In short",
    "Otherwise", "Also",
)  # fmt: skip
_OPENER = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=[.!?][\"”’)]\s)|(?<=\n))[ \t]*("
    + "|".join(re.escape(o) for o in sorted(_OPENERS, key=len, reverse=True))
    + r")(?=[ \t]+[^\W\d_])(?![ \t]+(?:much|many|hard|long|little|far|often|well|good|bad)\b)",
    re.IGNORECASE,
)


def _intro_commas(text: str, mask: str | None) -> list[RuleIssue]:
    masked: list[tuple[int, int]] = []
    if mask:
        try:
            masked = [m.span() for m in re.finditer(mask, text)]
        except re.error:  # Rust-only syntax: check everything
            masked = []
    out = []
    for m in _OPENER.finditer(text):
        start, end = m.span(1)
        if any(a < end and start < b for a, b in masked):
            continue
        word = m.group(1)
        out.append(
            RuleIssue(
                start, end, INTRO_COMMA, "Punctuation",
                f"Put a comma after “{word}” when it opens a sentence.", word, (word + ",",),
            )
        )  # fmt: skip
    return out


@dataclass
class RuleChecker:
    """Harper with a rule set and a personal dictionary.

    ``disabled`` names rules switched off (``grammar_rules()`` gives the set
    "Fix grammar" uses); ``words`` are accepted as correctly spelled. Safe to
    use from any thread: the work runs on the one Harper thread.
    """

    disabled: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    dialect: int = 0  # harper.Dialect.AMERICAN

    def _on_harper(self, work: Callable[[object], T]) -> T:
        dialect, disabled, words = self.dialect, self.disabled, self.words
        return _HARPER.call(lambda: work(_linter(dialect, disabled, words)))

    def add_words(self, words: Iterable[str]) -> None:
        """Accept ``words`` as spelled right from now on (the next check builds a new linter)."""
        new = [w for w in words if w and w not in self.words]
        if new:
            self.words = self.words + tuple(new)

    def check(self, text: str, mask: str | None = None) -> list[RuleIssue]:
        """Problems in ``text``, in order, not overlapping; text matching the regular expression
        ``mask`` (Rust syntax, no look-around) is not checked."""
        if not text.strip():
            return []
        found = self._on_harper(lambda linter: _lint(linter, text, mask))
        if INTRO_COMMA not in self.disabled:
            found += _intro_commas(text, mask)
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
        return self._on_harper(lambda linter: bool(linter.is_likely_english(text)))  # type: ignore[attr-defined]


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

    def read() -> dict[str, bool]:
        import harper

        return dict(harper.get_default_lint_config())

    return _HARPER.call(read)


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
