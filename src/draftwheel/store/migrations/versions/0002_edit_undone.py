"""edits.undone: an applied suggestion the user undid (kept out of training and few-shot; redo clears it).

The full-text index that few-shot retrieval ranks holds only rows a user
kept, so its triggers now also leave undone rows out: undoing a suggestion
removes it from the index and redoing it puts it back.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_KEPT = "('accepted', 'edited')"
_TRIGGERS = ("edits_fts_ai", "edits_fts_ad", "edits_fts_au_old", "edits_fts_au_new")


def _triggers(row_kept_old: str, row_kept_new: str) -> list[str]:
    """The index triggers of 0001 with the given "is this row indexed" conditions for old/new rows."""
    return [
        f"""CREATE TRIGGER edits_fts_ai AFTER INSERT ON edits WHEN {row_kept_new} BEGIN
            INSERT INTO edits_fts(rowid, input_text, task) VALUES (new.id, new.input_text, new.task);
        END""",
        f"""CREATE TRIGGER edits_fts_ad AFTER DELETE ON edits WHEN {row_kept_old} BEGIN
            INSERT INTO edits_fts(edits_fts, rowid, input_text, task) VALUES ('delete', old.id, old.input_text, old.task);
        END""",
        f"""CREATE TRIGGER edits_fts_au_old AFTER UPDATE ON edits WHEN {row_kept_old} BEGIN
            INSERT INTO edits_fts(edits_fts, rowid, input_text, task) VALUES ('delete', old.id, old.input_text, old.task);
        END""",
        f"""CREATE TRIGGER edits_fts_au_new AFTER UPDATE ON edits WHEN {row_kept_new} BEGIN
            INSERT INTO edits_fts(rowid, input_text, task) VALUES (new.id, new.input_text, new.task);
        END""",
    ]


def _drop_triggers() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    # A plain string default keeps this an in-place ALTER TABLE ADD COLUMN under batch mode
    # (no table copy); every existing row is "not undone".
    with op.batch_alter_table("edits") as batch:
        batch.add_column(sa.Column("undone", sa.Boolean, nullable=False, server_default="0"))
    _drop_triggers()
    for sql in _triggers(f"old.outcome IN {_KEPT} AND old.undone = 0", f"new.outcome IN {_KEPT} AND new.undone = 0"):
        op.execute(sql)


def downgrade() -> None:
    _drop_triggers()
    # Rows that were undone go back into the index with the 0001 rules (which know no undo).
    op.execute(
        f"INSERT INTO edits_fts(rowid, input_text, task) SELECT id, input_text, task FROM edits "
        f"WHERE undone = 1 AND outcome IN {_KEPT}"
    )
    with op.batch_alter_table("edits", recreate="always") as batch:
        batch.drop_column("undone")
    for sql in _triggers(f"old.outcome IN {_KEPT}", f"new.outcome IN {_KEPT}"):
        op.execute(sql)
