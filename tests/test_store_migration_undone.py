"""Migration 0002 (edits.undone): existing data survives up and down, and the few-shot index follows the flag."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine

from draftwheel.store.db import alembic_config, head_revision


def _fts_ids(conn) -> set[int]:
    return {r[0] for r in conn.exec_driver_sql("SELECT rowid FROM edits_fts WHERE edits_fts MATCH 'school'")}


def _insert(conn, i: int, outcome: str = "accepted") -> None:
    conn.exec_driver_sql(
        "INSERT INTO edits (id, created_at, task, input_text, final_text, outcome) "
        f"VALUES ({i}, '2026-11-30 06:00:00', 'grammar', 'She go to school {i}.', 'She goes to school {i}.', "
        f"'{outcome}')"
    )


def test_upgrade_keeps_rows_and_downgrade_gives_the_0001_schema_back(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'edits.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        _insert(conn, 1)
        _insert(conn, 2)
        _insert(conn, 3, "rejected")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == head_revision()
        assert [r[0] for r in conn.exec_driver_sql("SELECT undone FROM edits ORDER BY id")] == [0, 0, 0]
        assert _fts_ids(conn) == {1, 2}  # the index carried over as it was
        conn.exec_driver_sql("UPDATE edits SET undone = 1 WHERE id = 1")
        assert _fts_ids(conn) == {2}  # undone: out of the few-shot index
        conn.exec_driver_sql("UPDATE edits SET undone = 0 WHERE id = 1")
        assert _fts_ids(conn) == {1, 2}  # redo: back in
        conn.exec_driver_sql("UPDATE edits SET undone = 1 WHERE id = 2")
        _insert(conn, 4)
        assert _fts_ids(conn) == {1, 4}
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
        cols = {r[1] for r in conn.exec_driver_sql("PRAGMA table_info(edits)")}
        assert "undone" not in cols
        assert conn.exec_driver_sql("SELECT count(*) FROM edits").scalar_one() == 4
        assert _fts_ids(conn) == {1, 2, 4}  # 0001 knows no undo: every kept row is indexed
        table_sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'edits'").scalar_one()
        assert "ck_edits_outcome" in table_sql
        conn.exec_driver_sql("DELETE FROM edits WHERE id = 4")  # the 0001 triggers are back
        assert _fts_ids(conn) == {1, 2}
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        assert _fts_ids(conn) == {1, 2}
    engine.dispose()
