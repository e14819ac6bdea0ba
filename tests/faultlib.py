"""Helpers for the fault-injection, fuzz, concurrency and privacy suites.

Two halves:

* in the test process: how many kills / fuzz examples to run (CI or soak
  mode), starting a child writer and SIGKILLing it at a random moment,
  reading back what it acknowledged, checking a database file with SQLite's
  own ``PRAGMA integrity_check``, and a guard that fails any socket connect
  outside loopback;
* in a child process (``python tests/faultlib.py ROLE ...``): writers that
  drive the real product code (``draftwheel.store``, the autosave of
  ``draftwheel.ui.documents``, ``draftwheel.models.adapters``,
  ``draftwheel.config.update_settings``) in a loop and
  print one line per acknowledged write, flushed only after the write
  returned, so "printed" means "the product told its caller it is saved".

Soak mode: ``DRAFTWHEEL_SOAK=1`` multiplies kills and examples (hundreds of
kills); CI mode keeps every suite to well under a minute on 2 cores.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
SOAK = os.environ.get("DRAFTWHEEL_SOAK", "") not in ("", "0")
# Results of each suite are appended here as JSON lines when set (docs/security.md figures).
FIGURES_FILE = os.environ.get("DRAFTWHEEL_FAULT_FIGURES")


def scale(ci: int, soak: int) -> int:
    """``ci`` normally, ``soak`` with DRAFTWHEEL_SOAK=1 (or DRAFTWHEEL_SOAK=N: N times ``ci``)."""
    if not SOAK:
        return ci
    try:
        factor = int(os.environ["DRAFTWHEEL_SOAK"])
    except ValueError:
        factor = 1
    return soak if factor <= 1 else ci * factor


def record_figures(suite: str, **figures) -> None:
    """Print the suite's figures (shown with -s / -rA) and append them to $DRAFTWHEEL_FAULT_FIGURES."""
    line = json.dumps({"suite": suite, "soak": SOAK, **figures})
    print(f"FIGURES {line}")
    if FIGURES_FILE:
        with open(FIGURES_FILE, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def seed_rng(name: str) -> random.Random:
    """A seeded RNG; DRAFTWHEEL_FAULT_SEED reproduces a failing run (the seed is in the test output)."""
    seed = int(os.environ.get("DRAFTWHEEL_FAULT_SEED", "0")) or random.SystemRandom().randrange(1, 2**31)
    print(f"{name}: DRAFTWHEEL_FAULT_SEED={seed}")
    return random.Random(seed)


# -- children ----------------------------------------------------------------------------------


def child_env(home: Path | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    if home is not None:
        env["DRAFTWHEEL_HOME"] = str(home)
    env.update(extra)
    return env


@dataclass
class KillResult:
    lines: list[str]  # every line the child printed before it died
    killed: bool  # False: it exited by itself before the kill
    returncode: int
    stderr: str = ""

    @property
    def acked(self) -> list[str]:
        return [ln.split(" ", 1)[1] for ln in self.lines if ln.startswith("ACK ")]


@dataclass
class Child:
    """A child writer whose stdout is read line by line in a thread (so a full pipe never stalls it)."""

    proc: subprocess.Popen
    lines: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    reader: threading.Thread | None = None

    @classmethod
    def start(cls, role: str, *args: str, env: dict[str, str] | None = None) -> Child:
        proc = subprocess.Popen(
            [sys.executable, str(HERE), role, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env or child_env(),
            cwd=REPO,
        )
        child = cls(proc)
        child.reader = threading.Thread(target=child._read, daemon=True)
        child.reader.start()
        return child

    def _read(self) -> None:
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            if line == "READY":
                self.ready.set()
        self.ready.set()

    def n_acked(self) -> int:
        return sum(1 for ln in list(self.lines) if ln.startswith("ACK "))

    def wait_acks(self, n: int, timeout: float) -> None:
        end = time.monotonic() + timeout
        while self.n_acked() < n and self.proc.poll() is None and time.monotonic() < end:
            time.sleep(0.005)

    def _result(self, killed: bool, timeout: float) -> KillResult:
        rc = self.proc.wait(timeout=timeout)
        # The child is gone, so its end of the pipe is closed: the reader drains what it flushed, then stops.
        self.reader.join(timeout)
        stderr = self.proc.stderr.read() if self.proc.stderr else ""
        self.proc.stdout.close()
        self.proc.stderr.close()
        return KillResult(list(self.lines), killed, rc, stderr)

    def kill(self, timeout: float = 30) -> KillResult:
        killed = self.proc.poll() is None
        if killed:
            os.kill(self.proc.pid, signal.SIGKILL)
        return self._result(killed, timeout)

    def finish(self, timeout: float = 120) -> KillResult:
        return self._result(False, timeout)


def kill_at_random(
    rng: random.Random,
    role: str,
    *args: str,
    env: dict[str, str],
    early: float = 0.15,
    window: float = 0.6,
    max_acks: int = 0,
    startup_timeout: float = 60,
) -> KillResult:
    """Start a child; SIGKILL it at a random moment.

    With probability ``early`` the kill lands during start-up (imports,
    opening/migrating the store); otherwise after it printed READY and
    acknowledged a random number (0..``max_acks``) of writes, uniformly within
    ``window`` seconds after that. Counting acks first keeps slow writers (a
    loaded machine) from being killed before they wrote anything.
    """
    child = Child.start(role, *args, env=env)
    if rng.random() < early:
        time.sleep(rng.uniform(0.0, 1.5))
    else:
        child.ready.wait(startup_timeout)
        if max_acks:
            child.wait_acks(rng.randint(0, max_acks), startup_timeout)
        time.sleep(rng.uniform(0.0, window))
    return child.kill()


def make_tiny_model_gguf(
    path: Path,
    arch: str = "gemma3",
    n_blocks: int = 6,
    dim: int = 64,
    name: str = "tiny test model",
    general_type: str | None = None,
) -> Path:
    """A small, valid model GGUF (f32 attention/MLP weights, no tokenizer) written with the ``gguf`` package.

    Reading the bundled 253 MB model's header takes tens of seconds on a loaded
    2-core machine (262k vocabulary entries); this one reads in milliseconds,
    so fuzz and kill loops can afford thousands of reads. Tensor names and
    layout are those of a real ``arch`` model.
    """
    import gguf
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name(name)
    if general_type:
        w.add_type(general_type)
    w.add_block_count(n_blocks)
    w.add_context_length(512)
    w.add_embedding_length(dim)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    rng = np.random.default_rng(1)
    for i in range(n_blocks):
        for t in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_up", "ffn_down"):
            w.add_tensor(f"blk.{i}.{t}.weight", rng.normal(0, 0.02, (dim, dim)).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def make_tiny_peft(folder: Path, base_gguf: Path, layers: range | tuple = range(6), r: int = 2) -> Path:
    """A PEFT LoRA folder (random rank-``r`` weights on q and v projections) shaped for ``base_gguf``.

    Real input for the project's own GGUF adapter export; small enough to write in well under a second.
    """
    import numpy as np
    from safetensors.numpy import save_file

    from draftwheel.train.gguf_adapter import base_tensors

    _arch, _n, shapes = base_tensors(base_gguf)
    rng = np.random.default_rng(0)
    weights = {}
    for layer in layers:
        for proj, gguf_name in (("q_proj", "attn_q"), ("v_proj", "attn_v")):
            n_in, n_out = shapes[f"blk.{layer}.{gguf_name}.weight"][:2]
            key = f"base_model.model.model.layers.{layer}.self_attn.{proj}"
            weights[f"{key}.lora_A.weight"] = rng.normal(0, 0.02, (r, n_in)).astype(np.float32)
            weights[f"{key}.lora_B.weight"] = rng.normal(0, 0.02, (n_out, r)).astype(np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(
        json.dumps({"peft_type": "LORA", "r": r, "lora_alpha": 2 * r, "target_modules": ["q_proj", "v_proj"]})
    )
    save_file(weights, str(folder / "adapter_model.safetensors"))
    return folder


# -- checks ------------------------------------------------------------------------------------


def integrity_check(db: Path) -> str:
    """SQLite's own full check of the file ('ok' when sound); read-only, never repairs."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        return "; ".join(r[0] for r in rows)
    finally:
        conn.close()


def stored_texts(db: Path, column: str = "input_text") -> set[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return {r[0] for r in conn.execute(f"SELECT {column} FROM edits")}
    finally:
        conn.close()


# -- network guard -------------------------------------------------------------------------------


class OutsideConnection(ConnectionRefusedError):
    """Raised (and recorded) when code tries to reach a host that is not this machine.

    An OSError, so product code meets it as it would meet a refused connection
    (and may turn it into a clear error); tests assert on the recorded attempts.
    """


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def no_outside_network():
    """Fail every connect / sendto / name lookup that leaves this machine; yield the list of attempts.

    Patches ``socket.socket.connect``, ``connect_ex``, ``sendto`` and
    ``socket.getaddrinfo`` (which ``create_connection``, http.client, urllib,
    requests and httpx all go through). Loopback and AF_UNIX stay allowed so
    local IPC (and a loopback test server) keep working.
    """
    attempts: list[str] = []
    real = (socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto, socket.getaddrinfo)

    def guard(what: str, address) -> None:
        if not _is_local(address):
            attempts.append(f"{what} {address!r}")
            raise OutsideConnection(f"network access outside this machine: {what} {address!r}")

    def connect(self, address):
        guard("connect", address)
        return real[0](self, address)

    def connect_ex(self, address):
        guard("connect_ex", address)
        return real[1](self, address)

    def sendto(self, data, *args):
        guard("sendto", args[-1])
        return real[2](self, data, *args)

    def getaddrinfo(host, port, *args, **kwargs):
        h = host.decode() if isinstance(host, bytes) else host
        if h is not None:
            guard("getaddrinfo", (h, port))
        return real[3](host, port, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    socket.getaddrinfo = getaddrinfo
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto, socket.getaddrinfo = real


# -- child roles -------------------------------------------------------------------------------


def _ack(*items: object) -> None:
    sys.stdout.write("".join(f"ACK {i}\n" for i in items))
    sys.stdout.flush()


def role_store_writer(tag: str, limit: str = "0", stop_file: str = "") -> None:
    """Log edits through the real store API, one transaction each (and some batches), forever.

    Each edit's input text is ``<tag>-<n>``; it is acknowledged only after the
    transaction committed. Every 7th write is an ``add_edits`` batch of 5 (an
    import), acknowledged as a whole after its commit. Stops after ``limit``
    edits (0: never) or once ``stop_file`` exists.
    """
    from draftwheel.config import Settings, app_paths
    from draftwheel.store import add_edits, log_edit, open_store

    settings = Settings()  # logging on, no redaction: the texts must come back as written
    store = open_store(app_paths())
    print("READY", flush=True)
    n, stop = 0, int(limit)
    while (not stop or n < stop) and not (stop_file and os.path.exists(stop_file)):
        if n % 7 == 6:
            texts = [f"{tag}-{n + i}" for i in range(5)]
            with store.session() as s, s.begin():
                add_edits(
                    s,
                    [
                        dict(task="grammar", input_text=t, final_text=t.upper(), outcome="accepted", origin="import")
                        for t in texts
                    ],
                    settings=settings,
                )
            _ack(*texts)
            n += 5
        else:
            text = f"{tag}-{n}"
            with store.session() as s, s.begin():
                log_edit(
                    s,
                    task="grammar",
                    input_text=text,
                    output_text=text + "?",
                    final_text=text.upper(),
                    outcome="edited",
                    stage="few",
                    origin="app",
                    settings=settings,
                )
            _ack(text)
            n += 1
    store.close()


def role_autosave_writer(folder: str) -> None:
    """Autosave growing versions of a document through ``ui.documents.Autosave`` forever.

    Version ``v`` of the text is ``autosave_text(v)``; ``ACK v`` after save returned.
    """
    from draftwheel.ui.documents import Autosave

    auto = Autosave(Path(folder))
    print(f"FILE {auto.file}", flush=True)
    print("READY", flush=True)
    v = 0
    while True:
        auto.save(None, autosave_text(v))
        _ack(v)
        v += 1


def autosave_text(v: int) -> str:
    # Long enough (~60-120 kB) that a write takes several syscalls: a torn write would show.
    return f"version {v}\n" + (f"paragraph {v} of the draft, unsaved. " * (1500 + (v % 7) * 200))


def role_adapter_writer(peft_dir: str, base_gguf: str) -> None:
    """Export a PEFT LoRA to a registered adapter (``create_adapter`` + the GGUF writer), forever."""
    from draftwheel.config import app_paths
    from draftwheel.flywheel.adapters import create_adapter
    from draftwheel.models.adapters import AdapterInfo
    from draftwheel.models.gguf_info import read_gguf, sha256_file
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    paths = app_paths()
    arch, sha = read_gguf(base_gguf).architecture, sha256_file(Path(base_gguf))
    print("READY", flush=True)
    n = 0
    while True:
        name = f"kill-{os.getpid()}-{n}"
        info = AdapterInfo(
            name=name, task="grammar", base_model="tiny", base_sha256=sha, architecture=arch, rank=2, alpha=4.0
        )
        create_adapter(paths, info, lambda p: export_gguf_adapter(peft_dir, base_gguf, p), peft_dir=peft_dir)
        _ack(name)
        n += 1


def role_settings_writer(start: str) -> None:
    """Change settings through ``config.update_settings`` forever: ``seed`` counts up from ``start``
    and two other keys change with it; ``ACK n`` after the update returned."""
    from draftwheel.config import app_paths, update_settings

    paths = app_paths()
    print("READY", flush=True)
    n = int(start)
    while True:
        update_settings(paths, seed=n, fewshot_k=n % 9, logging_paused=bool(n % 2))
        _ack(n)
        n += 1


ROLES = {
    "store-writer": role_store_writer,
    "autosave-writer": role_autosave_writer,
    "adapter-writer": role_adapter_writer,
    "settings-writer": role_settings_writer,
}

if __name__ == "__main__":
    ROLES[sys.argv[1]](*sys.argv[2:])


# -- fuzzing -----------------------------------------------------------------------------------


class Hang(AssertionError):
    """A fuzz case ran past its time limit (a hang or a pathological slowdown)."""


@contextlib.contextmanager
def within(seconds: float):
    """Fail with :class:`Hang` if the block runs longer than ``seconds`` (SIGALRM: main thread, POSIX)."""
    if os.name != "posix" or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(_sig, _frame):
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def fuzz_settings(ci: int, soak: int, **kw):
    """Hypothesis settings: ``ci`` examples (``soak`` with DRAFTWHEEL_SOAK=1), no deadline (the
    machine is shared and slow; hangs are caught by :func:`within`), no example database in the repo."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=scale(ci, soak),
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        **kw,
    )


CASES: dict[str, int] = {}


def user_facing(fn, *args, seconds: float = 20, allowed: tuple = (), **kwargs):
    """Call ``fn``; return ``(result, None)`` or ``(None, error)`` for a DraftwheelError (or ``allowed``).

    Any other exception fails the test naming its type, and so does running
    past ``seconds``. Counts the case under the calling test's name.
    """
    from draftwheel.errors import DraftwheelError

    name = os.environ.get("PYTEST_CURRENT_TEST", "fuzz").split(" ")[0]
    CASES[name] = CASES.get(name, 0) + 1
    try:
        with within(seconds):
            return fn(*args, **kwargs), None
    except (DraftwheelError, *allowed) as exc:
        msg = str(exc)
        assert msg.strip() and "Traceback" not in msg and "\n" not in msg, f"unclear error message: {msg!r}"
        return None, exc


def report_cases(suite: str, module_file: str) -> None:
    """Record how many fuzz cases the tests of ``module_file`` ran (per test and in all)."""
    stem = Path(module_file).name
    per_test = {k.split("::", 1)[1]: v for k, v in CASES.items() if k.split("::")[0].endswith(stem)}
    record_figures(suite, cases=sum(per_test.values()), per_test=per_test)
