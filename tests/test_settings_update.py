"""Settings writers change only their keys, under one lock, on the current file; a damaged file is set aside once."""

from __future__ import annotations

import json
import multiprocessing
import os

import pytest

from draftwheel.config import Settings, app_paths, load_settings, take_settings_notices, update_settings
from draftwheel.errors import DraftwheelError

WRITES = 60  # per process; on 2 busy cores the unlocked read-modify-write loses some of these every time


def _writer(home: str, key: str, start: int, gate, queue) -> None:
    paths = app_paths(home)
    gate.wait(60)  # all processes write at the same time, not one after another as they start
    for i in range(WRITES):
        update_settings(paths, **{key: start + i})
    queue.put(key)


def test_update_changes_only_the_given_keys(paths):
    update_settings(paths, logging_paused=True)
    stale = load_settings(paths)
    update_settings(paths, redact=True)  # another process, meanwhile
    out = update_settings(paths, adapter="base")  # a writer that read the file before `redact`
    on_disk = json.loads(paths.settings_file.read_text())
    assert (on_disk["logging_paused"], on_disk["redact"], on_disk["adapter"]) == (True, True, "base")
    assert out == load_settings(paths) and stale.redact is False


def test_a_bad_value_changes_nothing(paths):
    update_settings(paths, n_threads=3)
    before = paths.settings_file.read_bytes()
    with pytest.raises(DraftwheelError, match="n_threads"):
        update_settings(paths, logging_paused=True, n_threads=-1)
    with pytest.raises(DraftwheelError, match="backend"):
        update_settings(paths, backend="cuda")
    assert paths.settings_file.read_bytes() == before


def test_only_if_follows_the_current_file(paths):
    update_settings(paths, adapter="old")
    assert update_settings(paths, only_if={"adapter": "other"}, adapter="new").adapter == "old"
    assert update_settings(paths, only_if={"adapter": "old"}, adapter="new").adapter == "new"
    assert load_settings(paths).adapter == "new"


def test_concurrent_processes_keep_each_others_changes(tmp_path):
    """Four processes each change their own key 60 times at once; every last value must be on disk."""
    home = str(tmp_path / "h")
    keys = {"n_threads": 1000, "seed": 2000, "fewshot_k": 3000, "train_threshold": 4000}
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    gate = ctx.Barrier(len(keys))
    procs = [ctx.Process(target=_writer, args=(home, k, v, gate, queue)) for k, v in keys.items()]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert sorted(queue.get(timeout=5) for _ in procs) == sorted(keys)
    final = load_settings(app_paths(home))
    assert {k: getattr(final, k) for k in keys} == {k: v + WRITES - 1 for k, v in keys.items()}
    leftovers = [p.name for p in (tmp_path / "h").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize("damage", [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"temperature": NaN}'])
def test_damaged_file_is_set_aside_once_and_defaults_used(paths, damage):
    take_settings_notices()
    paths.settings_file.write_bytes(damage)
    assert load_settings(paths) == Settings()
    notices = take_settings_notices()
    assert len(notices) == 1 and "damaged" in notices[0]
    aside = [p for p in paths.home.iterdir() if p.name.startswith("settings.json.damaged-")]
    assert len(aside) == 1 and aside[0].read_bytes() == damage  # the user's file is kept, byte for byte
    for _ in range(3):  # every later reader gets the same answer, silently
        assert load_settings(paths) == Settings()
    assert take_settings_notices() == []
    assert update_settings(paths, redact=True).redact is True


def test_damaged_value_keeps_the_readable_settings(paths):
    """A mistyped line must not resume a paused log: the readable keys stay in force."""
    take_settings_notices()
    paths.settings_file.write_text(json.dumps({"logging_paused": True, "redact": True, "n_threads": "four"}))
    s = load_settings(paths)
    assert (s.logging_paused, s.redact, s.n_threads) == (True, True, 0)
    assert "n_threads" in take_settings_notices()[0]
    assert json.loads(paths.settings_file.read_text())["logging_paused"] is True
    assert any(p.name.startswith("settings.json.damaged-") for p in paths.home.iterdir())


def test_damaged_file_found_by_update(paths):
    take_settings_notices()
    paths.settings_file.write_text("{")
    assert update_settings(paths, logging_paused=True).logging_paused is True
    assert len(take_settings_notices()) == 1
    assert load_settings(paths).logging_paused is True


@pytest.mark.skipif(os.name != "posix", reason="flock")
def test_stuck_lock_holder_is_a_clear_error(paths, monkeypatch):
    """A lock that stays taken ends in a DraftwheelError after the wait, not a hang."""
    import fcntl

    import draftwheel.config.settings as mod

    monkeypatch.setattr(mod, "LOCK_WAIT_S", 0.2)
    fd = os.open(paths.home / "settings.lock", os.O_RDWR | os.O_CREAT, 0o600)
    # flock locks belong to the open file description, so holding it here blocks this process's
    # own second open too, exactly as another process holding it would.
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(DraftwheelError, match="being changed by another"):
            update_settings(paths, redact=True)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert update_settings(paths, redact=True).redact is True
