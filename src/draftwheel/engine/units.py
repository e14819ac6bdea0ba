"""Cut a paragraph into the units the model revises: sentences, within a token budget.

A 270M base model copies a sentence faithfully but not a paragraph: given the
first five JFLEG test sentences as one 127-word paragraph it returned a single
25-word sentence. So a paragraph body is revised sentence by sentence. Each
:class:`Span` is a half-open character range of the body; the text between two
spans (the user's spaces and line breaks) is never sent to the model and is
put back exactly, so ``body[:first.start] + sep... + body[last.end:]`` is the
body again.

* A fragment of fewer than :data:`MIN_WORDS` words ("Hi.", "Yes!") joins the
  sentence after it (or before it, at the end), so the model sees context.
* A sentence longer than the budget is cut at clause punctuation (; : , —)
  and, failing that, between words, so no unit ever exceeds the budget.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Tokens (of the model's tokenizer) per unit. Measured with the bundled model
# on JFLEG dev (benchmarks/unit_budget.py, 12 units per size, zero-shot "Fix
# grammar" on 1..6 sentences joined as one unit): single sentences (median 20
# tokens) and pairs (36) lost more than 20% of their content words in 0/12 and
# 1/12 units; three sentences (64 tokens) in 5/12, four (78) in 9/12 -- the
# model stops after a sentence or two. So a unit is one sentence, and a
# sentence longer than 64 tokens is cut at clauses. One JFLEG test sentence is
# 28 tokens on average.
DEFAULT_BUDGET = 64
MIN_WORDS = 3

# Sentence end: terminal punctuation, optional closing quotes/brackets, then
# whitespace. Abbreviations below do not end a sentence.
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "cf",
    "approx",
    "no",
    "fig",
    "eq",
    "vol",
    "inc",
    "ltd",
    "co",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "a.m",
    "p.m",
    "u.s",
}
_CLAUSE = re.compile(r"[;:,\u2014\u2013]\s+|\s+-{1,2}\s+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _is_abbrev(body: str, end: int) -> bool:
    """Whether the "." ending at ``end`` closes an abbreviation or an initial ("Mr.", "e.g.", "J.")."""
    words = body[:end].rstrip(".").split()
    word = words[-1].strip("(\"'").lower() if words else ""
    return word in _ABBREV or (len(word) == 1 and word.isalpha())


def sentence_spans(body: str) -> list[Span]:
    """Spans of the sentences of ``body``, whitespace between them left out."""
    spans: list[Span] = []
    start = len(body) - len(body.lstrip())
    for m in _END.finditer(body):
        if m.end() <= start or (m.group().startswith(".") and len(m.group()) == 1 and _is_abbrev(body, m.start() + 1)):
            continue
        spans.append(Span(start, m.end()))
        nxt = m.end()
        while nxt < len(body) and body[nxt].isspace():
            nxt += 1
        start = nxt
    tail_end = len(body.rstrip())
    if start < tail_end:
        spans.append(Span(start, tail_end))
    return spans


def _words(text: str) -> int:
    return len(text.split())


def _pack(body: str, pieces: list[Span], count_tokens: Callable[[str], int], budget: int) -> list[Span]:
    """Join neighbouring pieces greedily while the joined text fits the budget."""
    out: list[Span] = []
    for p in pieces:
        if out and count_tokens(body[out[-1].start : p.end]) <= budget:
            out[-1] = Span(out[-1].start, p.end)
        else:
            out.append(p)
    return out


def _cut_long(body: str, span: Span, count_tokens: Callable[[str], int], budget: int) -> list[Span]:
    """Cut one over-long sentence into pieces of at most ``budget`` tokens (clauses first, then words)."""
    if count_tokens(body[span.start : span.end]) <= budget:
        return [span]
    clauses: list[Span] = []
    start = span.start
    for m in _CLAUSE.finditer(body, span.start, span.end):
        end = m.start() + len(m.group().rstrip())
        if end > start:
            clauses.append(Span(start, end))
        start = m.end()
    clauses.append(Span(start, span.end))
    pieces: list[Span] = []
    for c in clauses:
        if count_tokens(body[c.start : c.end]) > budget:
            pieces.extend(_cut_words(body, c, count_tokens, budget))
        else:
            pieces.append(c)
    return _pack(body, pieces, count_tokens, budget)


def _cut_words(body: str, span: Span, count_tokens: Callable[[str], int], budget: int) -> list[Span]:
    """Greedy cut between words; a single word over the budget stays whole."""
    out: list[Span] = []
    start = span.start
    last_end = None
    for m in re.finditer(r"\S+", body[span.start : span.end]):
        end = span.start + m.end()
        if last_end is not None and count_tokens(body[start:end]) > budget:
            out.append(Span(start, last_end))
            start = span.start + m.start()
        last_end = end
    out.append(Span(start, span.end))
    return out


def plan_units(body: str, count_tokens: Callable[[str], int], budget: int = DEFAULT_BUDGET) -> list[Span]:
    """The units of ``body`` in order: sentences, fragments joined, long ones cut."""
    spans: list[Span] = []
    for s in sentence_spans(body):
        spans.extend(_cut_long(body, s, count_tokens, budget))
    merged: list[Span] = []
    carry: Span | None = None
    for s in spans:
        if carry is not None:
            joined = Span(carry.start, s.end)
            if count_tokens(body[joined.start : joined.end]) <= budget:
                s = joined
            else:
                merged.append(carry)
            carry = None
        if _words(body[s.start : s.end]) < MIN_WORDS:
            carry = s
        else:
            merged.append(s)
    if carry is not None:
        if merged and count_tokens(body[merged[-1].start : carry.end]) <= budget:
            merged[-1] = Span(merged[-1].start, carry.end)
        else:
            merged.append(carry)
    return merged
