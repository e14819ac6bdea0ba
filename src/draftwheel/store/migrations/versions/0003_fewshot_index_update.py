"""Few-shot index: one UPDATE trigger (delete the old entry, then insert the new one), and a rebuild.

0001/0002 kept ``edits_fts`` in sync on UPDATE with two triggers,
``edits_fts_au_old`` (delete the old entry) and ``edits_fts_au_new`` (insert
the new one). SQLite fires the triggers of one event newest first, so the
insert ran before the delete: an UPDATE of a row that stayed indexed (its
final text corrected, ``include_in_training`` toggled) added the entry again
and then deleted it, and the row was gone from the index for good (only undo
+ redo brought it back). Worse, the 'delete' of an external-content FTS5 table
must be given exactly what was indexed; deleting entries that are not there
leaves the index inconsistent.

This revision replaces both with ONE trigger, ``edits_fts_au``, whose body
deletes the old entry (if the old row was indexed) and then inserts the new one
(if the new row is), in that order by construction. A row is indexed when
few-shot retrieval may return it: kept (accepted / edited), marked for
training, not undone. The INSERT and DELETE triggers use the same rule (it
must be the same everywhere, see above). Finally the index is rebuilt from the
eligible rows, which puts back what the old triggers lost. ``rebuild`` itself
is not usable: on an external-content table it indexes every row of ``edits``
(rejected and pending too), so it is 'delete-all' and one INSERT ... SELECT.

No column changes, so nothing needs a batch (table copy) operation; triggers
and the FTS5 table are plain DDL/DML that SQLite runs in place.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_KEPT = "('accepted', 'edited')"
_OLD_TRIGGERS = ("edits_fts_ai", "edits_fts_ad", "edits_fts_au_old", "edits_fts_au_new")
_NEW_TRIGGERS = ("edits_fts_ai", "edits_fts_ad", "edits_fts_au")


def eligible(row: str) -> str:
    """SQL: is ``row`` (``old``, ``new`` or the table name) in the few-shot index (0003 rule)."""
    return f"({row}.outcome IN {_KEPT} AND {row}.include_in_training = 1 AND {row}.undone = 0)"


def _eligible_0002(row: str) -> str:
    return f"({row}.outcome IN {_KEPT} AND {row}.undone = 0)"


def _triggers_0003() -> list[str]:
    old, new = eligible("old"), eligible("new")
    return [
        f"""CREATE TRIGGER edits_fts_ai AFTER INSERT ON edits WHEN {new} BEGIN
            INSERT INTO edits_fts(rowid, input_text, task) VALUES (new.id, new.input_text, new.task);
        END""",
        f"""CREATE TRIGGER edits_fts_ad AFTER DELETE ON edits WHEN {old} BEGIN
            INSERT INTO edits_fts(edits_fts, rowid, input_text, task) VALUES ('delete', old.id, old.input_text, old.task);
        END""",
        # One trigger, two statements: the delete of the old entry always runs before the insert.
        f"""CREATE TRIGGER edits_fts_au AFTER UPDATE ON edits WHEN {old} OR {new} BEGIN
            INSERT INTO edits_fts(edits_fts, rowid, input_text, task)
                SELECT 'delete', old.id, old.input_text, old.task WHERE {old};
            INSERT INTO edits_fts(rowid, input_text, task)
                SELECT new.id, new.input_text, new.task WHERE {new};
        END""",
    ]


def _triggers_0002() -> list[str]:
    """The triggers exactly as 0002 made them (same order of creation, so the same firing order)."""
    old, new = _eligible_0002("old"), _eligible_0002("new")
    return [
        f"""CREATE TRIGGER edits_fts_ai AFTER INSERT ON edits WHEN {new} BEGIN
            INSERT INTO edits_fts(rowid, input_text, task) VALUES (new.id, new.input_text, new.task);
        END""",
        f"""CREATE TRIGGER edits_fts_ad AFTER DELETE ON edits WHEN {old} BEGIN
            INSERT INTO edits_fts(edits_fts, rowid, input_text, task) VALUES ('delete', old.id, old.input_text, old.task);
        END""",
        f"""CREATE TRIGGER edits_fts_au_old AFTER UPDATE ON edits WHEN {old} BEGIN
            INSERT INTO edits_fts(edits_fts, rowid, input_text, task) VALUES ('delete', old.id, old.input_text, old.task);
        END""",
        f"""CREATE TRIGGER edits_fts_au_new AFTER UPDATE ON edits WHEN {new} BEGIN
            INSERT INTO edits_fts(rowid, input_text, task) VALUES (new.id, new.input_text, new.task);
        END""",
    ]


def _drop(names: tuple[str, ...]) -> None:
    for name in names:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _reindex(rule: str) -> None:
    """Empty the index (its rank setting stays) and index exactly the rows ``rule`` admits."""
    op.execute("INSERT INTO edits_fts(edits_fts) VALUES('delete-all')")
    op.execute(f"INSERT INTO edits_fts(rowid, input_text, task) SELECT id, input_text, task FROM edits WHERE {rule}")


def upgrade() -> None:
    _drop(_OLD_TRIGGERS)
    for sql in _triggers_0003():
        op.execute(sql)
    _reindex(eligible("edits"))


def downgrade() -> None:
    _drop(_NEW_TRIGGERS)
    for sql in _triggers_0002():
        op.execute(sql)
    # 0002 indexes kept rows left out of training too; its delete triggers expect them there.
    _reindex(_eligible_0002("edits"))
