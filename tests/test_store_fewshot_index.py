"""The few-shot index (``edits_fts``) follows every change of a stored edit (migration 0003).

Regression: 0001/0002 kept the index in sync on UPDATE with two triggers that
SQLite fired insert-first, delete-second, so correcting a kept edit's final
text or turning ``include_in_training`` off and on again dropped the edit from
few-shot retrieval for good. All of this runs on a real SQLite file through
the store's own API.
"""

from __future__ import annotations

import random

from alembic import command
from sqlalchemy import create_engine

from draftwheel.config.paths import app_paths
from draftwheel.flywheel import retrieve_examples, similar_edits
from draftwheel.store import delete_edit, get_edit, head_revision, log_edit, open_store, update_edit
from draftwheel.store.db import alembic_config
from draftwheel.store.edits import set_undone

QUERY = "the kangaroo jump over fence"


def _found(store, task: str = "grammar", query: str = QUERY) -> dict[int, str]:
    """{id: kept text} of what few-shot retrieval returns for ``query``."""
    with store.session() as s:
        return {e.id: e.output for e in similar_edits(s, task, query, limit=10)}


def _indexed(conn) -> set[int]:
    """Row ids the FTS5 index holds (its per-document sizes: one row per indexed document)."""
    return {r[0] for r in conn.exec_driver_sql("SELECT id FROM edits_fts_docsize")}


def _eligible(conn) -> set[int]:
    """Row ids few-shot retrieval may return: kept, marked for training, not undone."""
    return {
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT id FROM edits WHERE outcome IN ('accepted', 'edited') AND include_in_training = 1 AND undone = 0"
        )
    }


def _matching(conn, word: str) -> set[int]:
    return {r[0] for r in conn.exec_driver_sql("SELECT rowid FROM edits_fts WHERE edits_fts MATCH ?", (word,))}


def test_a_kept_edit_stays_retrievable_through_updates_training_toggle_and_undo(tmp_path):
    store = open_store(app_paths(tmp_path / "home"))
    try:
        with store.session() as s, s.begin():
            eid = log_edit(
                s,
                task="grammar",
                input_text="The kangaroo jump over the fence.",
                output_text="The kangaroo jumps over the fence.",
                final_text="The kangaroo jumps over the fence.",
                outcome="accepted",
            ).id
            other = log_edit(
                s,
                task="grammar",
                input_text="A kangaroo sleep in the shade.",
                final_text="A kangaroo sleeps in the shade.",
                outcome="edited",
            ).id
        assert _found(store) == {eid: "The kangaroo jumps over the fence.", other: "A kangaroo sleeps in the shade."}

        with store.session() as s, s.begin():  # the user corrects the kept text in the data view
            update_edit(s, eid, final_text="The kangaroo jumped over the fence.", outcome="edited")
        assert _found(store)[eid] == "The kangaroo jumped over the fence."
        with store.session() as s:
            assert [ex.output for ex in retrieve_examples(s, "grammar", QUERY, k=1)] == [
                "The kangaroo jumped over the fence."
            ]

        with store.session() as s, s.begin():
            update_edit(s, eid, final_text="The kangaroo leapt over the fence.")  # a second correction
        assert _found(store)[eid] == "The kangaroo leapt over the fence."

        with store.session() as s, s.begin():
            update_edit(s, eid, include_in_training=False)
        assert eid not in _found(store)
        with store.session() as s, s.begin():
            update_edit(s, eid, include_in_training=True)
        assert _found(store)[eid] == "The kangaroo leapt over the fence."

        with store.session() as s, s.begin():
            set_undone(s, eid, True)
        assert eid not in _found(store)
        with store.session() as s, s.begin():
            set_undone(s, eid, False)
        assert _found(store)[eid] == "The kangaroo leapt over the fence."

        with store.session() as s, s.begin():  # rejected later: out; the other edit never moved
            update_edit(s, eid, outcome="rejected")
        assert _found(store) == {other: "A kangaroo sleeps in the shade."}
        with store.session() as s, s.begin():
            update_edit(s, eid, outcome="accepted")
        assert set(_found(store)) == {eid, other}

        with store.engine.connect() as conn:
            assert _indexed(conn) == _eligible(conn) == {eid, other}
            assert conn.exec_driver_sql("SELECT v FROM edits_fts_config WHERE k = 'rank'").scalar_one() == (
                "bm25(1.0, 0.0)"
            )
            conn.exec_driver_sql("INSERT INTO edits_fts(edits_fts) VALUES('integrity-check')")
    finally:
        store.close()


def test_changed_input_or_task_is_indexed_by_its_new_words(tmp_path):
    store = open_store(app_paths(tmp_path / "home"))
    try:
        with store.session() as s, s.begin():
            eid = log_edit(
                s,
                task="grammar",
                input_text="The wombat dig a hole.",
                final_text="The wombat digs a hole.",
                outcome="accepted",
            ).id
        assert eid in _found(store, query="wombat hole")
        with store.session() as s, s.begin():
            update_edit(s, eid, input_text="The platypus swim a lot.", final_text="The platypus swims a lot.")
        assert _found(store, query="wombat hole") == {}
        assert _found(store, query="platypus swim") == {eid: "The platypus swims a lot."}
        with store.session() as s, s.begin():
            update_edit(s, eid, task="clearer")
        assert _found(store, query="platypus swim") == {}
        assert _found(store, "clearer", query="platypus swim") == {eid: "The platypus swims a lot."}
        with store.engine.connect() as conn:
            assert _matching(conn, "wombat") == set()
            assert _indexed(conn) == {eid}
    finally:
        store.close()


