"""SIGKILL a process while it writes to the store, many times: nothing acknowledged is lost.

A child (``python tests/faultlib.py store-writer``) logs edits through the
real ``draftwheel.store`` API, one transaction per edit plus import-style
batches, and prints each edit's text only after its commit returned. It is
SIGKILLed at a random moment (some during start-up, i.e. while it opens and
migrates the store), again and again on the same data folder. After every
kill: SQLite's ``PRAGMA integrity_check`` says ok, the store opens normally
through ``open_store``, and every acknowledged edit is in it.

CI: 20 kills. Soak: ``DRAFTWHEEL_SOAK=1`` runs 400.
"""

from __future__ import annotations

import pytest

from faultlib import child_env, integrity_check, kill_at_random, record_figures, scale, seed_rng, stored_texts


@pytest.mark.slow
def test_sigkill_during_store_writes_loses_nothing(tmp_path):
    from draftwheel.config import app_paths
    from draftwheel.store import count_edits, open_store

    home = tmp_path / "home"
    rng = seed_rng("store kills")
    kills = scale(20, 400)
    acked: set[str] = set()
    lost: set[str] = set()
    killed_mid_write = 0
    for k in range(kills):
        res = kill_at_random(rng, "store-writer", f"k{k}", env=child_env(home))
        assert res.killed, f"kill {k}: the writer exited by itself (rc {res.returncode}): {res.stderr[-2000:]}"
        killed_mid_write += bool(res.acked)
        acked.update(res.acked)
        db = app_paths(home).database
        if not db.exists():
            continue  # killed before the store was even created
        assert integrity_check(db) == "ok", f"kill {k}: integrity_check failed"
        lost |= acked - stored_texts(db)
        assert not lost, f"kill {k}: {len(lost)} acknowledged edits lost, e.g. {sorted(lost)[:5]}"

    # The store opens normally afterwards (WAL recovered, schema at head) and counts what is there.
    store = open_store(app_paths(home))
    try:
        with store.session() as s:
            n_rows = count_edits(s, outcomes=None)
    finally:
        store.close()
    assert n_rows >= len(acked) > 0
    record_figures(
        "store-sigkill",
        kills=kills,
        kills_after_first_ack=killed_mid_write,
        acknowledged=len(acked),
        lost=len(lost),
        rows=n_rows,
    )


def test_writer_without_kill_acknowledges_everything(tmp_path):
    """The control: a writer that is not killed stores exactly what it acknowledged."""
    from faultlib import Child

    home = tmp_path / "home"
    res = Child.start("store-writer", "ctl", "40", env=child_env(home)).finish()
    assert res.returncode == 0, res.stderr
    from draftwheel.config import app_paths

    db = app_paths(home).database
    assert integrity_check(db) == "ok"
    assert stored_texts(db) == set(res.acked) and len(res.acked) >= 40
