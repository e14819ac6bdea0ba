"""Few-shot retrieval: the user's most similar kept edits of the same task.

Similarity is SQLite FTS5's BM25 over the input text (``edits_fts``, kept in
sync with ``edits`` by triggers; see the store's first migration). The index
holds only accepted/edited rows, so rejected and pending rows are never ranked;
rows the user left out of training (``include_in_training`` off) are skipped
too, so few-shot prompts use exactly what training may use.

Speed: BM25 costs time in proportion to the postings of the query's words,
and a word like "the" is in nearly every row. So a query keeps the input's
rarest words (by document frequency, read from ``edits_fts_vocab`` and cached
per process) up to :data:`MAX_POSTINGS` postings in all; common words add
almost nothing to BM25 anyway (their IDF is near 0). That keeps retrieval
within a few milliseconds at 100,000 stored edits.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from draftwheel.engine.prompts import END_MARKER, Example, Task
from draftwheel.store.db import bound_engine

# Upper bound on the postings (row, word) pairs BM25 ranks for one query.
MAX_POSTINGS = 2_000
# At most this many words of the input go into a query.
MAX_QUERY_TERMS = 16
# Document frequencies of common words change slowly (relative to their size);
# one cached value is trusted this long (s). Rarer words are looked up every
# time: that is cheap (short doclists) and a new example counts at once.
DF_TTL_S = 600.0
DF_CACHE_MIN = 64
# Same tokenization as the index (unicode61 with remove_diacritics 2 folds
# accents too; words with accents just miss the frequency cache's exact match).
_WORD = re.compile(r"\w+", re.UNICODE)

_RANKED = """
SELECT e.id, e.task, e.instruction, e.input_text, e.final_text, e.include_in_training, r.score
FROM (SELECT rowid, rank AS score FROM edits_fts WHERE edits_fts MATCH :query
      ORDER BY rank LIMIT :fetch) AS r
JOIN edits AS e ON e.id = r.rowid
ORDER BY r.score, e.id DESC
"""


@dataclass(frozen=True)
class Similar:
    """One retrieved edit: its id, input, the final text the user kept, BM25 score (lower is closer)."""

    id: int
    input: str
    output: str
    score: float


class _DocFreqCache:
    """word -> (documents containing it, time read), per database file and process (common words only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_db: dict[str, dict[str, tuple[int, float]]] = {}

    def lookup(self, session: Session, words: list[str]) -> dict[str, int]:
        key = str(bound_engine(session).url)
        now = time.monotonic()
        with self._lock:
            cache = self._by_db.setdefault(key, {})
            out = {w: hit[0] for w in words if (hit := cache.get(w)) and now - hit[1] < DF_TTL_S}
        missing = [w for w in words if w not in out]
        if missing:
            marks = ", ".join(f":w{i}" for i in range(len(missing)))
            rows = session.execute(
                sql(f"SELECT term, doc FROM edits_fts_vocab WHERE col = 'input_text' AND term IN ({marks})"),
                {f"w{i}": w for i, w in enumerate(missing)},
            ).all()
            found = {term: int(doc) for term, doc in rows}
            with self._lock:
                for w in missing:
                    out[w] = found.get(w, 0)
                    if out[w] >= DF_CACHE_MIN:
                        cache[w] = (out[w], now)
        return out

    def clear(self) -> None:
        with self._lock:
            self._by_db.clear()


doc_freq = _DocFreqCache()


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def query_words(session: Session, text: str) -> list[str]:
    """The input's rarest indexed words, within the postings budget (rarest first)."""
    words = list(dict.fromkeys(_WORD.findall(text.lower())))
    if not words:
        return []
    df = doc_freq.lookup(session, words)
    chosen: list[str] = []
    postings = 0
    for w in sorted((w for w in words if df[w] > 0), key=lambda w: df[w]):
        if chosen and (postings + df[w] > MAX_POSTINGS or len(chosen) >= MAX_QUERY_TERMS):
            break
        chosen.append(w)
        postings += df[w]
    return chosen


def fts_query(words: list[str], task: str | None = None) -> str:
    """FTS5 query: rows whose input has any of ``words`` (and, if given, whose task is ``task``)."""
    match = "input_text : (" + " OR ".join(_quote(w) for w in words) + ")"
    return f"task : {_quote(task)} AND {match}" if task else match


def _task_filter(task: str | Task) -> tuple[str, str | None]:
    """(task name, instruction to match too): custom instructions only share examples with themselves."""
    if isinstance(task, Task):
        return task.name, (task.instruction if task.name == "custom" else None)
    return task, None


def similar_edits(session: Session, task: str | Task, text: str, limit: int) -> list[Similar]:
    """Up to ``limit`` kept edits of ``task`` most similar to ``text``, MOST SIMILAR FIRST."""
    name, instruction = _task_filter(task)
    words = query_words(session, text) if limit > 0 else []
    if not words:
        return []

    def wanted(row) -> bool:
        # What the user leaves out of training is left out of the prompts too.
        return (
            row.task == name
            and bool(row.include_in_training)
            and (instruction is None or row.instruction == instruction)
        )

    # Fast path: rank without the task condition (another AND'ed doclist costs
    # time) and filter afterwards. If other tasks crowd the page out, rank
    # again inside the task.
    fetch = 8 * limit
    rows = session.execute(sql(_RANKED), {"query": fts_query(words), "fetch": fetch}).all()
    hits = [r for r in rows if wanted(r)]
    if len(hits) < limit and len(rows) == fetch:
        fetch = 64 * limit if instruction is not None else fetch
        rows = session.execute(sql(_RANKED), {"query": fts_query(words, name), "fetch": fetch}).all()
        hits = [r for r in rows if wanted(r)]
    return [Similar(r.id, r.input_text, r.final_text, float(r.score)) for r in hits[:limit]]


def example_text(ex: Example) -> str:
    """The text one example adds to a completion prompt (see ``prompts.render_completion``)."""
    return f"Text: {ex.input}\nRevision: {ex.output}\n{END_MARKER}\n\n"


def retrieve_examples(
    session: Session,
    task: str | Task,
    text: str,
    k: int = 4,
    token_budget: int = 1200,
    count_tokens: Callable[[str], int] | None = None,
) -> list[Example]:
    """The ``k`` most similar kept (accepted/edited) examples of ``task`` within ``token_budget``.

    Returned in prompt order: the MOST SIMILAR IS LAST (closest to the text
    being revised). Candidates are taken best-first; one that would overflow
    the budget is skipped and a shorter, less similar one may still fit.
    ``count_tokens`` defaults to a rough 4-characters-per-token estimate; pass
    ``engine.count_tokens`` for exact budgets.
    """
    if k <= 0 or token_budget <= 0:
        return []
    count = count_tokens or (lambda s: len(s) // 4 + 1)
    chosen: list[Example] = []
    used = 0
    # A few spare candidates so long examples skipped for the budget can be replaced.
    for cand in similar_edits(session, task, text, limit=3 * k):
        ex = Example(cand.input, cand.output)
        cost = count(example_text(ex))
        if used + cost > token_budget:
            continue
        chosen.append(ex)
        used += cost
        if len(chosen) == k:
            break
    chosen.reverse()
    return chosen
