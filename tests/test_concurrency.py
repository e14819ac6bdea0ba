"""Two app processes and the CLI writing to one data folder at once: no write is lost.

Two children log edits through the real store API as fast as they can (what
two app windows in two processes do), while the test runs ``draftwheel log``
and ``draftwheel import-pairs`` as separate CLI processes and ``examples
list`` reads in between. Afterwards every acknowledged write is in the
database exactly once, and the file passes ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading

import pytest

from faultlib import Child, child_env, integrity_check, record_figures, stored_texts


def _cli(home, *argv, timeout=180):
    return subprocess.run(
        [sys.executable, "-m", "draftwheel", "--home", str(home), *argv],
        capture_output=True,
        text=True,
        env=child_env(home),
        timeout=timeout,
    )


@pytest.mark.slow
def test_two_writers_and_the_cli_lose_nothing(tmp_path):
    home = tmp_path / "home"
    # Create and migrate the store first, as the first app start would; the writers then race on it.
    assert _cli(home, "examples", "list").returncode == 0
    stop = tmp_path / "stop"
    # The writers keep writing until the CLI runs are over, so every CLI process meets both of them.
    a = Child.start("store-writer", "appA", "0", str(stop), env=child_env(home))
    b = Child.start("store-writer", "appB", "0", str(stop), env=child_env(home))
    a.ready.wait(120)
    b.ready.wait(120)

    cli_texts: list[str] = []
    cli_errors: list[str] = []

    def cli_loop():
        for i in range(2):
            inp, fin = tmp_path / f"in{i}.txt", tmp_path / f"fin{i}.txt"
            inp.write_text(f"cli-{i} their going", encoding="utf-8")
            fin.write_text(f"cli-{i} they're going", encoding="utf-8")
            r = _cli(home, "log", "--input", str(inp), "--final", str(fin), "--outcome", "edited", "--json")
            if r.returncode != 0:
                cli_errors.append(r.stderr)
                continue
            assert json.loads(r.stdout)["id"] > 0
            cli_texts.append(f"cli-{i} their going")
            jl = tmp_path / f"pairs{i}.jsonl"
            jl.write_text(
                "".join(json.dumps({"input": f"imp-{i}-{k}", "final": f"IMP-{i}-{k}"}) + "\n" for k in range(10)),
                encoding="utf-8",
            )
            r = _cli(home, "import-pairs", str(jl))
            if r.returncode != 0 or not re.search(r"imported 10 examples", r.stdout):
                cli_errors.append(r.stderr or r.stdout)
                continue
            cli_texts.extend(f"imp-{i}-{k}" for k in range(10))
            r = _cli(home, "examples", "list", "--limit", "5")
            if r.returncode != 0:
                cli_errors.append(r.stderr)

    t = threading.Thread(target=cli_loop)
    t.start()
    t.join(timeout=600)
    stop.touch()
    ra, rb = a.finish(), b.finish()
    assert ra.returncode == 0, ra.stderr[-3000:]
    assert rb.returncode == 0, rb.stderr[-3000:]
    assert not cli_errors, cli_errors

    db = home / "draftwheel.db"
    assert integrity_check(db) == "ok"
    stored = stored_texts(db)
    expected = set(ra.acked) | set(rb.acked) | set(cli_texts)
    lost = expected - stored
    import sqlite3

    with sqlite3.connect(db) as conn:
        n_rows = conn.execute("SELECT count(*) FROM edits").fetchone()[0]
    record_figures("concurrency", writers=2, cli_runs=6, acknowledged=len(expected), lost=len(lost), rows=n_rows)
    assert not lost, f"lost {len(lost)} writes, e.g. {sorted(lost)[:5]}"
    assert n_rows == len(expected), "a write was stored twice or an unacknowledged one appeared"


# -- a second app instance -------------------------------------------------------------------------

_HOLD = """
import sys, time
from draftwheel.config import app_paths
from draftwheel.config.instance import acquire_instance_lock
lock = acquire_instance_lock(app_paths())
print("LOCKED", flush=True)
time.sleep(600)
"""


def test_second_instance_is_told_clearly_and_a_killed_one_never_blocks(tmp_path):
    import os
    import signal

    from draftwheel.config import app_paths
    from draftwheel.config.instance import acquire_instance_lock, lock_owner
    from draftwheel.errors import DraftwheelError

    home = tmp_path / "home"
    paths = app_paths(home)
    first = subprocess.Popen([sys.executable, "-c", _HOLD], stdout=subprocess.PIPE, text=True, env=child_env(home))
    try:
        assert first.stdout.readline().strip() == "LOCKED"
        assert lock_owner(paths)["pid"] == first.pid
        with pytest.raises(DraftwheelError) as err:
            acquire_instance_lock(paths)
        assert f"already open on this data folder (process {first.pid})" in str(err.value)
        # The CLI is not blocked by an open app: it writes next to it.
        r = _cli(home, "privacy", "status")
        assert r.returncode == 0, r.stderr
        os.kill(first.pid, signal.SIGKILL)  # a crash: no chance to release
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        first.stdout.close()
    assert lock_owner(paths) is None  # the kernel freed it with the dead process
    with acquire_instance_lock(paths) as lock:
        assert lock.held and lock_owner(paths)["pid"] == os.getpid()
    assert lock_owner(paths) is None
    assert oct((home / "instance.lock").stat().st_mode & 0o777) == "0o600"
