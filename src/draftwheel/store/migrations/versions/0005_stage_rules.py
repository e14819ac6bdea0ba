"""edits.stage may be 'rules': a fix from the editor's rule-based checker (Harper), accepted or ignored.

The stage column keeps its type (String(8)); only its CHECK constraint
``ck_edits_stage`` changes. SQLite cannot alter a constraint in place, so the
table is copied (batch mode, ``recreate="always"``). Dropping the old table
drops its triggers, so the few-shot index triggers of 0003 are dropped first
and made again afterwards (0004 changed none of them); row ids are kept by the copy, so the index
(external content, keyed by ``edits.id``) stays valid as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_KEPT = "('accepted', 'edited')"
_TRIGGERS = ("edits_fts_ai", "edits_fts_ad", "edits_fts_au")
_STAGES_0001 = "stage IN ('zero', 'few', 'lora')"
_STAGES_0005 = "stage IN ('zero', 'few', 'lora', 'rules')"


def _eligible(row: str) -> str:
    """The 0003 rule: is ``row`` in the few-shot index."""
    return f"({row}.outcome IN {_KEPT} AND {row}.include_in_training = 1 AND {row}.undone = 0)"


def _triggers() -> list[str]:
    """The index triggers exactly as 0003 made them (same order of creation; 0004 kept them)."""
    old, new = _eligible("old"), _eligible("new")
    return [
        f"""CREATE TRIGGER edits_fts_ai AFTER INSERT ON edits WHEN {new} BEGIN
            INSERT INTO edits_fts(rowid, input_text, task) VALUES (new.id, new.input_text, new.task);
        END""",
        f"""CREATE TRIGGER edits_fts_ad AFTER DELETE ON edits WHEN {old} BEGIN
            INSERT INTO edits_fts(edits_fts, rowid, input_text, task) VALUES ('delete', old.id, old.input_text, old.task);
        END""",
        f"""CREATE TRIGGER edits_fts_au AFTER UPDATE ON edits WHEN {old} OR {new} BEGIN
            INSERT INTO edits_fts(edits_fts, rowid, input_text, task)
                SELECT 'delete', old.id, old.input_text, old.task WHERE {old};
            INSERT INTO edits_fts(rowid, input_text, task)
                SELECT new.id, new.input_text, new.task WHERE {new};
        END""",
    ]


def _with_stage_check(condition: str) -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("edits", recreate="always") as batch:
        batch.drop_constraint("ck_edits_stage", type_="check")
        batch.create_check_constraint("ck_edits_stage", condition)
    for sql in _triggers():
        op.execute(sql)


def upgrade() -> None:
    _with_stage_check(_STAGES_0005)


def downgrade() -> None:
    # Rows of the rules stage have no place in the old schema: they go (their index entries first).
    op.execute("DELETE FROM edits WHERE stage = 'rules'")
    _with_stage_check(_STAGES_0001)
