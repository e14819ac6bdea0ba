"""Paragraph-level evaluation: join sentences, revise the paragraph, split it back.

A sentence-level score says nothing about what a user sees when they revise
a whole paragraph, so ``draftwheel eval --paragraphs 5,15`` joins consecutive
source sentences into paragraphs, revises each paragraph in one call (as the
editor does), and cuts the revised paragraph back into one piece per source
sentence by aligning its words with the source's. A source sentence whose
piece comes back empty is *missing*: text the revision lost.
"""

from __future__ import annotations

import difflib
import itertools
import re

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]\u201d\u2019]*\s+")


def join(sentences: list[str]) -> tuple[str, list[int]]:
    """The paragraph (sentences joined by one space) and each sentence's start offset in it."""
    starts, parts, pos = [], [], 0
    for s in sentences:
        s = s.strip()
        starts.append(pos)
        parts.append(s)
        pos += len(s) + 1
    return " ".join(parts), starts


def split_back(source: str, starts: list[int], output: str) -> list[str]:
    """Cut ``output`` into ``len(starts)`` pieces, one per source sentence.

    Words (letters and digits, case kept: a sentence-initial "The" is not
    the "the" of the sentence before) of source and output are aligned with
    difflib; each sentence boundary of the source moves to the output just
    before the output word that matches the sentence's first aligned word, so
    inserted or changed words stay with the sentence they follow.
    """
    src = [(m.start(), m.group()) for m in _WORD.finditer(source)]
    out = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(output)]
    matcher = difflib.SequenceMatcher(None, [w for _, w in src], [w for _, _, w in out], autojunk=False)
    to_out: dict[int, int] = {}
    for a, b, size in matcher.get_matching_blocks():
        for i in range(size):
            to_out[a + i] = b + i
    cuts = [0]
    for start in starts[1:]:
        first = next((i for i, (pos, _) in enumerate(src) if pos >= start), len(src))
        j = next((to_out[i] for i in range(first, len(src)) if i in to_out), len(out))
        j = max(j, _word_at(out, cuts[-1]))
        before = [to_out[i] for i in range(first) if i in to_out]
        after_prev = out[before[-1]][1] if before else cuts[-1]
        cuts.append(_cut_before(output, out, j, max(after_prev, cuts[-1])))
    cuts.append(len(output))
    return [" ".join(output[a:b].split()) for a, b in itertools.pairwise(cuts)]


def _word_at(out: list[tuple[int, int, str]], offset: int) -> int:
    """Index of the first output word starting at or after ``offset``."""
    return next((i for i, (s, _e, _w) in enumerate(out) if s >= offset), len(out))


def _cut_before(output: str, out: list[tuple[int, int, str]], j: int, lo: int) -> int:
    """Character offset where the piece holding output word ``j`` begins.

    Words the model inserted between the previous sentence's last aligned
    word (ending at ``lo``) and word ``j`` go with the sentence after the
    first sentence end among them ("... society. The disadvantage ...").
    """
    if j >= len(out):
        return len(output)
    start = out[j][0]
    end = _SENTENCE_END.search(output, lo, start)
    if end:
        return end.end()
    prev_end = out[j - 1][1] if j > 0 else 0
    space = output.rfind(" ", prev_end, start)
    return space + 1 if space >= 0 else start
