"""SIGKILL a process while it autosaves: the autosave is the old or the new text, never torn.

A child (``python tests/faultlib.py autosave-writer``) saves growing versions
of a ~100 kB draft through the app's own ``ui.documents.Autosave`` (Qt-free;
the window calls the same ``save``) and prints each version number after
``save`` returned. After a SIGKILL at a random moment, the restore path a new
window uses (``Autosave.orphans()``) must find the file and its text must be
exactly the last acknowledged version or the one being written — never a
mix, never missing, never unparsable.

CI: 15 kills. Soak: ``DRAFTWHEEL_SOAK=1`` runs 300.
"""

from __future__ import annotations

import pytest

from faultlib import autosave_text, child_env, kill_at_random, record_figures, scale, seed_rng


@pytest.mark.slow
def test_sigkill_during_autosave_never_tears_the_file(tmp_path):
    from draftwheel.ui.documents import Autosave

    folder = tmp_path / "autosave"
    folder.mkdir()
    rng = seed_rng("autosave kills")
    kills = scale(15, 300)
    torn = lost = checked = 0
    for _ in range(kills):
        res = kill_at_random(
            rng, "autosave-writer", str(folder), env=child_env(tmp_path / "home"), early=0.0, window=0.5
        )
        assert res.killed, res.stderr[-2000:]
        file = next((ln.split(" ", 1)[1] for ln in res.lines if ln.startswith("FILE ")), None)
        acked = [int(v) for v in res.acked]
        if not acked:
            continue
        checked += 1
        records = {str(r.file): r for r in Autosave(folder).orphans()}
        rec = records.get(file)
        if rec is None:
            lost += 1
            continue
        last = acked[-1]
        if rec.text not in (autosave_text(last), autosave_text(last + 1)):
            torn += 1
        assert rec.path is None and rec.pid > 0
    assert checked > kills // 2, "too few kills landed after the first save to mean anything"
    record_figures("autosave-sigkill", kills=kills, kills_after_first_save=checked, torn=torn, lost=lost)
    assert torn == 0 and lost == 0
    # Every file the restore path would offer parses; stray temp files never look like autosaves.
    for f in folder.glob("*.json"):
        assert f.read_text(encoding="utf-8").startswith("{")


def test_no_stray_copy_of_the_draft_survives_a_killed_autosave(tmp_path):
    from draftwheel.ui.documents import Autosave

    folder = tmp_path / "autosave"
    folder.mkdir()
    rng = seed_rng("autosave stray temp")
    for _ in range(6):
        kill_at_random(rng, "autosave-writer", str(folder), env=child_env(tmp_path / "home"), early=0.0, window=0.3)
    # What a user does next: a new window restores and then discards every orphan.
    auto = Autosave(folder)
    for rec in auto.orphans():
        auto.discard(rec)
    left = [p.name for p in folder.iterdir()]
    assert not left, f"files with draft text left in the autosave folder: {left}"
