"""The editor's live checking layer, in plain Python (the widgets are in ``ui/live_check.py``).

As the user types, each changed paragraph is checked by Harper
(:mod:`draftwheel.engine.rules`) on a worker thread; this module decides what
is checked and when, what a result means, and what is stored:

- :class:`LiveCheck` keeps results by paragraph text (a paragraph typed back to
  an earlier text is not checked again), queues the paragraphs that need a
  check, hands them out in batches a few thousand characters long (a 20,000-word
  document is checked piece by piece, never in one call), and drops a result
  whose paragraph changed while it was being checked.
- :func:`check_paragraph` runs on the worker thread: it skips text with no
  words and paragraphs that are not English, and leaves out what the user told
  it to ignore.
- :class:`RulesMemory` is the personal dictionary and the ignore lists, kept in
  ``rules.json`` in the data folder (written atomically).
- :func:`fix` and :func:`ignore_record` turn a problem into an editor change and
  a store record (task ``grammar``, stage ``rules``): the sentence before is the
  input, the sentence after the output.

Offsets: Harper and Python count code points; Qt counts UTF-16 units (an emoji is
two). :func:`to_utf16` and :func:`from_utf16` convert within one paragraph.
"""

from __future__ import annotations

import json
import logging
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from draftwheel.config.atomic import atomic_write_text
from draftwheel.engine.rules import RuleChecker, RuleIssue
from draftwheel.engine.rules import looks_foreign as rules_looks_foreign
from draftwheel.engine.units import sentence_spans
from draftwheel.errors import DraftwheelError, write_error
from draftwheel.prompts import tasks

log = logging.getLogger(__name__)

BATCH_CHARS = 4000  # text sent to the checker per call: about 700 words, a few tens of ms
PIECE_CHARS = 2000  # a longer paragraph is checked in pieces of whole sentences (see pieces())
PIECE_MIN_CHARS = 400
CACHE_PARAGRAPHS = 20_000  # results kept (by paragraph text), least recently used dropped
MAX_DOCUMENT_CHARS = 2_000_000  # above this (about 350,000 words) a document is not checked at all
# Not checked: tokens of 32 or more characters without a space (keys, base64, hashes, long URLs) and
# hex numbers. Harper looks for spelling suggestions for each piece of them: a 6,700-character
# base64 key took it 21 s and gave 188 underlines of nonsense.
NOT_WORDS = r"\S{32,}|\b[0-9A-Fa-f]{12,}\b"
STAGE = "rules"
MODEL = "harper"

_WORD = re.compile(r"[^\W\d_]+")
# Checked once when the checker thread starts. Harper pays a one-time cost (about a second of CPU)
# at the first unknown word it must find suggestions for: paid here, not at the user's first typo.
WARM_UP = "Their was alot of peoples ther, so we waits for a hour. Xqzvbnmwk."


# -- offsets ---------------------------------------------------------------------------
def utf16_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def to_utf16(text: str, index: int) -> int:
    """The Qt position (UTF-16 units) of code point ``index`` of ``text``."""
    return utf16_len(text[:index])


def from_utf16(text: str, units: int) -> int:
    """The code point index of Qt position ``units`` in ``text`` (inside a surrogate pair: the pair's start)."""
    if text.isascii():
        return min(units, len(text))
    seen = 0
    for i, ch in enumerate(text):
        step = 2 if ord(ch) > 0xFFFF else 1
        if seen + step > units:
            return i
        seen += step
    return len(text)


