"""Find the passages of the user's documents that answer a question, or say that none do.

Ranking is FTS5's BM25 over ``passages_fts`` (Porter-stemmed), queried with
the question's content words OR'ed together. BM25 always ranks *something*
when any word matches, so whether the documents answer the question at all is
decided separately: each content word is weighted by its IDF in the index (a
word no passage has gets the highest weight: it is what the question is
about), and the question counts as covered when the best passage holds at
least :data:`MIN_COVERAGE` of that weight. Otherwise the answer must say
"Your documents don't mention ..." rather than let the model invent one.
The threshold was set on tests/data/ask (docs/evaluation.md, "Ask my writing:
retrieval").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from draftwheel.store.passages import PassageHit, count_matching, count_passages, matching_ids, search_passages

DEFAULT_K = 3  # passages retrieved; the prompt takes those close to the best one (:meth:`Retrieval.leading`)
# A passage joins the best one in the prompt only when its BM25 relevance is at least this share of the
# best's: the 270M model answered well from the one right passage and drifted into the second one's
# topic when given a weaker second passage ("keep the starter in the fridge ... for your chickens").
CLOSE_SCORE = 0.8
# Below this share the best passage does not cover the question. On tests/data/ask the answerable
# questions' coverage ran from 0.32 up, the unanswerable ones' from 0.0 to 0.29 (chosen on that set).
MIN_COVERAGE = 0.3
MAX_WORDS = 16

_WORD = re.compile(r"\w+", re.UNICODE)
# Function words and the words of asking itself ("what do I say about ..."): they match nearly any
# passage and say nothing about the topic.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing don done down during each either else ever every
    few for from further get gets had has have having he her here hers him his how i if in into is it its
    itself just me mine more most my myself no nor not now of off on once one only or other our ours out
    over own really same shall she should so some such than that the their theirs them then there these they
    this those through to too under until up upon us very was we well were what when where which while who
    whom whose why will with would yet you your yours
    author ask asked believe describe describes explain explains feel feels mean means mention mentions
    opinion said say says tell tells think thinks thought view views write writes wrote written writing
    according advice advise recommend recommends suggest suggests""".split()
)


@dataclass
class Retrieval:
    question: str
    words: list[str]  # the content words searched for
    hits: list[PassageHit] = field(default_factory=list)  # most relevant first
    coverage: float = 0.0  # IDF-weighted share of the words the best passage holds (0..1)
    missing: list[str] = field(default_factory=list)  # words the documents (or the best passage) lack

    @property
    def answerable(self) -> bool:
        return bool(self.hits) and self.coverage >= MIN_COVERAGE

    def leading(self) -> list[PassageHit]:
        """The best passage and any nearly as relevant (two documents answering together)."""
        if not self.hits:
            return []
        best = -self.hits[0].score  # FTS5 BM25 is negative, lower is better
        return [h for h in self.hits if -h.score >= CLOSE_SCORE * best]

    def not_mentioned(self) -> str:
        """The answer when the documents do not cover the question."""
        words = self.missing or self.words
        if not words:
            return "Your documents don't mention that: the question has no words to look for."
        quoted = [f"“{w}”" for w in words]
        topic = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        return f"Your documents don't mention {topic}."


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def content_words(question: str) -> list[str]:
    """The question's words worth searching for, in order, without repeats."""
    words = [w for w in _WORD.findall(question.lower()) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def retrieve(session: Session, question: str, k: int = DEFAULT_K) -> Retrieval:
    """The ``k`` passages most relevant to ``question`` and whether they cover it."""
    words = content_words(question)
    result = Retrieval(question, words)
    if not words:
        return result
    result.hits = search_passages(session, " OR ".join(_quote(w) for w in words), k)
    if not result.hits:
        result.missing = words
        return result
    total = max(count_passages(session), 1)
    df = {w: count_matching(session, _quote(w)) for w in words}
    # BM25's IDF, floored at a small positive weight so a word in every passage still counts a little.
    idf = {w: max(math.log((total - n + 0.5) / (n + 0.5) + 1.0), 0.01) for w, n in df.items()}
    top = result.hits[0].id
    held = {w for w in words if df[w] and matching_ids(session, _quote(w), [top])}
    weight = sum(idf.values())
    result.coverage = sum(idf[w] for w in held) / weight if weight else 0.0
    absent = [w for w in words if df[w] == 0]
    result.missing = absent or [w for w in words if w not in held]
    return result
