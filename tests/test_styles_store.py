"""Styles in the store: migration 0004 on a store made by the previous version, and the style records."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine

from draftwheel.config import app_paths
from draftwheel.errors import DraftwheelError, InputError, NotFoundError
from draftwheel.store import (
    BUILTIN_KEYS,
    add_adapter,
    add_edits,
    add_style,
    adopt_custom_edits,
    count_edits,
    delete_style,
    find_style,
    get_style,
    list_edits,
    list_styles,
    log_edit,
    open_store,
    rename_style,
    start_run,
    update_style,
)
from draftwheel.store.db import alembic_config, head_revision


def _insert(conn, i: int, task: str, instruction: str = "", outcome: str = "accepted") -> None:
    conn.exec_driver_sql(
        "INSERT INTO edits (id, created_at, task, instruction, input_text, final_text, outcome) "
        "VALUES (?, '2026-11-30 06:00:00', ?, ?, ?, ?, ?)",
        (i, task, instruction, f"She go to school {i}.", f"She goes to school {i}.", outcome),
    )


def _fts(conn, task: str) -> set[int]:
    """Indexed rows of ``task`` (FTS5 matches "custom" inside "custom-3" too: the store filters exactly)."""
    return {
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT f.rowid FROM edits_fts AS f JOIN edits AS e ON e.id = f.rowid "
            "WHERE edits_fts MATCH ? AND e.task = ?",
            (f'task : "{task}" AND input_text : school', task),
        )
    }


def test_a_0003_store_upgrades_custom_edits_into_one_style_per_instruction_and_back(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'draftwheel.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0003")  # the schema the previous version made
        _insert(conn, 1, "grammar", "Correct grammar.")
        _insert(conn, 2, "custom", "Make it sound less stiff")
        _insert(conn, 3, "custom", "  make it   SOUND less stiff ")  # same instruction: spaces and case
        _insert(conn, 4, "custom", "Write like a pirate!")
        _insert(conn, 5, "custom", "Write like a pirate!", outcome="rejected")
        _insert(conn, 6, "custom", "…")  # no words: named "Custom N"
        conn.exec_driver_sql(
            "INSERT INTO adapters (name, task, base_model_sha256, path, created_at, scores) "
            "VALUES ('g1', 'grammar', 'abc', '/x', '2026-11-30 06:00:00', '{}')"
        )
        conn.exec_driver_sql(
            "INSERT INTO training_runs (task, status, started_at, scores) "
            "VALUES ('grammar', 'done', '2026-11-30 06:00:00', '{}')"
        )
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        assert head_revision() >= "0004"  # 0005 (stage 'rules') follows
        styles = conn.exec_driver_sql("SELECT id, key, name, instruction, builtin FROM styles ORDER BY id").all()
        assert [s.key for s in styles[:5]] == list(BUILTIN_KEYS[:5])
        assert [s.key for s in styles if s.builtin] == list(BUILTIN_KEYS)  # 0007 adds voice and answer
        custom = [(s.key, s.name, s.instruction) for s in styles if not s.builtin]
        assert custom == [
            ("make-it-sound-less-stiff", "Make it sound less stiff", "Make it sound less stiff"),
            ("write-like-a-pirate", "Write like a pirate", "Write like a pirate!"),
            ("custom-3", "Custom 3", "…"),
        ]
        ids = {s.key: s.id for s in styles}
        rows = conn.exec_driver_sql("SELECT id, task, style_id FROM edits ORDER BY id").all()
        assert [(r.task, r.style_id) for r in rows] == [
            ("grammar", ids["grammar"]),
            ("make-it-sound-less-stiff", ids["make-it-sound-less-stiff"]),
            ("make-it-sound-less-stiff", ids["make-it-sound-less-stiff"]),
            ("write-like-a-pirate", ids["write-like-a-pirate"]),
            ("write-like-a-pirate", ids["write-like-a-pirate"]),
            ("custom-3", ids["custom-3"]),
        ]
        # The few-shot index follows the move (kept rows only, under their new key).
        assert _fts(conn, "make-it-sound-less-stiff") == {2, 3}
        assert _fts(conn, "write-like-a-pirate") == {4}
        assert _fts(conn, "custom") == set()
        assert conn.exec_driver_sql("SELECT style_id FROM adapters").scalar_one() == ids["grammar"]
        assert conn.exec_driver_sql("SELECT style_id FROM training_runs").scalar_one() == ids["grammar"]
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0003")
        assert [r[0] for r in conn.exec_driver_sql("SELECT task FROM edits ORDER BY id")] == [
            "grammar",
            *["custom"] * 5,
        ]
        assert "style_id" not in {r[1] for r in conn.exec_driver_sql("PRAGMA table_info(edits)")}
        assert _fts(conn, "custom") == {2, 3, 4, 6}
    engine.dispose()
    # The app opens the old file and migrates it again.
    store = open_store(app_paths(tmp_path))
    with store.session() as s:
        assert get_style(s, "Make it sound less stiff").key == "make-it-sound-less-stiff"
        assert count_edits(s, "make-it-sound-less-stiff") == 2
    store.close()


@pytest.fixture
def store(tmp_path):
    st = open_store(app_paths(tmp_path))
    yield st
    st.close()


def test_new_store_has_the_builtin_styles_and_rows_carry_their_style(store):
    with store.session() as s, s.begin():
        assert [x.key for x in list_styles(s)] == list(BUILTIN_KEYS)
        work = add_style(s, name="Work e-mail", instruction="Rewrite as a short work e-mail.", train_threshold=20)
        assert work.key == "work-e-mail" and not work.builtin
        e = log_edit(s, task=work.key, input_text="hi", final_text="Hello,", outcome="edited", settings=None)
        assert e is not None and e.style_id == work.id
        add_edits(s, [dict(task=work.key, input_text="a", final_text="b", outcome="accepted")])
        assert {x.style_id for x in list_edits(s, task=work.key)} == {work.id}
        assert add_adapter(s, name="w1", task=work.key, base_model_sha256="abc", path="/x").style_id == work.id
        assert start_run(s, work.key).style_id == work.id
        # Found by key or name, case ignored
        assert find_style(s, "WORK E-MAIL") is work
        assert find_style(s, "work-e-mail") is work


@pytest.mark.parametrize(
    "name, words",
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        ("a/b", "path character"),
        ("a\\b", "path character"),
        ("..", "path character"),
        ("x..y", "path character"),
        ("nul\0here", "control character"),
        ("x" * 65, "at most 64"),
    ],
)
def test_bad_style_names_are_refused_and_nothing_is_added(store, name, words):
    with store.session() as s, s.begin():
        with pytest.raises(InputError, match=words) as info:
            add_style(s, name=name, instruction="Do it.")
        assert info.value.hint
        assert len(list_styles(s)) == len(BUILTIN_KEYS)


def test_duplicates_builtins_and_deletion(store):
    with store.session() as s, s.begin():
        add_style(s, name="Fiction", instruction="Make it vivid.")
        for dup in ("fiction", " FICTION ", "grammar", "Formal", "custom"):
            with pytest.raises(DraftwheelError, match="exists already"):
                add_style(s, name=dup, instruction="x")
        with pytest.raises(InputError, match="needs an instruction"):
            add_style(s, name="Empty", instruction="  ")
        with pytest.raises(DraftwheelError, match="built-in"):
            delete_style(s, "grammar")
        with pytest.raises(DraftwheelError, match="built-in"):
            rename_style(s, "grammar", "Grammar 2")
        with pytest.raises(DraftwheelError, match="built-in"):
            update_style(s, "grammar", instruction="Be terse.")
        assert update_style(s, "grammar", train_threshold=30, auto_train=False).train_threshold == 30
        with pytest.raises(InputError, match="at least 1"):
            update_style(s, "grammar", train_threshold=0)
        add_style(s, name="Grant writing", instruction="Sound like a grant.")
        with pytest.raises(DraftwheelError, match="exists already"):
            rename_style(s, "Fiction", "grant writing")
        renamed = rename_style(s, "Fiction", "Short fiction")
        assert renamed.key == "fiction"  # the key (and so its edits) stays
        for i in range(3):
            log_edit(s, task="fiction", input_text=f"in {i}", final_text=f"out {i}", outcome="accepted")
        assert delete_style(s, "Short fiction") == {"edits": 3, "deleted_edits": 0}
        assert count_edits(s, "fiction") == 3  # kept, detached
        assert {e.style_id for e in list_edits(s, task="fiction")} == {None}
        with pytest.raises(NotFoundError):
            get_style(s, "Short fiction")
        # A new style of the same name gets a fresh key: it does not silently take over the old edits.
        again = add_style(s, name="Fiction", instruction="Make it vivid.")
        assert again.key == "fiction-2" and count_edits(s, again.key) == 0
        log_edit(s, task=again.key, input_text="x", final_text="y", outcome="accepted")
        assert delete_style(s, "Fiction", delete_edits=True) == {"edits": 1, "deleted_edits": 1}
        assert count_edits(s, "fiction-2") == 0


def test_a_new_style_adopts_the_ad_hoc_edits_of_its_instruction(store):
    with store.session() as s, s.begin():
        for instr in ("Make it warmer", "make it  WARMER", "Something else"):
            log_edit(s, task="custom", instruction=instr, input_text="a", final_text="b", outcome="accepted")
        style = add_style(s, name="Warm", instruction="Make it warmer")
        assert adopt_custom_edits(s, style) == 2
        assert count_edits(s, "warm") == 2 and count_edits(s, "custom") == 1
