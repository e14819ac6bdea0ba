"""Passage index for "Ask my writing": the user's documents, split into passages, with an FTS5 index.

``passage_docs`` has one row per indexed file of an imported folder (its
absolute folder and relative path, and the size, mtime and SHA-256 it had when
indexed, so a re-import re-reads only what changed). ``passages`` holds the
passages of each document with their character offsets into the document's
extracted text (as ``ground.documents`` makes them). Deleting a document
deletes its passages (ON DELETE CASCADE; the store turns foreign keys on).

``passages_fts`` is an external-content FTS5 table over ``passages.text``
(the text is not stored twice), kept in sync by triggers as ``edits_fts`` is.
Unlike ``edits_fts`` it uses the Porter stemmer: a question says "composting"
where the document says "compost", and there is no document-frequency lookup
on exact words here that would need unstemmed terms.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FTS = [
    "CREATE VIRTUAL TABLE passages_fts USING fts5(text, content='passages', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    """CREATE TRIGGER passages_fts_ai AFTER INSERT ON passages BEGIN
        INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER passages_fts_ad AFTER DELETE ON passages BEGIN
        INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER passages_fts_au AFTER UPDATE ON passages BEGIN
        INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "passage_docs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("folder", sa.Text, nullable=False),
        sa.Column("rel", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False, server_default="0"),
        sa.Column("mtime_ns", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("indexed_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("folder", "rel", name="uq_passage_docs_folder_rel"),
    )
    op.create_table(
        "passages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "doc_id", sa.Integer, sa.ForeignKey("passage_docs.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("heading", sa.Text, nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
    )
    for sql in _FTS:
        op.execute(sql)


def downgrade() -> None:
    for name in ("passages_fts_ai", "passages_fts_ad", "passages_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS passages_fts")
    op.drop_table("passages")
    op.drop_table("passage_docs")
