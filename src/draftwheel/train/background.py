"""Training in a separate, low-priority process, one at a time.

The app and the automatic trigger call :func:`launch` (through the flywheel's
policy, which decides whether to); it runs
``python -m draftwheel train ...`` detached (its own session, niceness 10 on
POSIX, below-normal priority on Windows), with its output in
``runs/background.log``. The training command holds an exclusive lock on
``runs/train.lock`` for its whole life (``flock``, released by the kernel if
the process dies), so two trainings never run at once and a crashed one never
leaves a stale lock. The lock file also says which process holds it, so
:func:`cancel_background` can ask it to stop (SIGTERM: the trainer writes a
checkpoint and exits; ``--resume`` continues later).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from draftwheel.config.oslock import clear_holder, is_held, read_holder, try_lock, unlock, write_holder
from draftwheel.config.paths import AppPaths, private_dir
from draftwheel.errors import DraftwheelError

LOCK_NAME = "train.lock"
LOG_NAME = "background.log"
NICENESS = 10


class TrainingLock:
    """An exclusive, crash-safe lock on ``runs/train.lock`` holding a small JSON about its owner."""

    def __init__(self, paths: AppPaths):
        self.path = private_dir(paths.runs_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self, info: dict | None = None) -> TrainingLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if not try_lock(fd):
            os.close(fd)
            owner = read_lock_info(self.path)
            who = f" (process {owner['pid']}, task {owner.get('task', '?')})" if owner.get("pid") else ""
            raise DraftwheelError(
                f"Another training is already running{who}.",
                "Wait for it to finish, or cancel it with 'draftwheel train --cancel'.",
            )
        self._fd = fd
        self.update(info or {})
        return self

    def update(self, info: dict) -> None:
        if self._fd is None:
            return
        # Beside the lock (train.lock.pid): on Windows the locked file is unreadable to the canceller.
        write_holder(self.path, {"since": time.time(), **info})

    def release(self) -> None:
        if self._fd is not None:
            try:
                clear_holder(self.path)
            finally:
                unlock(self._fd)
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> TrainingLock:
        return self if self._fd is not None else self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def read_lock_info(path: Path) -> dict:
    return read_holder(path)


def running(paths: AppPaths) -> dict | None:
    """The lock owner's info ({"pid", "task", "run_dir", ...}) while a training runs, else None."""
    path = private_dir(paths.runs_dir) / LOCK_NAME
    if not is_held(path):
        return None
    return read_lock_info(path) or {"pid": None}


def progress(paths: AppPaths) -> dict | None:
    """The running training's latest progress (``progress.json`` of its run folder), if any."""
    info = running(paths)
    if not info or not info.get("run_dir"):
        return None
    try:
        return json.loads((Path(info["run_dir"]) / "progress.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def train_command(
    paths: AppPaths,
    task: str,
    name: str | None = None,
    resume: bool = False,
    extra: list[str] | tuple[str, ...] = (),
    niceness: int = NICENESS,
) -> list[str]:
    # --background: started by the app, so a failure of any kind is also recorded in the store.
    cmd = [
        sys.executable,
        "-m",
        "draftwheel",
        "--home",
        str(paths.home),
        "train",
        "--task",
        task,
        "--nice",
        str(niceness),
        "--background",
    ]
    if name:
        cmd += ["--name", name]
    if resume:
        cmd.append("--resume")
    return cmd + list(extra)


@dataclass
class Launch:
    """A training process this process started: to tell when it ends, and how."""

    proc: subprocess.Popen
    task: str
    name: str | None
    resume: bool
    log_path: Path
    log_offset: int  # bytes of the shared log written before this process started

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        """The exit status once the process has ended (and is reaped), else None."""
        return self.proc.poll()

    def output(self, limit: int = 64_000) -> str:
        """What this process wrote to the log (the last ``limit`` bytes of it)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                end = f.tell()
                f.seek(max(self.log_offset, end - limit))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def last_line(self) -> str:
        """The error's last line: the last non-empty line of this process's output (progress bars skipped)."""
        lines = [ln.strip() for ln in self.output().replace("\r", "\n").splitlines()]
        lines = [ln for ln in lines if ln and "it/s]" not in ln and "s/it]" not in ln]
        return lines[-1] if lines else ""


def launch(
    paths: AppPaths,
    task: str,
    name: str | None = None,
    resume: bool = False,
    extra: list[str] | tuple[str, ...] = (),
    niceness: int = NICENESS,
) -> Launch:
    """Start ``draftwheel train`` detached at low priority (``niceness`` added on POSIX)."""
    owner = running(paths)
    if owner:
        raise DraftwheelError(f"Another training is already running (process {owner.get('pid')}).")
    log_path = private_dir(paths.runs_dir) / LOG_NAME
    kwargs: dict = {"stdin": subprocess.DEVNULL, "close_fds": True}
    if sys.platform == "win32":  # not os.name: mypy checks the branch for the platform it runs on
        kwargs["creationflags"] = (
            subprocess.BELOW_NORMAL_PRIORITY_CLASS | subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
        )
    else:
        kwargs["start_new_session"] = True  # not killed with the app's terminal or process group
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    with open(log_path, "ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(
            train_command(paths, task, name, resume, extra, niceness),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            **kwargs,
        )
    return Launch(proc, task, name, resume, log_path, offset)


def start_background(
    paths: AppPaths,
    task: str,
    name: str | None = None,
    resume: bool = False,
    extra: list[str] | tuple[str, ...] = (),
    niceness: int = NICENESS,
) -> int:
    """:func:`launch`, for callers that only need the pid."""
    return launch(paths, task, name, resume, extra, niceness).pid


def cancel_background(paths: AppPaths, timeout_s: float = 60.0) -> bool:
    """Ask the running training to stop (it saves a checkpoint first); True once it has stopped."""
    owner = running(paths)
    if not owner:
        return True
    pid = owner.get("pid")
    if not pid:
        raise DraftwheelError("A training holds the lock, but its process id is unknown.")
    try:
        os.kill(int(pid), signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not running(paths):
            return True
        time.sleep(0.2)
    return False


def lower_priority(niceness: int = NICENESS) -> None:
    """Called by the training process itself: be polite to the app and the rest of the machine."""
    if niceness <= 0:
        return
    try:
        if hasattr(os, "nice"):
            os.nice(niceness)
    except OSError:
        pass
