"""Migration 0006 (passage index): tables, FTS5 triggers and the cascade, up and down."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, event

from draftwheel.store.db import alembic_config, head_revision


def _hits(conn, word: str) -> set[int]:
    return {r[0] for r in conn.exec_driver_sql(f"SELECT rowid FROM passages_fts WHERE passages_fts MATCH '{word}'")}


def test_passage_tables_and_index_come_and_go(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'edits.db'}")
    event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA foreign_keys = ON"))
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0005")
        conn.exec_driver_sql(
            "INSERT INTO edits (id, created_at, task, input_text, final_text, outcome, stage) "
            "VALUES (1, '2026-11-30 06:00:00', 'grammar', 'a', 'b', 'accepted', 'zero')"
        )
        command.upgrade(alembic_config(conn), "head")
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == head_revision()
        conn.exec_driver_sql(
            "INSERT INTO passage_docs (id, folder, rel, path, indexed_at) VALUES (1, '/f', 'a.md', '/f/a.md', '2026-11-30')"
        )
        conn.exec_driver_sql(
            "INSERT INTO passages (id, doc_id, start, \"end\", text) VALUES (1, 1, 0, 30, 'Composting kitchen scraps')"
        )
        assert _hits(conn, "compost") == {1}  # Porter stemming
        conn.exec_driver_sql("UPDATE passages SET text = 'Bees in the hive' WHERE id = 1")
        assert _hits(conn, "compost") == set() and _hits(conn, "bee") == {1}
        conn.exec_driver_sql("DELETE FROM passage_docs WHERE id = 1")  # the cascade fires the delete trigger
        assert conn.exec_driver_sql("SELECT count(*) FROM passages").scalar_one() == 0
        assert _hits(conn, "bee") == set()
        conn.exec_driver_sql("INSERT INTO passages_fts(passages_fts) VALUES('integrity-check')")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert not {n for n in names if n.startswith("passage")}
        assert conn.exec_driver_sql("SELECT count(*) FROM edits").scalar_one() == 1
    engine.dispose()