def utf16_offsets(text: str) -> Callable[[int], int]:
    """``to_utf16`` for many offsets into one text: one pass over it, then a lookup each."""
    if text.isascii():
        return lambda index: index
    table = [0]
    for ch in text:
        table.append(table[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return table.__getitem__


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


# -- what the user told the checker ------------------------------------------------------
def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Ignores:
    """A snapshot of the ignore lists, safe to hand to the worker thread."""

    everywhere: frozenset[tuple[str, str]] = frozenset()  # (rule, problem casefolded)
    once: frozenset[tuple[str, str, str]] = frozenset()  # (rule, problem, the sentence it is in)

    @classmethod
    def single(cls, paragraph: str, issue: RuleIssue, everywhere: bool) -> Ignores:
        """The lists holding only ``issue`` (as :meth:`RulesMemory.ignore` stores it)."""
        if everywhere:
            return cls(everywhere=frozenset({(issue.rule, _key(issue.problem))}))
        return cls(once=frozenset({(issue.rule, issue.problem, _key(sentence_of(paragraph, issue)[2]))}))

    def covers(self, paragraph: str, issue: RuleIssue) -> bool:
        if (issue.rule, _key(issue.problem)) in self.everywhere:
            return True
        if not self.once or not any(r == issue.rule and p == issue.problem for r, p, _s in self.once):
            return False
        return (issue.rule, issue.problem, _key(sentence_of(paragraph, issue)[2])) in self.once


class RulesMemory:
    """The personal dictionary and the ignore lists, in ``rules.json`` in the data folder.

    A missing file is an empty memory; a damaged one is set aside in memory (``problem`` says so)
    and replaced at the next change, never half-read.
    """

    VERSION = 1

    def __init__(self, path: Path):
        self.path = Path(path)
        self.words: list[str] = []
        self.everywhere: set[tuple[str, str]] = set()
        self.once: set[tuple[str, str, str]] = set()
        self.problem: str | None = None
        self._load()

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.words = [str(w) for w in raw.get("words", []) if str(w).strip()]
            self.everywhere = {(str(r), str(p)) for r, p in raw.get("ignore_everywhere", [])}
            self.once = {(str(r), str(p), str(s)) for r, p, s in raw.get("ignore_once", [])}
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            self.problem = f"Your dictionary and ignored problems ({self.path.name}) could not be read: {exc}"
            log.warning("%s", self.problem)

    def snapshot(self) -> Ignores:
        return Ignores(frozenset(self.everywhere), frozenset(self.once))

    def add_word(self, word: str) -> bool:
        word = word.strip()
        if not word or word in self.words:
            return False
        self.words.append(word)
        return True

    def ignore(self, paragraph: str, issue: RuleIssue, everywhere: bool) -> None:
        if everywhere:
            self.everywhere.add((issue.rule, _key(issue.problem)))
        else:
            self.once.add((issue.rule, issue.problem, _key(sentence_of(paragraph, issue)[2])))

    def payload(self) -> str:
        """The file's new content (made on the GUI thread; :func:`write_memory` writes it elsewhere)."""
        return json.dumps(
            {
                "version": self.VERSION,
                "words": self.words,
                "ignore_everywhere": sorted(self.everywhere),
                "ignore_once": sorted(self.once),
            },
            ensure_ascii=False,
            indent=1,
        )


def write_memory(path: Path, payload: str) -> None:
    """Write ``rules.json`` atomically (a crash leaves the old file or the new one)."""
    try:
        atomic_write_text(Path(path), payload)
    except OSError as exc:
        err = write_error(
            exc, Path(path).parent, f"save your dictionary to {path}", "Free some space; nothing was lost."
        )
        raise err or exc from exc


# -- checking (on the worker thread) -------------------------------------------------------
@dataclass(frozen=True)
class ParagraphCheck:
    """The checker's answer for one paragraph's text."""

    text: str
    issues: tuple[RuleIssue, ...] = ()
    words: int = 0
    foreign: bool = False  # not checked: it does not look like English

    def at(self, index: int) -> RuleIssue | None:
        """The problem covering code point ``index`` (its end counts: the cursor just after a word)."""
        for issue in self.issues:
            if issue.start <= index <= issue.end:
                return issue
        return None


def looks_foreign(checker: RuleChecker, text: str, issues: Iterable[RuleIssue], words: int) -> bool:
    """Another language, not English with mistakes (engine.rules.looks_foreign, shared with Fix grammar)."""
    return rules_looks_foreign(checker, text, issues, words)


_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


def _rough_sentences(text: str) -> list[_Span]:
    """Sentence spans by punctuation alone, in one pass (an abbreviation may end one: for pieces only)."""
    out: list[_Span] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        out.append(_Span(start, m.end()))
        start = m.end()
    if start < len(text):
        out.append(_Span(start, len(text)))
    return out


def pieces(text: str, limit: int = PIECE_CHARS) -> list[tuple[int, int]]:
    """``text`` cut into spans of whole sentences of at most ``limit`` characters (a longer sentence
    is cut at a space). Harper's time grows with the text (a 20,000-word paragraph takes it 30 s
    here) and it remembers only its last few texts, so a long paragraph is checked piece by piece
    and the pieces are remembered (:class:`PieceCache`). A piece ends after a sentence chosen by
    the sentence's own text (a hash), not by its position, so typing in one sentence changes one
    piece and leaves the others as they were."""
    if len(text) <= limit:
        return [(0, len(text))]
    out: list[tuple[int, int]] = []
    start = end = 0
    for span in _rough_sentences(text):
        if span.end - start > limit and end > start:
            out.append((start, end))
            start = span.start
        while span.end - start > limit:  # one sentence longer than a piece
            cut = text.rfind(" ", start + 1, start + limit)
            cut = cut if cut > start else start + limit
            out.append((start, cut))
            start = cut
        end = span.end
        if end - start >= PIECE_MIN_CHARS and zlib.crc32(text[span.start : span.end].encode()) % 4 == 0:
            out.append((start, end))
            start = end
    if len(text.rstrip()) > start:
        out.append((start, max(end, len(text.rstrip()))))
    return out


class PieceCache:
    """Harper's answers for the pieces of long paragraphs, by text, on the checker's thread (Harper
    itself remembers only its last few texts): typing in a 20,000-word paragraph re-checks one
    piece, not all of them. Cleared when the dictionary changes."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._found: OrderedDict[str, tuple[RuleIssue, ...]] = OrderedDict()

    def check(self, checker: RuleChecker, piece: str) -> tuple[RuleIssue, ...]:
        found = self._found.get(piece)
        if found is None:
            found = self._found[piece] = tuple(checker.check(piece, NOT_WORDS))
            if len(self._found) > self.size:
                self._found.popitem(last=False)
        else:
            self._found.move_to_end(piece)
        return found

    def clear(self) -> None:
        self._found.clear()


def check_paragraph(
    checker: RuleChecker, text: str, ignores: Ignores = Ignores(), cache: PieceCache | None = None
) -> ParagraphCheck:
    words = word_count(text)
    if words == 0:  # numbers, code symbols, emoji: nothing Harper could help with
        return ParagraphCheck(text)
    spans = pieces(text)
    if len(spans) == 1:
        issues = checker.check(text, NOT_WORDS)
    else:
        cache = cache or PieceCache()
        issues = [issue.shifted(a) if a else issue for a, b in spans for issue in cache.check(checker, text[a:b])]
    if looks_foreign(checker, text, issues, words):
        return ParagraphCheck(text, (), words, foreign=True)
    return ParagraphCheck(text, tuple(i for i in issues if not ignores.covers(text, i)), words)


def check_batch(
    checker: RuleChecker, texts: list[str], ignores: Ignores, cache: PieceCache | None = None
) -> list[ParagraphCheck]:
    return [check_paragraph(checker, t, ignores, cache) for t in texts]


# -- what to check, and which answers still count (GUI thread) ------------------------------
@dataclass
class LiveCheck:
    """Results by paragraph text, the queue of paragraphs to check, and the answers in flight."""

    cache: OrderedDict[str, ParagraphCheck] = field(default_factory=OrderedDict)
    pending: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    in_flight: set[str] = field(default_factory=set)
    generation: int = 0  # bumped when the ignore lists or the dictionary change: older answers are void
    checked: int = 0  # paragraphs checked (answers used)
    dropped: int = 0  # answers dropped: the paragraph changed while it was checked

    def lookup(self, text: str) -> ParagraphCheck | None:
        found = self.cache.get(text)
        if found is not None:
            self.cache.move_to_end(text)
        return found

    def want(self, text: str) -> None:
        if text not in self.in_flight and text not in self.cache:
            self.pending[text] = None

    @property
    def busy(self) -> bool:
        return bool(self.pending or self.in_flight)

    def next_batch(self, wanted: Callable[[str], bool], first: str | None = None) -> list[str]:
        """Up to :data:`BATCH_CHARS` of queued paragraphs still in the document; ``first`` (where the
        user types) goes ahead of the queue. Paragraphs no longer in the document leave the queue."""
        order = list(self.pending)
        if first is not None and first in self.pending:
            order.remove(first)
            order.insert(0, first)
        batch: list[str] = []
        taken: list[str] = []
        size = 0
        for text in order:
            if not wanted(text):
                taken.append(text)
                continue
            if batch and size + len(text) > BATCH_CHARS:
                break
            batch.append(text)
            taken.append(text)
            size += len(text)
        for text in taken:
            del self.pending[text]
        self.in_flight.update(batch)
        return batch

    def receive(self, results: list[ParagraphCheck], generation: int, wanted: Callable[[str], bool]) -> list[str]:
        """Keep the answers whose paragraph is still in the document; the texts to underline again."""
        for r in results:
            self.in_flight.discard(r.text)
        if generation != self.generation:
            # Checked before the dictionary or the ignore lists changed: check those paragraphs again.
            for r in results:
                if wanted(r.text) and r.text not in self.cache:
                    self.pending[r.text] = None
            return []
        fresh: list[str] = []
        for r in results:
            if not wanted(r.text):
                self.dropped += 1
                continue
            self.cache[r.text] = r
            self.checked += 1
            fresh.append(r.text)
        while len(self.cache) > CACHE_PARAGRAPHS:
            self.cache.popitem(last=False)
        return fresh

    def forget(self, keep: Callable[[str, RuleIssue], bool]) -> set[str]:
        """The user ignored a problem or added a word: drop the issues ``keep`` refuses from every
        answer now (no paragraph is checked again for it); the texts whose underlines change.
        Answers on their way were made before the change: they are void and asked again."""
        self.generation += 1
        changed: set[str] = set()
        for text, found in self.cache.items():
            kept = tuple(i for i in found.issues if keep(text, i))
            if len(kept) != len(found.issues):
                self.cache[text] = replace(found, issues=kept)
                changed.add(text)
        return changed


def carry_over(old: ParagraphCheck, text: str) -> ParagraphCheck:
    """While ``text`` (the paragraph just edited) waits for its check: the problems of its previous
    text ``old`` outside the edited part, moved with it, so the other underlines stay put."""
    if old.text == text:
        return old
    prefix = 0
    limit = min(len(old.text), len(text))
    while prefix < limit and old.text[prefix] == text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old.text[-1 - suffix] == text[-1 - suffix]:
        suffix += 1
    delta = len(text) - len(old.text)
    kept: list[RuleIssue] = []
    for issue in old.issues:
        if issue.end < prefix:  # before the edit (not touching it: the word may be growing)
            kept.append(issue)
        elif issue.start > len(old.text) - suffix:  # after it
            kept.append(issue.shifted(delta))
    return ParagraphCheck(text, tuple(kept), old.words, old.foreign)


def document_note(block_texts: Iterable[str], live: LiveCheck) -> str | None:
    """What the status bar says when the checker skipped the whole document (None: it did not)."""
    words = foreign = 0
    any_text = False
    for text in block_texts:
        if not text.strip():
            continue
        any_text = True
        found = live.cache.get(text)
        if found is None:
            return None  # not all answered yet
        words += found.words
        foreign += found.words if found.foreign else 0
    if not any_text:
        return None
    if words == 0:
        return "Spelling and grammar: nothing to check (no words in this document)."
    if foreign == words:
        return "Spelling and grammar: not checked, this document does not look like English."
    return None


TOO_LONG_NOTE = "Spelling and grammar: not checked, the document is too long (over 2 million characters)."


# -- applying and recording ------------------------------------------------------------------
def sentence_of(paragraph: str, issue: RuleIssue) -> tuple[int, int, str]:
    """(start, end, text) of the sentence of ``paragraph`` holding ``issue`` (or its whole piece).

    Only the piece of a long paragraph holding the issue is split into sentences (splitting a
    100,000-character paragraph takes seconds), so this is quick on the GUI thread."""
    base = 0
    if len(paragraph) > PIECE_CHARS:
        base, last = next(((a, b) for a, b in pieces(paragraph) if a <= issue.start < b), (0, len(paragraph)))
        paragraph = paragraph[base:last]
        issue = issue.shifted(-base)
    for span in sentence_spans(paragraph):
        if span.start <= issue.start and issue.end <= span.end:
            return base + span.start, base + span.end, paragraph[span.start : span.end]
    start = len(paragraph) - len(paragraph.lstrip())
    end = len(paragraph.rstrip())
    start, end = min(start, issue.start), max(end, issue.end)
    return base + start, base + end, paragraph[start:end]


def _record(before: str, output: str | None, final: str, outcome: str) -> dict[str, Any]:
    return {
        "task": "grammar",
        "instruction": tasks()["grammar"].instruction,
        "input_text": before,
        "output_text": output,
        "final_text": final,
        "outcome": outcome,
        "model": MODEL,
        "adapter": None,
        "stage": STAGE,
        "origin": "app",
    }


@dataclass(frozen=True)
class RuleFix:
    """A replacement in a paragraph (code points) and the record of the accepted fix."""

    start: int
    end: int
    replacement: str
    sentence_start: int  # the sentence, in the paragraph after the fix
    sentence_end: int
    record: dict[str, Any]


def fix(paragraph: str, issue: RuleIssue, choice: int = 0) -> RuleFix:
    """Replace ``issue`` by its ``choice``-th replacement; the sentence before and after is the record."""
    if not issue.replacements:
        raise DraftwheelError("This problem has no suggested fix.", "Edit the text yourself, or ignore it.")
    replacement = issue.replacements[min(max(choice, 0), len(issue.replacements) - 1)]
    s_start, _end, before = sentence_of(paragraph, issue)
    after = before[: issue.start - s_start] + replacement + before[issue.end - s_start :]
    record = _record(before, after, after, "accepted")
    return RuleFix(issue.start, issue.end, replacement, s_start, s_start + len(after), record)


def ignore_record(paragraph: str, issue: RuleIssue) -> dict[str, Any]:
    """The record of a problem the user ignored: the sentence kept as it was (outcome rejected)."""
    _s, _e, before = sentence_of(paragraph, issue)
    output = None
    if issue.replacements:
        output = before[: issue.start - _s] + issue.replacements[0] + before[issue.end - _s :]
    return _record(before, output, before, "rejected")


def describe(issue: RuleIssue) -> str:
    """The tooltip: Harper's message and what could replace the text."""
    message = re.sub(r"`([^`]*)`", r"“\1”", issue.message.strip())  # Harper writes Markdown code spans
    lines = [message or issue.kind]
    if issue.replacements:
        shown = [f"“{r}”" if r else "(remove it)" for r in issue.replacements[:5]]
        lines.append("Suggestions: " + ", ".join(shown))
    return "\n".join(lines)


def is_spelling(issue: RuleIssue) -> bool:
    return issue.kind == "Spelling"
