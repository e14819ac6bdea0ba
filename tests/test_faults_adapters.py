"""SIGKILL a process while it exports adapters: no partial adapter is ever listed.

A child (``python tests/faultlib.py adapter-writer``) turns a PEFT LoRA
folder into registered adapters again and again through the real export path
(``train.gguf_adapter.export_gguf_adapter`` inside
``flywheel.adapters.create_adapter``: temp folder, fsync, rename) and prints each
adapter's name after ``create_adapter`` returned. It is SIGKILLed at random
moments. After every kill, every adapter the registry lists is complete (its
GGUF passes the adapter header checks, its json parses, its ``peft/`` folder
is whole) and every acknowledged adapter is listed; temp folders left by the
killed writer are never listed and are swept by the next export.

CI: 8 kills. Soak: ``DRAFTWHEEL_SOAK=1`` runs 200.
"""

from __future__ import annotations

import pytest

from faultlib import child_env, kill_at_random, make_tiny_model_gguf, make_tiny_peft, record_figures, scale, seed_rng


@pytest.mark.slow
def test_sigkill_during_adapter_export_never_lists_a_partial_adapter(tmp_path):
    from draftwheel.config import app_paths
    from draftwheel.flywheel.adapters import sync_store
    from draftwheel.models.adapters import GGUF_FILE, _check_adapter_gguf, list_adapters, remove_stale_temps
    from draftwheel.store import list_adapters as store_adapters
    from draftwheel.store import open_store

    home = tmp_path / "home"
    paths = app_paths(home)
    # A small model GGUF of the bundled architecture keeps each export well under a second (see faultlib).
    base = make_tiny_model_gguf(tmp_path / "tiny-base.gguf")
    peft = make_tiny_peft(tmp_path / "peft-src", base)
    rng = seed_rng("adapter kills")
    kills = scale(8, 200)
    acked: set[str] = set()
    temps_seen = partial_listed = 0
    for k in range(kills):
        res = kill_at_random(
            rng, "adapter-writer", str(peft), str(base), env=child_env(home), early=0.0, window=0.4, max_acks=2
        )
        assert res.killed, res.stderr[-3000:]
        acked.update(res.acked)
        listed = {a.name: a for a in list_adapters(paths)}
        for a in listed.values():
            try:
                _check_adapter_gguf(a.folder / GGUF_FILE)
                assert a.peft_dir is not None and (a.peft_dir / "adapter_model.safetensors").stat().st_size > 0
            except Exception:
                partial_listed += 1
                raise
        missing = acked - set(listed)
        assert not missing, f"kill {k}: acknowledged adapters not listed: {sorted(missing)}"
        temps_seen += len(list(paths.adapters_dir.glob(".*.tmp")))
    assert acked, "no export finished before a kill: the window is too short to test anything"

    # The next export's sweep removes what the killed writers left; the store mirror can be re-synced.
    remove_stale_temps(paths)
    assert not list(paths.adapters_dir.glob(".*.tmp"))
    sync_store(paths)
    store = open_store(paths)
    try:
        with store.session() as s:
            assert {a.name for a in store_adapters(s)} == {a.name for a in list_adapters(paths)}
    finally:
        store.close()
    record_figures(
        "adapter-export-sigkill",
        kills=kills,
        acknowledged=len(acked),
        lost=0,
        partial_listed=partial_listed,
        temp_folders_seen=temps_seen,
    )
