"""Styles: named ways of revising, each with its own edits, adapters, training runs and settings.

A new table ``styles`` (key, name, instruction, voice description, base
preset, training threshold, auto-train flag, built-in flag, times). The five
presets become built-in styles whose key is the preset's name. ``edits``,
``adapters`` and ``training_runs`` get a ``style_id``; their ``task`` column
stays and holds the style's key, so everything that filters by task (the
few-shot index included) keeps working unchanged.

``style_id`` is a plain indexed integer, not an SQLite foreign key: adding a
constraint would copy the ``edits`` table (and drop the few-shot index's
triggers); the store keeps it right (``store.styles``).

Existing ``custom`` edits (any instruction under one task name) become one
style per distinct instruction, compared after collapsing whitespace and
ignoring case. Each style is named after the first words of its instruction
(at most five words and 40 characters, e.g. "Make it sound less stiff"), or
"Custom N" when the instruction has no words; a name already taken gets " 2",
" 3"... Its instruction is the first such edit's, its key a slug of the name.
The edits move to the new key (the few-shot index follows by its triggers).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BUILTINS = ("grammar", "clearer", "shorter", "formal", "friendly")
_TABLES = ("edits", "adapters", "training_runs")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


def _norm(instruction: str) -> str:
    return " ".join((instruction or "").split()).casefold()


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:48].strip("-")
    return slug or "style"


def _name_for(instruction: str, n: int) -> str:
    words = _WORD.findall(instruction or "")[:5]
    name = ""
    for w in words:
        if len(name) + len(w) + 1 > 40:
            break
        name = f"{name} {w}".strip()
    return (name[:1].upper() + name[1:]) if name else f"Custom {n}"


def _unique(wanted: str, taken: set[str]) -> str:
    out, i = wanted, 2
    while out.casefold() in taken:
        out, i = f"{wanted} {i}", i + 1
    taken.add(out.casefold())
    return out


def upgrade() -> None:
    styles = op.create_table(
        "styles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("instruction", sa.Text, nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("base_preset", sa.String(64), nullable=True),
        sa.Column("train_threshold", sa.Integer, nullable=True),
        sa.Column("auto_train", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("builtin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    for table in _TABLES:
        # A plain ADD COLUMN (no table copy): the few-shot index's triggers on edits stay as they are.
        op.add_column(table, sa.Column("style_id", sa.Integer, nullable=True))
        op.create_index(f"ix_{table}_style_id", table, ["style_id"])
    conn = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        {"key": k, "name": k, "instruction": "", "description": "", "base_preset": k, "builtin": True} for k in BUILTINS
    ]
    # Custom edits: one style per distinct instruction, in the order each was first used.
    groups: dict[str, str] = {}
    for instruction in conn.execute(
        sa.text("SELECT instruction FROM edits WHERE task = 'custom' ORDER BY id")
    ).scalars():
        groups.setdefault(_norm(instruction), (instruction or "").strip())
    taken = set(BUILTINS) | {"custom"}
    keys_taken = (
        set(BUILTINS)
        | {t for t in conn.execute(sa.text("SELECT DISTINCT task FROM edits")).scalars() if t}
        | {"custom"}
    )
    moves = []
    for n, (norm, instruction) in enumerate(groups.items(), start=1):
        name = _unique(_name_for(instruction, n), taken)
        key = _unique(_slug(name), keys_taken)
        rows.append(
            {
                "key": key,
                "name": name,
                "instruction": instruction or "Revise the text.",
                "description": "",
                "base_preset": None,
                "builtin": False,
            }
        )
        moves.append((norm, key))
    op.bulk_insert(styles, [{**r, "auto_train": True, "created_at": now, "updated_at": now} for r in rows])
    if moves:
        by_norm = dict(moves)
        for edit_id, instruction in conn.execute(
            sa.text("SELECT id, instruction FROM edits WHERE task = 'custom'")
        ).all():
            conn.execute(
                sa.text("UPDATE edits SET task = :key WHERE id = :id"),
                {"key": by_norm[_norm(instruction)], "id": edit_id},
            )
    for table in _TABLES:
        op.execute(f"UPDATE {table} SET style_id = (SELECT s.id FROM styles AS s WHERE s.key = {table}.task)")


def downgrade() -> None:
    # The edits of the user's own styles go back to the one task 'custom' (their instruction is on each row).
    op.execute(
        "UPDATE edits SET task = 'custom' WHERE style_id IN (SELECT id FROM styles WHERE builtin = 0) "
        "OR (style_id IS NULL AND task NOT IN ('grammar', 'clearer', 'shorter', 'formal', 'friendly', 'custom') "
        "AND instruction != '')"
    )
    for table in _TABLES:
        op.drop_index(f"ix_{table}_style_id", table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN style_id")  # SQLite >= 3.35, in place
    op.drop_table("styles")
