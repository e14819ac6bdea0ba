"""Migration 0005 (stage 'rules'): rows, indexes and the few-shot index survive up and down."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError

from draftwheel.store.db import alembic_config, head_revision


def _fts_ids(conn) -> set[int]:
    return {r[0] for r in conn.exec_driver_sql("SELECT rowid FROM edits_fts WHERE edits_fts MATCH 'school'")}


def _insert(conn, i: int, stage: str = "zero", outcome: str = "accepted") -> None:
    conn.exec_driver_sql(
        "INSERT INTO edits (id, created_at, task, input_text, final_text, outcome, stage) "
        f"VALUES ({i}, '2026-11-30 06:00:00', 'grammar', 'She go to school {i}.', 'She goes to school {i}.', "
        f"'{outcome}', '{stage}')"
    )


def test_rules_stage_is_accepted_after_0005_and_everything_else_carries_over(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'edits.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0004")
        _insert(conn, 1)
        _insert(conn, 2, "few", "rejected")
    with engine.begin() as conn, pytest.raises(IntegrityError):
        _insert(conn, 3, "rules")  # the 0001 constraint refuses the new stage
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == head_revision()
        assert conn.exec_driver_sql("SELECT count(*) FROM edits").scalar_one() == 2
        assert _fts_ids(conn) == {1}
        _insert(conn, 3, "rules")  # the triggers are back: a kept rules fix is indexed
        assert _fts_ids(conn) == {1, 3}
        conn.exec_driver_sql("UPDATE edits SET undone = 1 WHERE id = 3")
        assert _fts_ids(conn) == {1}
        conn.exec_driver_sql("UPDATE edits SET undone = 0 WHERE id = 3")
        indexes = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list(edits)")}
        assert {"ix_edits_created_at", "ix_edits_task", "ix_edits_task_outcome", "ix_edits_style_id"} <= indexes
        table_sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'edits'").scalar_one()
        assert "ck_edits_outcome" in table_sql and "ck_edits_origin" in table_sql and "'rules'" in table_sql
    with engine.begin() as conn, pytest.raises(IntegrityError):
        _insert(conn, 4, "nonsense")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
        assert [r[0] for r in conn.exec_driver_sql("SELECT id FROM edits ORDER BY id")] == [1, 2]
        assert _fts_ids(conn) == {1}
        conn.exec_driver_sql("DELETE FROM edits WHERE id = 1")  # the index triggers are there
        assert _fts_ids(conn) == set()
    engine.dispose()
