"""Privacy: a private data folder, no network unless configured, keys only in the keyring, no text in logs.

* The data folder and everything Draftwheel writes in it is readable by the
  user only (dirs 0700, files 0600), even under a permissive umask.
* No connection leaves the machine unless the user configured a remote
  endpoint: a guard on ``socket.connect``/``getaddrinfo`` (loopback and
  AF_UNIX allowed) wraps revise, log, import, examples export and grounded
  generation with the local model; any outside attempt fails the test. The
  guard itself is shown to catch real attempts, including the product's own
  HTTP client when an outside endpoint *is* configured.
* An API key lives in the keyring only: after using one, the key string
  appears in no file of the data folder (database and WAL included), and no
  output; without a secure keyring it is refused, not written in plain text.
* With ``-v`` (INFO logging), no log record or stderr line carries the user's text.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import keyring
import keyring.backend
import pytest

from faultlib import OutsideConnection, child_env, make_tiny_model_gguf, no_outside_network

MARKER = "Quuxwobble Zanzibarian"  # a user text no program would print by chance


def _cli(home: Path, *argv: str, umask: int | None = None, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "draftwheel", "--home", str(home), *argv],
        capture_output=True,
        text=True,
        env=child_env(home),
        timeout=300,
        input=stdin,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def _files(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "input"
    d.mkdir()
    (d / "in.txt").write_text(f"{MARKER} goes to the store yesterday.\n")
    (d / "out.txt").write_text(f"{MARKER} went to the store yesterday.\n")
    (d / "pairs.jsonl").write_text(
        json.dumps({"input": f"{MARKER} are here", "final": f"{MARKER} is here"})
        + "\n"
        + json.dumps({"input": MARKER, "final": 3, "task": MARKER})
        + "\n"
    )
    return {p.stem: p for p in d.iterdir()}


def _loose_modes(root: Path, skip=()) -> list[str]:
    bad = []
    for p in [root, *root.rglob("*")]:
        if p in skip:
            continue
        mode = stat.S_IMODE(p.lstat().st_mode)
        if mode & 0o077:
            bad.append(f"{p.relative_to(root)}: {oct(mode)}")
    return bad


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_data_folder_is_private_under_a_permissive_umask(tmp_path):
    home = tmp_path / "home"
    f = _files(tmp_path)
    tiny = make_tiny_model_gguf(tmp_path / "tiny.gguf", n_blocks=1, dim=16)
    for argv in (
        ["log", "--input", str(f["in"]), "--final", str(f["out"]), "--outcome", "edited"],
        ["import-pairs", str(f["pairs"])],
        ["privacy", "redact", "on"],
        ["models", "add", str(tiny), "--name", "tiny"],
        ["examples", "export", "--format", "chat", "--out", str(home / "export.jsonl")],
        ["examples", "list"],
    ):
        r = _cli(home, *argv, umask=0)
        assert r.returncode == 0, f"{argv}: {r.stderr}"
    assert (home / "draftwheel.db").exists() and (home / "settings.json").exists()
    assert _loose_modes(home) == []


# -- network -----------------------------------------------------------------------------------


def test_the_guard_catches_outside_connections_and_allows_loopback():
    with no_outside_network() as attempts:
        with pytest.raises(OutsideConnection):
            socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routed
        with pytest.raises(OSError):
            urllib.request.urlopen("http://example.com/", timeout=1)
        with pytest.raises(OutsideConnection):
            socket.socket(socket.AF_INET6, socket.SOCK_STREAM).connect(("2001:db8::1", 80, 0, 0))
        srv = socket.create_server(("127.0.0.1", 0))
        with srv, socket.create_connection(srv.getsockname(), timeout=5):
            pass  # loopback is allowed
    assert len(attempts) == 3 and all("192.0.2.1" in a or "example.com" in a or "2001:db8" in a for a in attempts)


def _main(*argv: str) -> int:
    from draftwheel.cli.main import main

    try:
        return main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.slow
def test_no_connection_leaves_the_machine_without_a_remote_endpoint(
    home, paths, tmp_path, fresh_engine, caplog, capsys
):
    """log, import, examples export/list (CLI), revise and local grounded generation, all under the guard."""
    from draftwheel.config import load_settings
    from draftwheel.engine.prompts import resolve_task
    from draftwheel.flywheel.revise import revise_with_flywheel
    from draftwheel.ground.llm import LocalGenerator
    from draftwheel.ground.pipeline import GroundOptions, run_ground
    from draftwheel.store import open_store

    f = _files(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "essay.md").write_text(
        "# Walking\n\n"
        + (
            f"{MARKER} walked to the mill by the river every morning, "
            "counting herons and writing down what the miller said. "
        )
        * 4
    )
    caplog.set_level(logging.INFO)  # what -v shows
    with no_outside_network() as attempts:
        assert _main("-v", "log", "--input", str(f["in"]), "--final", str(f["out"]), "--outcome", "edited") == 0
        assert _main("-v", "import-pairs", str(f["pairs"])) == 0
        assert _main("-v", "examples", "export", "--format", "chat", "--out", str(tmp_path / "x.jsonl")) == 0
        assert _main("-v", "examples", "list") == 0
        # Revise as the CLI and app do (few-shot from the store just filled), on the session's loaded engine:
        # a CLI revise would spend most of a minute re-reading the model header on this busy machine.
        store = open_store(paths)
        try:
            result, stage = revise_with_flywheel(
                fresh_engine, store, load_settings(paths), f["in"].read_text(), resolve_task("grammar"), mode="few"
            )
        finally:
            store.close()
        assert stage == "few" and result.text
        result = run_ground(
            docs,
            paths,
            LocalGenerator(fresh_engine),
            options=GroundOptions(n_pairs=1, kinds=("rewrite",), max_attempts=1),
        )
        assert result.report.attempted == 1
    assert attempts == [], f"outside network access: {attempts}"
    # No log record at -v level carries the user's text (the commands' own stdout output is not a log).
    leaked = [r.getMessage() for r in caplog.records if MARKER in r.getMessage()]
    assert leaked == [], leaked
    assert MARKER not in capsys.readouterr().err


def test_configured_outside_endpoint_is_the_only_way_out(paths, tmp_path):
    """With an outside endpoint configured, grounded generation does try to reach it (the guard sees the
    product's HTTP client), and the failure is a clear error, not a traceback."""
    from draftwheel.config import load_settings, save_settings

    save_settings(load_settings(paths).updated(remote_endpoint="http://192.0.2.1:9/v1", remote_model="m"), paths)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Notes\n\n" + "A long enough paragraph about rivers and mills and herons. " * 5)
    with no_outside_network() as attempts:
        rc = _main("--home", str(paths.home), "ground", str(docs), "--endpoint", "--pairs", "1")
    assert rc in (0, 2)  # ground reports unreachable endpoints per item and exits 0 with nothing stored
    assert attempts and all("192.0.2.1" in a for a in attempts)


# -- API keys ----------------------------------------------------------------------------------


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring held in memory (headless test machines have no Secret Service)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    old = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(old)


@pytest.fixture
def chat_server():
    sys.path.insert(0, str(Path(__file__).parent))
    import test_ground_endpoint as te  # the ground engineer's loopback chat-completions server

    yield from te.chat_server.__wrapped__()


def test_api_key_lives_only_in_the_keyring(paths, tmp_path, memory_keyring, chat_server, capsys, caplog):
    from draftwheel.config import load_settings, save_settings
    from draftwheel.config.secrets import set_api_key

    secret = "sk-PRIVATE-9f8e7d6c5b4a3210-do-not-store"
    url = f"http://127.0.0.1:{chat_server.server_address[1]}/v1"
    set_api_key(url, secret)
    save_settings(load_settings(paths).updated(remote_endpoint=url, remote_model="test-model"), paths)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Notes\n\n" + "A long enough paragraph about rivers and mills and herons. " * 5)
    caplog.set_level(logging.DEBUG)
    with no_outside_network() as attempts:
        rc = _main("-v", "--home", str(paths.home), "ground", str(docs), "--endpoint", "--pairs", "1")
    assert attempts == []
    assert rc in (0, 2)
    # The key was used, and only in the Authorization header of requests to the configured endpoint.
    assert chat_server.requests and all(r["auth"] == f"Bearer {secret}" for r in chat_server.requests)
    assert memory_keyring.items[("draftwheel", url)] == secret
    # It is nowhere in the data folder (settings, database, WAL, logs ...) nor in any output.
    needle = secret.encode()
    holders = [str(p) for p in paths.home.rglob("*") if p.is_file() and needle in p.read_bytes()]
    assert holders == []
    out = capsys.readouterr()
    assert secret not in out.out and secret not in out.err
    assert not any(secret in r.getMessage() for r in caplog.records)


def test_no_secure_keyring_means_the_key_is_refused_not_written(paths):
    from keyring.backends import fail

    from draftwheel.config.secrets import set_api_key
    from draftwheel.errors import DraftwheelError

    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(DraftwheelError, match="keyring"):
            set_api_key("http://127.0.0.1:1/v1", "sk-should-not-land-anywhere")
    finally:
        keyring.set_keyring(old)
    assert not any(b"sk-should-not-land" in p.read_bytes() for p in paths.home.rglob("*") if p.is_file())


# -- logs --------------------------------------------------------------------------------------


def test_verbose_cli_keeps_user_text_out_of_stderr(tmp_path):
    """Separate processes, as a user runs them, with -v: stderr (where logs go) never carries the text."""
    home = tmp_path / "home"
    f = _files(tmp_path)
    runs = [
        ["-v", "log", "--input", str(f["in"]), "--final", str(f["out"]), "--outcome", "edited"],
        ["-v", "import-pairs", str(f["pairs"])],
        ["-v", "examples", "export", "--format", "chat", "--out", str(tmp_path / "e.jsonl")],
        ["-v", "examples", "list", "--search", "Quux"],
        ["-v", "log", "--input", str(f["in"]), "--final", str(tmp_path / "missing.txt"), "--outcome", "edited"],
    ]
    for argv in runs:
        r = _cli(home, *argv)
        assert "Traceback" not in r.stderr
        assert MARKER not in r.stderr, f"{argv}: user text on stderr: {r.stderr}"
    logs = [p for p in home.rglob("*.log")]
    assert not any(MARKER.encode() in p.read_bytes() for p in logs)


def test_api_key_is_not_forwarded_to_another_host_on_redirect():
    import http.server
    import threading

    from draftwheel.ground.llm import ChatEndpointGenerator, Prompt

    seen: list[str | None] = []

    class Other(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            self.send_response(404)
            self.end_headers()

        do_POST = do_GET

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Other)

    class Redirect(Other):
        def do_POST(self):
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{other.server_address[1]}/steal")
            self.send_header("Content-Length", "0")
            self.end_headers()

    first = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threads = [
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True) for s in (other, first)
    ]
    for t in threads:
        t.start()
    try:
        gen = ChatEndpointGenerator(
            f"http://127.0.0.1:{first.server_address[1]}/v1", "m", api_key="sk-secret-1", timeout=5
        )
        prompt = Prompt(completion="hi", messages=[{"role": "user", "content": "hi"}], max_tokens=8)
        with no_outside_network():
            try:
                gen.ask(prompt)
            except Exception:
                pass  # the reply is an error either way; what matters is who saw the key
    finally:
        for s in (other, first):
            s.shutdown()
            s.server_close()
    assert "Bearer sk-secret-1" not in seen, "the API key was sent to the host the endpoint redirected to"


