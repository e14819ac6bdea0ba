"""Lock holders' pids live beside the lock (``<lock>.pid``), never inside it.

On Windows an ``msvcrt`` byte lock makes the locked file unreadable to every
other process, so a record kept inside it could not be read by the process
that cancels a training. These tests run on Linux; to stand for Windows, the
holder scribbles over its own lock file after taking the lock: the readers
must not need its contents.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from faultlib import child_env

_HOLD_TRAINING = """
import signal, sys, time
from draftwheel.config import app_paths
from draftwheel.train.background import TrainingLock
lock = TrainingLock(app_paths()).acquire({"task": "grammar"})
lock.update({"task": "grammar", "run_dir": "somewhere"})
with open(lock.path, "r+b") as f:  # what another process sees of a msvcrt-locked file: nothing usable
    f.write(b"\\xff" * 16)
signal.signal(signal.SIGTERM, lambda *_: (lock.release(), sys.exit(0)))
print("LOCKED", flush=True)
time.sleep(120)
"""


def test_training_cancel_reads_the_holders_pid_from_the_pid_file(tmp_path):
    from draftwheel.config import app_paths
    from draftwheel.config.oslock import holder_file
    from draftwheel.train.background import LOCK_NAME, cancel_background, running

    home = tmp_path / "home"
    paths = app_paths(home)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_TRAINING], stdout=subprocess.PIPE, text=True, env=child_env(home)
    )
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        lock = paths.runs_dir / LOCK_NAME
        assert holder_file(lock).name == "train.lock.pid"
        info = running(paths)
        assert info["pid"] == holder.pid and info["run_dir"] == "somewhere"
        assert cancel_background(paths, timeout_s=30)  # SIGTERM to the pid read from train.lock.pid
        assert holder.wait(30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()
    assert running(paths) is None
    assert not holder_file(paths.runs_dir / LOCK_NAME).exists()  # a clean release removes the record


_HOLD_APP = """
import time
from draftwheel.config import app_paths
from draftwheel.config.instance import acquire_instance_lock
lock = acquire_instance_lock(app_paths())
with open(lock.path, "r+b") as f:
    f.write(b"\\xff" * 16)
print("LOCKED", flush=True)
time.sleep(120)
"""


def test_second_app_names_the_first_ones_pid_from_the_pid_file(tmp_path):
    import pytest

    from draftwheel.config import app_paths
    from draftwheel.config.instance import acquire_instance_lock, lock_owner
    from draftwheel.errors import DraftwheelError

    home = tmp_path / "home"
    paths = app_paths(home)
    first = subprocess.Popen([sys.executable, "-c", _HOLD_APP], stdout=subprocess.PIPE, text=True, env=child_env(home))
    try:
        assert first.stdout.readline().strip() == "LOCKED"
        assert lock_owner(paths)["pid"] == first.pid
        with pytest.raises(DraftwheelError, match=f"process {first.pid}"):
            acquire_instance_lock(paths)
        os.kill(first.pid, signal.SIGKILL)  # a crash leaves the record behind ...
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        first.stdout.close()
    assert (home / "instance.lock.pid").exists()
    assert lock_owner(paths) is None  # ... but it means nothing once the kernel freed the lock
    with acquire_instance_lock(paths):
        assert lock_owner(paths)["pid"] == os.getpid()  # the next holder's record replaces it
    assert lock_owner(paths) is None