def test_index_matches_the_eligible_rows_after_any_sequence_of_changes(tmp_path):
    """Random updates, undo/redo, inserts and deletes: the index always holds exactly the eligible rows."""
    rng = random.Random(20261130)
    store = open_store(app_paths(tmp_path / "home"))
    try:
        ids: list[int] = []
        for step in range(160):
            with store.session() as s, s.begin():
                op = rng.random()
                if not ids or op < 0.15:
                    e = log_edit(
                        s,
                        task=rng.choice(["grammar", "clearer"]),
                        input_text=f"koala number w{step} climbs.",
                        final_text=f"Koala number w{step} climbs.",
                        outcome=rng.choice(["accepted", "edited", "rejected", "pending"]),
                        include_in_training=rng.random() < 0.8,
                    )
                    ids.append(e.id)
                elif op < 0.2:
                    delete_edit(s, ids.pop(rng.randrange(len(ids))))
                else:
                    eid = rng.choice(ids)
                    change = rng.choice(["final", "input", "training", "outcome", "undo"])
                    if change == "final":
                        update_edit(s, eid, final_text=f"Koala {step} climbed.")
                    elif change == "input":
                        update_edit(s, eid, input_text=f"koala number w{step} climb.")
                    elif change == "training":
                        update_edit(s, eid, include_in_training=not get_edit(s, eid).include_in_training)
                    elif change == "outcome":
                        update_edit(s, eid, outcome=rng.choice(["accepted", "edited", "rejected", "pending"]))
                    else:
                        set_undone(s, eid, not get_edit(s, eid).undone)
            with store.engine.connect() as conn:
                eligible = _eligible(conn)
                assert _indexed(conn) == eligible, f"step {step}"
                assert _matching(conn, "koala") == eligible, f"step {step}"
        assert eligible, "the sequence should end with some rows indexed"
    finally:
        store.close()


# -- the migration ---------------------------------------------------------------------------------

_ROWS = [  # id, outcome, include_in_training, undone
    (1, "accepted", 1, 0),
    (2, "edited", 1, 0),
    (3, "accepted", 0, 0),  # left out of training
    (4, "edited", 1, 1),  # undone
    (5, "rejected", 1, 0),
    (6, "pending", 1, 0),
    (7, "accepted", 1, 0),
    (8, "edited", 1, 0),
]


def test_a_0002_store_upgrades_with_every_eligible_row_indexed_and_downgrades(tmp_path):
    paths = app_paths(tmp_path / "home")
    engine = create_engine(f"sqlite:///{paths.database}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0002")
        for i, outcome, training, undone in _ROWS:
            conn.exec_driver_sql(
                "INSERT INTO edits (id, created_at, task, input_text, final_text, outcome, include_in_training, undone) "
                f"VALUES ({i}, '2026-11-30 06:00:00', 'grammar', 'She go to school w{i}.', 'She goes to school w{i}.', "
                f"'{outcome}', {training}, {undone})"
            )
        # What the 0002 triggers did to real stores: corrected rows (7) and rows toggled out of training and
        # back (8, and 3 which stayed out) fell out of the index.
        conn.exec_driver_sql("UPDATE edits SET final_text = 'She went to school w7.' WHERE id = 7")
        conn.exec_driver_sql("UPDATE edits SET include_in_training = 0 WHERE id IN (3, 8)")
        conn.exec_driver_sql("UPDATE edits SET include_in_training = 1 WHERE id = 8")
        assert 7 not in _matching(conn, "school") and 8 not in _matching(conn, "school")  # the defect, at 0002
    engine.dispose()

    store = open_store(paths)  # the app's own start-up migration
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == head_revision()
            assert _eligible(conn) == {1, 2, 7, 8}
            assert _indexed(conn) == _matching(conn, "school") == {1, 2, 7, 8}
            triggers = {
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'edits'"
                )  # 0006's passage index has triggers of its own, on `passages`
            }
            assert triggers == {"edits_fts_ai", "edits_fts_ad", "edits_fts_au"}
            assert conn.exec_driver_sql("SELECT v FROM edits_fts_config WHERE k = 'rank'").scalar_one() == (
                "bm25(1.0, 0.0)"
            )
        assert _found(store, query="w7") == {7: "She went to school w7."}
        with store.session() as s, s.begin():
            update_edit(s, 7, final_text="She walked to school w7.")
        assert _found(store, query="w7") == {7: "She walked to school w7."}
    finally:
        store.close()

    engine = create_engine(f"sqlite:///{paths.database}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002")
        triggers = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert triggers == {"edits_fts_ai", "edits_fts_ad", "edits_fts_au_old", "edits_fts_au_new"}
        assert _indexed(conn) == {1, 2, 3, 7, 8}  # 0002's rule: kept and not undone, training flag or not
        conn.exec_driver_sql("DELETE FROM edits WHERE id = 3")  # 0002's delete trigger finds what it expects
        assert _indexed(conn) == {1, 2, 7, 8}
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        assert _indexed(conn) == _eligible(conn) == {1, 2, 7, 8}
        conn.exec_driver_sql("INSERT INTO edits_fts(edits_fts) VALUES('integrity-check')")
    engine.dispose()
