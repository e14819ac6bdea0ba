"""Is a generated answer drawn from its passages? If not, the author's own sentences instead.

The 270M model sometimes answers from nowhere ("keep it in the fridge ... for
your chickens"), repeats the question, or says nothing. :func:`check_answer`
measures the answer's support in the passages with the grounding check's
measure (``ground.check.support``: the share of its content words whose stem
occurs in them) and refuses one under :data:`MIN_SUPPORT`;
:func:`extract_answer` then answers with the best passage's sentences that
share the most words with the question — the author's words, grounded by
construction, so "in your voice" holds either way.
"""

from __future__ import annotations

import re

from draftwheel.ground.check import content_words, support

MIN_SUPPORT = 0.6  # the grounding check's default bar for generated answers (ground.check.CheckSettings)
EXTRACT_SENTENCES = 2
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+[\"')\]]?|$)")


def check_answer(answer: str, question: str, passages: list[str]) -> tuple[float, str]:
    """(support 0..1, why it is not usable — "" when it is)."""
    text = " ".join(answer.split())
    if not text:
        return 0.0, "the model gave no answer"
    if text.casefold().rstrip("?. ") == " ".join(question.split()).casefold().rstrip("?. "):
        return 0.0, "the model repeated the question"
    s = support(text, "\n".join(passages))
    if s < MIN_SUPPORT:
        return s, f"only {s:.0%} of the model's answer is in your passage"
    return s, ""


def extract_answer(question: str, passage: str, n: int = EXTRACT_SENTENCES) -> str:
    """The ``n`` sentences of ``passage`` sharing the most content words with ``question``, in their order."""
    body = " ".join(line for line in passage.splitlines() if not line.lstrip().startswith("#"))  # no headings
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(" ".join(body.split())) if m.group(0).strip()]
    if not sentences:
        return passage.strip()
    wanted = set(content_words(question))
    scored = sorted(range(len(sentences)), key=lambda i: (-len(wanted & set(content_words(sentences[i]))), i))
    return " ".join(sentences[i] for i in sorted(scored[:n]))
