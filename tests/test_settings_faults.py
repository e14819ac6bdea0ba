"""SIGKILL a process while it changes settings: settings.json is the old or the new version, never damaged.

A child (``python tests/faultlib.py settings-writer N``) changes settings through
``config.update_settings`` in a loop and prints each version after the call
returned. After a SIGKILL at a random moment (while holding the settings lock,
mid temp write, mid rename...), the next reader must get the last acknowledged
version or the one being written, with no damaged-file notice; the lock the
killed writer held must not block the next one; temp files it left are swept.

CI: 20 kills. Soak: ``DRAFTWHEEL_SOAK=1`` runs 300.
"""

from __future__ import annotations

import pytest

from faultlib import child_env, kill_at_random, record_figures, scale, seed_rng


@pytest.mark.slow
def test_sigkill_during_settings_writes_never_damages_the_file(tmp_path):
    from draftwheel.config import app_paths, load_settings, take_settings_notices, update_settings

    home = tmp_path / "home"
    paths = app_paths(home)
    update_settings(paths, redact=True)  # a key no writer touches: it must survive every kill
    rng = seed_rng("settings kills")
    kills = scale(20, 300)
    seen = 0
    wrong: list[str] = []
    checked = 0
    take_settings_notices()
    for _ in range(kills):
        start = seen + 1
        res = kill_at_random(
            rng, "settings-writer", str(start), env=child_env(home), early=0.1, window=0.05, max_acks=20
        )
        assert res.killed, res.stderr[-2000:]
        s = load_settings(paths)
        acked = [int(v) for v in res.acked]
        allowed = {acked[-1], acked[-1] + 1} if acked else {seen, start}
        if s.seed not in allowed or not s.redact or (s.seed != 0 and s.fewshot_k != s.seed % 9):
            wrong.append(f"seed {s.seed} not in {sorted(allowed)} (redact {s.redact}, k {s.fewshot_k})")
        checked += bool(acked)
        seen = max(seen, s.seed)
    notices = take_settings_notices()
    damaged = list(home.glob("settings.json.damaged-*"))
    update_settings(paths, n_threads=1)  # the next writer sweeps what killed writers left
    temps = [p.name for p in home.iterdir() if p.name.endswith(".tmp")]
    record_figures(
        "settings-sigkill",
        kills=kills,
        kills_after_first_ack=checked,
        wrong=len(wrong),
        damaged=len(damaged),
        temps_left=len(temps),
    )
    assert wrong == [] and notices == [] and damaged == [] and temps == []
    assert checked > kills // 2, "too few kills landed after the first write to mean anything"
