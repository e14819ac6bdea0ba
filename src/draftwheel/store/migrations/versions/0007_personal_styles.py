"""Two more built-in styles: "In my voice" (key ``voice``) and "Answer from my writing" (key ``answer``).

Grounded generation (``draftwheel ground``) has stored its pairs under the
tasks ``voice`` (plain paraphrase -> the author's original) and ``answer``
(question, situation or objection -> the author's answer) without a style to
train them; this adds the built-in rows, as 0004 did for the five presets
(key = name = the preset's name, ``base_preset`` = it), and points the
existing edits, adapters and training runs of those tasks at them.

A store where a user style already holds the key (a style named "Voice"
made before this version) keeps that style as it is and gets no built-in row
for the key: keys never change, and taking the user's edits over silently
would be worse than going without the built-in style there.

It follows 0006 (the passage index of "Ask my writing"); nothing here depends on it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEYS = ("voice", "answer")
_TABLES = ("edits", "adapters", "training_runs")


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    taken = {str(v).casefold() for row in conn.execute(sa.text("SELECT key, name FROM styles")).all() for v in row}
    for key in KEYS:
        if key in taken:
            continue
        conn.execute(
            sa.text(
                "INSERT INTO styles (key, name, instruction, description, base_preset, train_threshold, "
                "auto_train, builtin, created_at, updated_at) "
                "VALUES (:key, :key, '', '', :key, NULL, 1, 1, :now, :now)"
            ),
            {"key": key, "now": now},
        )
        for table in _TABLES:
            conn.execute(
                sa.text(
                    f"UPDATE {table} SET style_id = (SELECT id FROM styles WHERE key = :key) "
                    "WHERE task = :key AND style_id IS NULL"
                ),
                {"key": key},
            )


def downgrade() -> None:
    # The rows of those tasks stay (under their task, as before); only the built-in styles go.
    for table in _TABLES:
        op.execute(
            f"UPDATE {table} SET style_id = NULL WHERE style_id IN "
            "(SELECT id FROM styles WHERE builtin = 1 AND key IN ('voice', 'answer'))"
        )
    op.execute("DELETE FROM styles WHERE builtin = 1 AND key IN ('voice', 'answer')")
