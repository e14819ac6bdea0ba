"""Initial schema: edits (+ FTS5 index), adapters, training_runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The full-text index covers only rows retrieval may return (accepted / edited),
# so BM25 never ranks rejected or pending rows. Columns are those of ``edits``
# (external content: the text is not stored twice). ``task`` is indexed so a
# query can be limited to one task inside FTS5; its BM25 weight is 0. No
# stemmer: index terms are plain lower-cased words, so the retriever can look
# up a word's document frequency in ``edits_fts_vocab`` to leave out very
# common words (which would make BM25 rank most of the table).
_KEPT = "('accepted', 'edited')"
_FTS = [
    "CREATE VIRTUAL TABLE edits_fts USING fts5(input_text, task, content='edits', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO edits_fts(edits_fts, rank) VALUES('rank', 'bm25(1.0, 0.0)')",
    "CREATE VIRTUAL TABLE edits_fts_vocab USING fts5vocab(edits_fts, 'col')",
    f"""CREATE TRIGGER edits_fts_ai AFTER INSERT ON edits WHEN new.outcome IN {_KEPT} BEGIN
        INSERT INTO edits_fts(rowid, input_text, task) VALUES (new.id, new.input_text, new.task);
    END""",
    f"""CREATE TRIGGER edits_fts_ad AFTER DELETE ON edits WHEN old.outcome IN {_KEPT} BEGIN
        INSERT INTO edits_fts(edits_fts, rowid, input_text, task) VALUES ('delete', old.id, old.input_text, old.task);
    END""",
    f"""CREATE TRIGGER edits_fts_au_old AFTER UPDATE ON edits WHEN old.outcome IN {_KEPT} BEGIN
        INSERT INTO edits_fts(edits_fts, rowid, input_text, task) VALUES ('delete', old.id, old.input_text, old.task);
    END""",
    f"""CREATE TRIGGER edits_fts_au_new AFTER UPDATE ON edits WHEN new.outcome IN {_KEPT} BEGIN
        INSERT INTO edits_fts(rowid, input_text, task) VALUES (new.id, new.input_text, new.task);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "edits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("task", sa.String(64), nullable=False),
        sa.Column("instruction", sa.Text, nullable=False, server_default=""),
        sa.Column("input_text", sa.Text, nullable=False),
        sa.Column("output_text", sa.Text, nullable=True),
        sa.Column("final_text", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("model", sa.String(255), nullable=False, server_default=""),
        sa.Column("adapter", sa.String(255), nullable=True),
        sa.Column("stage", sa.String(8), nullable=False, server_default="zero"),
        sa.Column("latency_ms", sa.Float, nullable=False, server_default="0"),
        sa.Column("prompt_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("output_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("origin", sa.String(16), nullable=False, server_default="app"),
        sa.Column("include_in_training", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("source_doc", sa.Text, nullable=True),
        sa.Column("source_start", sa.Integer, nullable=True),
        sa.Column("source_end", sa.Integer, nullable=True),
        sa.Column("pair_kind", sa.String(32), nullable=True),
        sa.Column("theme", sa.Text, nullable=True),
        sa.CheckConstraint("outcome IN ('accepted', 'edited', 'rejected', 'pending')", name="ck_edits_outcome"),
        sa.CheckConstraint("stage IN ('zero', 'few', 'lora')", name="ck_edits_stage"),
        sa.CheckConstraint("origin IN ('app', 'cli', 'import', 'grounded')", name="ck_edits_origin"),
    )
    op.create_index("ix_edits_created_at", "edits", ["created_at"])
    op.create_index("ix_edits_task", "edits", ["task"])
    op.create_index("ix_edits_task_outcome", "edits", ["task", "outcome"])
    for sql in _FTS:
        op.execute(sql)

    op.create_table(
        "adapters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("task", sa.String(64), nullable=False),
        sa.Column("base_model_sha256", sa.String(64), nullable=False),
        sa.Column("base_model_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False, server_default="8"),
        sa.Column("alpha", sa.Float, nullable=False, server_default="16"),
        sa.Column("n_train", sa.Integer, nullable=False, server_default="0"),
        sa.Column("steps", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("promoted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("scores", sa.JSON, nullable=False),
    )
    op.create_index("ix_adapters_task", "adapters", ["task"])

    op.create_table(
        "training_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task", sa.String(64), nullable=False),
        sa.Column("adapter_name", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="running"),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("steps_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("steps_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_train", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_heldout", sa.Integer, nullable=False, server_default="0"),
        sa.Column("final_loss", sa.Float, nullable=True),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("edits_at_start", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("status IN ('running', 'done', 'failed', 'cancelled')", name="ck_runs_status"),
    )
    op.create_index("ix_training_runs_task", "training_runs", ["task"])


def downgrade() -> None:
    op.drop_table("training_runs")
    op.drop_table("adapters")
    for name in ("edits_fts_ai", "edits_fts_ad", "edits_fts_au_old", "edits_fts_au_new"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS edits_fts_vocab")
    op.execute("DROP TABLE IF EXISTS edits_fts")
    op.drop_table("edits")
