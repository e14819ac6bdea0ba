"""Migration 0007: a store made by the previous version gets the built-in styles "In my voice" (voice)
and "Answer from my writing" (answer), and its grounded pairs of those tasks join them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine

from draftwheel.config import app_paths
from draftwheel.store import BUILTIN_KEYS, list_styles, open_store
from draftwheel.store.db import alembic_config

_BEFORE = "0006"  # the head of the version before


def _insert(conn, i: int, task: str, origin: str = "grounded") -> None:
    conn.exec_driver_sql(
        "INSERT INTO edits (id, created_at, task, instruction, input_text, final_text, outcome, origin) "
        "VALUES (?, '2026-11-30 06:00:00', ?, 'x', ?, ?, 'accepted', ?)",
        (i, task, f"Plain words about gardens {i}.", f"My own words about gardens {i}.", origin),
    )


def _styles(conn) -> dict[str, tuple[int, bool]]:
    return {r.key: (r.id, bool(r.builtin)) for r in conn.exec_driver_sql("SELECT id, key, builtin FROM styles")}


def test_a_previous_store_gets_voice_and_answer_styles_and_its_pairs_join_them(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'draftwheel.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), _BEFORE)
        assert "voice" not in _styles(conn)
        _insert(conn, 1, "voice")
        _insert(conn, 2, "answer")
        _insert(conn, 3, "grammar", origin="app")
        conn.exec_driver_sql(
            "INSERT INTO training_runs (task, status, started_at, scores) VALUES ('voice', 'failed', "
            "'2026-11-30 06:00:00', '{}')"
        )
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        styles = _styles(conn)
        assert styles["voice"][1] and styles["answer"][1]
        rows = dict(conn.exec_driver_sql("SELECT task, style_id FROM edits").all())
        # only the two tasks' rows move (a raw insert left grammar's style_id empty: it stays so)
        assert rows == {"voice": styles["voice"][0], "answer": styles["answer"][0], "grammar": None}
        assert conn.exec_driver_sql("SELECT style_id FROM training_runs").scalar_one() == styles["voice"][0]
        # the pairs stay in the few-shot index under their task
        hits = conn.exec_driver_sql("SELECT rowid FROM edits_fts WHERE edits_fts MATCH 'task : voice'").all()
        assert [h[0] for h in hits] == [1]
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), _BEFORE)
        assert "voice" not in _styles(conn) and "answer" not in _styles(conn)
        assert conn.exec_driver_sql("SELECT count(*) FROM edits WHERE style_id IS NULL").scalar_one() == 3
    engine.dispose()
    # The app opens the old file, migrates it again, and lists the built-in styles in order.
    store = open_store(app_paths(tmp_path))
    with store.session() as s:
        assert [x.key for x in list_styles(s) if x.builtin] == list(BUILTIN_KEYS)
    store.close()


def test_a_user_style_that_holds_the_key_already_is_left_alone(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'draftwheel.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), _BEFORE)
        conn.exec_driver_sql(
            "INSERT INTO styles (key, name, instruction, description, auto_train, builtin, created_at, updated_at) "
            "VALUES ('voice', 'Voice', 'Sound like a radio host.', '', 1, 0, '2026-11-30', '2026-11-30')"
        )
        command.upgrade(alembic_config(conn), "head")
        rows = conn.exec_driver_sql("SELECT key, name, builtin FROM styles WHERE key IN ('voice', 'answer')").all()
        assert sorted(tuple(r) for r in rows) == [("answer", "answer", 1), ("voice", "Voice", 0)]
    engine.dispose()
