"""The passage index of "Ask my writing": indexed documents, their passages, and BM25 search.

Tables ``passage_docs`` and ``passages`` (migration 0006); ``passages_fts``
(FTS5, Porter stemmer, external content) follows ``passages`` through
triggers, so every function here only writes the plain tables. Functions take
a ``Session`` and flush, never commit (the caller owns the transaction).
Which words to search for and what counts as "not mentioned" is decided by the
caller (``ground.passage_search``); this module runs the queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from draftwheel.store.models import PassageDoc, PassageRow, utcnow

_RANKED = """
SELECT p.id, p.start, p."end", p.heading, p.text, d.folder, d.rel, d.path, r.score
FROM (SELECT rowid, bm25(passages_fts) AS score FROM passages_fts WHERE passages_fts MATCH :query
      ORDER BY score LIMIT :limit) AS r
JOIN passages AS p ON p.id = r.rowid
JOIN passage_docs AS d ON d.id = p.doc_id
ORDER BY r.score, p.id
"""


@dataclass(frozen=True)
class PassageHit:
    """A retrieved passage; ``score`` is FTS5's BM25 (negative: LOWER is more relevant)."""

    id: int
    folder: str
    rel: str
    path: str
    start: int
    end: int
    heading: str
    text: str
    score: float

    @property
    def label(self) -> str:
        return f"{self.rel}:{self.start}-{self.end}"


@dataclass(frozen=True)
class FolderSummary:
    folder: str
    documents: int
    passages: int


def folder_documents(session: Session, folder: str) -> dict[str, PassageDoc]:
    """The indexed documents of ``folder`` (absolute path), by relative path."""
    rows = session.scalars(select(PassageDoc).where(PassageDoc.folder == folder)).all()
    return {d.rel: d for d in rows}


def put_document(
    session: Session,
    *,
    folder: str,
    rel: str,
    path: str,
    size: int,
    mtime_ns: int,
    sha256: str,
    passages: Sequence[tuple[int, int, str, str]],
) -> PassageDoc:
    """Index (or re-index) one document: its old passages go, ``passages`` (start, end, heading, text) come in."""
    doc = session.scalars(select(PassageDoc).where(PassageDoc.folder == folder, PassageDoc.rel == rel)).first()
    if doc is None:
        doc = PassageDoc(folder=folder, rel=rel, path=path)
        session.add(doc)
        session.flush()
    else:
        session.execute(delete(PassageRow).where(PassageRow.doc_id == doc.id))
    doc.path, doc.size, doc.mtime_ns, doc.sha256, doc.indexed_at = path, size, mtime_ns, sha256, utcnow()
    session.add_all(PassageRow(doc_id=doc.id, start=a, end=b, heading=h, text=t) for a, b, h, t in passages)
    session.flush()
    return doc


def touch_document(session: Session, doc: PassageDoc, size: int, mtime_ns: int) -> None:
    """The file was touched but its content is the same: remember the new size and mtime only."""
    doc.size, doc.mtime_ns = size, mtime_ns
    session.flush()


def drop_documents(session: Session, doc_ids: Iterable[int]) -> int:
    """Forget documents and their passages (explicitly first, so the FTS triggers see every row)."""
    ids = list(doc_ids)
    if not ids:
        return 0
    session.execute(delete(PassageRow).where(PassageRow.doc_id.in_(ids)))
    session.execute(delete(PassageDoc).where(PassageDoc.id.in_(ids)))
    session.flush()
    return len(ids)


def forget_folder(session: Session, folder: str) -> int:
    """Drop a folder's documents and passages from the index (the files are not touched); returns how many."""
    return drop_documents(session, [d.id for d in folder_documents(session, folder).values()])


def indexed_folders(session: Session) -> list[FolderSummary]:
    """Every imported folder with its numbers of documents and passages."""
    stmt = (
        select(PassageDoc.folder, func.count(func.distinct(PassageDoc.id)), func.count(PassageRow.id))
        .select_from(PassageDoc)
        .outerjoin(PassageRow, PassageRow.doc_id == PassageDoc.id)
        .group_by(PassageDoc.folder)
        .order_by(PassageDoc.folder)
    )
    return [FolderSummary(f, int(d), int(p)) for f, d, p in session.execute(stmt).all()]


def count_passages(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(PassageRow)) or 0)


def search_passages(session: Session, query: str, limit: int) -> list[PassageHit]:
    """Passages matching the FTS5 ``query``, most relevant (lowest BM25) first."""
    if limit <= 0 or not query:
        return []
    rows = session.execute(sql(_RANKED), {"query": query, "limit": limit}).all()
    return [PassageHit(r.id, r.folder, r.rel, r.path, r.start, r.end, r.heading, r.text, float(r.score)) for r in rows]


def matching_ids(session: Session, query: str, among: Sequence[int] | None = None) -> set[int]:
    """Ids of passages matching ``query`` (only those in ``among``, if given): the index's own stemming decides."""
    if among is not None and not among:
        return set()
    stmt = "SELECT rowid FROM passages_fts WHERE passages_fts MATCH :query"
    params: dict[str, object] = {"query": query}
    if among is not None:
        marks = ", ".join(f":i{n}" for n in range(len(among)))
        stmt += f" AND rowid IN ({marks})"
        params.update({f"i{n}": i for n, i in enumerate(among)})
    return {int(r[0]) for r in session.execute(sql(stmt), params).all()}


def count_matching(session: Session, query: str) -> int:
    """How many indexed passages match ``query`` (a word's document frequency, for its weight)."""
    row = session.execute(sql("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH :query"), {"query": query})
    return int(row.scalar_one())
