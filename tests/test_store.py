"""The store on a real SQLite file in a fresh data folder."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import text

from draftwheel.config import Settings, save_settings
from draftwheel.errors import DraftwheelError, InputError, NotFoundError
from draftwheel.store import (
    StoreError,
    add_adapter,
    add_edits,
    count_edits,
    delete_all,
    delete_edit,
    finish_run,
    get_adapter,
    get_edit,
    head_revision,
    last_run,
    list_adapters,
    list_edits,
    log_edit,
    open_store,
    promote_adapter,
    promoted_adapter,
    rename_adapter,
    start_run,
    update_edit,
    update_run,
)


@pytest.fixture
def store(paths):
    s = open_store(paths)
    yield s
    s.close()


def _log(s, **kw):
    values = dict(
        task="grammar",
        input_text="He go home .",
        output_text="He goes home .",
        final_text="He went home .",
        outcome="edited",
    )
    values.update(kw)
    return log_edit(s, **values)


def test_migration_from_empty_folder_creates_schema_wal_and_private_file(paths):
    assert not paths.database.exists()
    store = open_store(paths)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == head_revision()
            names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
            assert {"edits", "edits_fts", "adapters", "training_runs"} <= names
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
    finally:
        store.close()
    if os.name == "posix":
        assert stat.S_IMODE(paths.database.stat().st_mode) == 0o600
        assert stat.S_IMODE(paths.home.stat().st_mode) == 0o700
    # Opening again is a no-op migration and keeps the data.
    with open_store(paths) as again, again.session() as s:
        assert count_edits(s) == 0


def test_edit_round_trip_through_the_file(paths, store):
    with store.session() as s, s.begin():
        e = _log(
            s,
            instruction="Fix it.",
            model="gemma3-270m",
            adapter="mine",
            stage="few",
            latency_ms=12.5,
            prompt_tokens=40,
            output_tokens=9,
            origin="app",
            source_doc="notes.md",
            source_start=3,
            source_end=40,
            pair_kind="rewrite",
            theme="travel",
        )
        edit_id = e.id
    store.close()
    with open_store(paths) as fresh, fresh.session() as s:
        got = get_edit(s, edit_id)
        assert (got.task, got.input_text, got.output_text, got.final_text, got.outcome) == (
            "grammar",
            "He go home .",
            "He goes home .",
            "He went home .",
            "edited",
        )
        assert (got.model, got.adapter, got.stage, got.latency_ms, got.prompt_tokens, got.output_tokens) == (
            "gemma3-270m",
            "mine",
            "few",
            12.5,
            40,
            9,
        )
        assert (got.source_doc, got.source_start, got.source_end, got.pair_kind, got.theme) == (
            "notes.md",
            3,
            40,
            "rewrite",
            "travel",
        )
        assert got.include_in_training is True
        assert got.created_at.year >= 2024


def test_list_count_update_delete(store):
    with store.session() as s, s.begin():
        _log(s, outcome="accepted")
        _log(s, outcome="rejected")
        pending = _log(s, outcome="pending", origin="grounded")
        _log(s, task="formal", outcome="accepted")
    with store.session() as s, s.begin():
        assert count_edits(s, "grammar") == 1  # kept = accepted + edited
        assert count_edits(s, "grammar", outcomes=None) == 3
        assert len(list_edits(s, outcomes=["rejected"])) == 1
        assert [e.task for e in list_edits(s, limit=1)] == ["formal"]  # newest first
        update_edit(s, pending.id, outcome="accepted")
        assert count_edits(s, "grammar") == 2
        delete_edit(s, pending.id)
        with pytest.raises(NotFoundError):
            get_edit(s, pending.id)


def test_bad_values_are_clear_errors(store):
    with store.session() as s, s.begin():
        with pytest.raises(InputError, match="outcome"):
            _log(s, outcome="liked")
        with pytest.raises(InputError, match="stage"):
            _log(s, stage="big")
        with pytest.raises(InputError, match="input_text"):
            _log(s, input_text="  ")


def test_add_edits_is_all_or_nothing(store):
    rows = [dict(task="grammar", input_text=f"a{i}", final_text=f"b{i}", outcome="accepted") for i in range(5)]
    rows[3]["outcome"] = "maybe"
    with pytest.raises(InputError), store.session() as s, s.begin():
        add_edits(s, rows)
    with store.session() as s:
        assert count_edits(s, outcomes=None) == 0


def test_pause_stores_nothing(paths, store):
    save_settings(Settings(logging_paused=True), paths)
    with store.session() as s, s.begin():
        assert _log(s) is None  # settings are read from the database's data folder
        assert add_edits(s, [dict(task="grammar", input_text="x", final_text="y", outcome="accepted")]) == 0
    with store.session() as s:
        assert count_edits(s, outcomes=None) == 0


def test_redaction_before_storing(paths, store):
    save_settings(Settings(redact=True), paths)
    with store.session() as s, s.begin():
        e = _log(
            s,
            input_text="Write to ann@example.com or call +1 (555) 123-4567, see https://ex.org/x.",
            final_text="Mail ann@example.com today.",
        )
        edit_id = e.id
    with store.session() as s:
        got = get_edit(s, edit_id)
        assert "ann@example.com" not in got.input_text and "[email]" in got.input_text
        assert "555" not in got.input_text and "[phone]" in got.input_text
        assert "ex.org" not in got.input_text and "[url]" in got.input_text
        assert got.final_text == "Mail [email] today."
    store.close()  # never read the file while this process has connections to it (POSIX locks)
    raw = b"".join(p.read_bytes() for p in paths.home.iterdir() if p.name.startswith(paths.database.name))
    assert b"ann@example.com" not in raw


def test_delete_all_really_removes_rows(paths, store):
    secret = "the zebra password is swordfish"
    with store.session() as s, s.begin():
        for i in range(50):
            _log(s, input_text=f"{secret} {i}", outcome="accepted")
    with store.session() as s, s.begin():
        assert delete_all(s) == 50
    with store.session() as s:
        assert count_edits(s, outcomes=None) == 0
        assert s.execute(text("SELECT count(*) FROM edits_fts_vocab")).scalar_one() == 0
    store.close()
    files = [p for p in paths.home.iterdir() if p.name.startswith(paths.database.name)]
    assert all(secret.encode() not in p.read_bytes() for p in files)


def test_adapters_and_promotion(store):
    with store.session() as s, s.begin():
        add_adapter(s, name="a1", task="grammar", base_model_sha256="ab" * 32, path="/x/a1", scores={"chrf": 1.0})
        add_adapter(s, name="a2", task="grammar", base_model_sha256="ab" * 32, path="/x/a2")
        with pytest.raises(DraftwheelError, match="already exists"):
            add_adapter(s, name="a1", task="formal", base_model_sha256="cd" * 32, path="/x/b")
        assert promoted_adapter(s, "grammar") is None
        promote_adapter(s, "a1")
        promote_adapter(s, "a2")
        assert promoted_adapter(s, "grammar").name == "a2"
        assert get_adapter(s, "a1").promoted is False
        rename_adapter(s, "a2", "work")
        assert [a.name for a in list_adapters(s, task="grammar")] == ["work", "a1"]
        assert get_adapter(s, "a1").scores == {"chrf": 1.0}


def test_training_runs(store):
    with store.session() as s, s.begin():
        for i in range(3):
            _log(s, outcome="accepted", input_text=f"x{i}")
        run = start_run(s, "grammar", steps_total=10, n_train=2, n_heldout=1)
        assert run.status == "running" and run.edits_at_start == 3
        update_run(s, run.id, steps_done=5, final_loss=1.5)
        finish_run(
            s,
            run.id,
            "done",
            scores={"baseline": {"chrf": 40.0, "stage": "few"}, "adapter": {"chrf": 45.0}},
            adapter_name="a1",
        )
    with store.session() as s:
        r = last_run(s, "grammar")
        assert (r.status, r.steps_done, r.adapter_name, r.scores["adapter"]["chrf"]) == ("done", 5, "a1", 45.0)
        assert r.finished_at is not None


def test_newer_schema_is_refused(paths, store):
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    store.close()
    with pytest.raises(StoreError, match="newer version of Draftwheel"):
        open_store(paths)


def test_corrupt_file_gets_a_clear_message_and_is_kept(paths):
    paths.database.write_bytes(b"this is not a database at all, just some bytes" * 200)
    before = paths.database.read_bytes()
    with pytest.raises(StoreError, match="corrupt or not a Draftwheel database"):
        open_store(paths)
    assert paths.database.read_bytes() == before  # never replaced by a fresh database


def test_foreign_sqlite_file_is_refused(paths):
    con = sqlite3.connect(paths.database)
    con.execute("CREATE TABLE notes (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a Draftwheel database"):
        open_store(paths)


def test_locked_file_gets_a_clear_message(paths, store):
    holder = sqlite3.connect(paths.database, timeout=0.1)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        quick = open_store(paths, busy_timeout_ms=200)  # reading still works in WAL mode
        with pytest.raises(StoreError, match="locked"), quick.session() as s, s.begin():
            _log(s)
        quick.close()
    finally:
        holder.rollback()
        holder.close()


_WRITER = textwrap.dedent("""
    import sys
    from draftwheel.config import app_paths
    from draftwheel.store import log_edit, open_store
    store = open_store(app_paths())
    for i in range(int(sys.argv[1])):
        with store.session() as s, s.begin():
            log_edit(s, task="grammar", input_text=f"{sys.argv[2]} {i}", final_text="ok", outcome="accepted",
                     origin=sys.argv[2])
    store.close()
""")


def test_two_processes_writing_at_once_lose_nothing(paths, home):
    n = 60
    env = dict(os.environ, DRAFTWHEEL_HOME=str(home))
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(n), origin], env=env) for origin in ("app", "cli")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    with open_store(paths) as store, store.session() as s:
        assert count_edits(s, origin="app") == n
        assert count_edits(s, origin="cli") == n
        assert len({e.input_text for e in list_edits(s)}) == 2 * n


def test_bench_fill_writes_searchable_rows(store):
    from draftwheel.bench.store import _Sentences, fill
    from draftwheel.flywheel import similar_edits

    fill(store, 300, _Sentences(seed=1), batch=128)
    with store.session() as s:
        assert count_edits(s, outcomes=None) == 300
        # 90% grammar; outcomes cycle accepted, accepted, edited, rejected
        assert count_edits(s, "grammar") == sum(1 for i in range(300) if i % 10 and i % 4 != 3)
        probe = list_edits(s, task="grammar", outcomes=["accepted"], limit=1)[0]
        assert similar_edits(s, "grammar", probe.input_text, limit=1)[0].id == probe.id