# -- left out of training means left out of few-shot prompts ------------------------------------------


def test_pairs_left_out_of_training_are_not_few_shot_examples(paths, fresh_engine):
    """Regression: retrieval ignored include_in_training, so a pair the user excluded still reached prompts."""
    from draftwheel.config import load_settings
    from draftwheel.engine.prompts import resolve_task
    from draftwheel.flywheel import retrieve_examples
    from draftwheel.flywheel.revise import revise_with_flywheel
    from draftwheel.store import add_edits, list_edits, open_store, update_edit

    text = f"{MARKER} walk to the harbour every mornings."
    store = open_store(paths)
    try:
        with store.session() as s, s.begin():
            add_edits(
                s,
                [
                    dict(
                        task="grammar",
                        input_text=f"{MARKER} walk to the harbour on sunday.",
                        final_text=f"{MARKER} walks to the harbour on Sunday.",
                        outcome="accepted",
                        include_in_training=False,
                    ),
                    dict(
                        task="grammar",
                        input_text=f"{MARKER} swim in the harbour at night.",
                        final_text=f"{MARKER} swims in the harbour at night.",
                        outcome="edited",
                    ),
                ],
            )
        with store.session() as s:
            used = [ex.input for ex in retrieve_examples(s, "grammar", text, k=4)]
            included = next(e.id for e in list_edits(s) if e.include_in_training)
        assert used == [f"{MARKER} swim in the harbour at night."]
        result, stage = revise_with_flywheel(
            fresh_engine, store, load_settings(paths), text, resolve_task("grammar"), mode="few"
        )
        assert stage == "few" and result.n_examples == 1
        with store.session() as s, s.begin():  # left out later, from the data view or the wizard
            update_edit(s, included, include_in_training=False)
        with store.session() as s:
            assert retrieve_examples(s, "grammar", text, k=4) == []
    finally:
        store.close()
