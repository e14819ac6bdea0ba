"""Downloads from a hub (``models.download``, ``draftwheel models download``) against a local imitation of the hub.

Nothing here reaches the internet: ``hubserver.FakeHub`` serves the hub's file
endpoint on 127.0.0.1, and every test runs under ``no_outside_network``.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from typing import ClassVar

import keyring
import keyring.backend
import pytest

from faultlib import make_tiny_model_gguf, no_outside_network
from hubserver import FakeHub, serve

REPO, FILE = "someone/tiny-GGUF", "tiny-Q4_K_M.gguf"


@pytest.fixture
def paths(tmp_path, monkeypatch):
    from draftwheel.config import app_paths
    from draftwheel.config.paths import ENV_HOME

    monkeypatch.setenv(ENV_HOME, str(tmp_path / "home"))
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT", "HF_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    return app_paths()


@pytest.fixture(scope="module")
def gguf_bytes(tmp_path_factory) -> bytes:
    return make_tiny_model_gguf(tmp_path_factory.mktemp("gguf") / "t.gguf", name="tiny it").read_bytes()


@pytest.fixture
def hub(gguf_bytes):
    fake = FakeHub()
    fake.add(REPO, FILE, gguf_bytes)
    server = serve(fake)
    with no_outside_network() as attempts:
        yield fake
    server.shutdown()
    server.server_close()
    assert attempts == []


@pytest.fixture
def small_chunks(monkeypatch):
    """64 KiB transfer chunks, so the ~600 KB test model arrives in several pieces."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "DOWNLOAD_CHUNK_SIZE", 64 * 1024)


def _download(paths, hub, **kw):
    from draftwheel.models.download import Source, download

    token = kw.pop("token", False)
    source = Source(kw.pop("repo", REPO), kw.pop("file", FILE), **kw)
    return download(paths, source, hub.url, token)


def _partials(paths):
    d = paths.models_dir / ".downloads"
    return sorted(d.iterdir()) if d.exists() else []


def test_download_verifies_the_hubs_sha256_and_registers_the_model(paths, hub, gguf_bytes):
    from draftwheel.models import Catalogue

    entry = _download(paths, hub)
    assert entry.name == "tiny-q4_k_m" and entry.architecture == "gemma3"
    assert entry.sha256 == hashlib.sha256(gguf_bytes).hexdigest()
    assert (paths.models_dir / FILE).read_bytes() == gguf_bytes
    assert Catalogue(paths).get("tiny-q4_k_m").path == str((paths.models_dir / FILE).resolve())
    assert _partials(paths) == []
    assert [m for m, _, _ in hub.requests] == ["HEAD", "GET"]
    assert "authorization" not in hub.requests[0][2]  # no token stored: none is sent (none is looked up elsewhere)


@pytest.mark.parametrize("where", ["listed", "hub"])
def test_a_sha256_mismatch_deletes_the_file_and_registers_nothing(paths, hub, where):
    from draftwheel.errors import DraftwheelError
    from draftwheel.models import Catalogue

    kw = {}
    if where == "listed":
        kw["sha256"] = "0" * 64
    else:
        hub.etags[(REPO, FILE)] = "f" * 64
    with pytest.raises(DraftwheelError, match=r"sha256 does not match.*deleted"):
        _download(paths, hub, **kw)
    assert not (paths.models_dir / FILE).exists() and _partials(paths) == []
    assert [e.name for e in Catalogue(paths).list() if not e.bundled] == []


def test_a_gated_model_says_how_to_get_in_and_the_stored_token_opens_it(paths, hub, monkeypatch):
    from draftwheel.config.secrets import set_hub_token
    from draftwheel.errors import DraftwheelError
    from draftwheel.models.hub import token_for

    class MemoryKeyring(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]
        items: ClassVar[dict] = {}

        def get_password(self, service, username):
            return self.items.get((service, username))

        def set_password(self, service, username, password):
            self.items[(service, username)] = password

        def delete_password(self, service, username):
            self.items.pop((service, username), None)

    old = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        hub.gated[REPO] = "hf_secret"
        with pytest.raises(DraftwheelError, match=r"gated.*accept its license.*draftwheel models token"):
            _download(paths, hub, token=token_for(hub.url))
        assert _partials(paths) == [] and not (paths.models_dir / FILE).exists()
        set_hub_token(hub.url, "hf_secret")
        assert _download(paths, hub, token=token_for(hub.url)).name == "tiny-q4_k_m"
    finally:
        keyring.set_keyring(old)


def test_unknown_repository_or_file_is_a_clear_error(paths, hub):
    from draftwheel.errors import NotFoundError

    with pytest.raises(NotFoundError, match="No repository 'nobody/none'"):
        _download(paths, hub, repo="nobody/none")
    with pytest.raises(NotFoundError, match=r"has no file 'missing.gguf'"):
        _download(paths, hub, file="missing.gguf")


def test_a_server_that_is_down_is_a_clear_error(paths):
    from draftwheel.errors import DraftwheelError

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    fake = FakeHub(url=url)
    with pytest.raises(DraftwheelError, match=r"Could not reach http://127.0.0.1"):
        _download(paths, fake)
    assert not (paths.models_dir / FILE).exists()


def test_a_cancelled_download_keeps_its_partial_and_the_next_one_resumes_with_range(
    paths, hub, gguf_bytes, small_chunks
):
    from draftwheel.errors import Cancelled
    from draftwheel.models import Catalogue
    from draftwheel.models.download import Source, download

    cancel = threading.Event()
    seen: list[int] = []

    def progress(done, total):
        seen.append(done)
        assert total == len(gguf_bytes)
        if done >= 3 * 64 * 1024:
            cancel.set()  # as the app's Cancel button (and Ctrl+C in the CLI) would

    with pytest.raises(Cancelled):
        download(paths, Source(REPO, FILE), hub.url, on_progress=progress, cancel=cancel)
    [part] = _partials(paths)
    kept = part.stat().st_size
    assert kept == 3 * 64 * 1024 and gguf_bytes.startswith(part.read_bytes())
    assert not (paths.models_dir / FILE).exists() and [e for e in Catalogue(paths).list() if not e.bundled] == []

    seen.clear()
    entry = download(paths, Source(REPO, FILE), hub.url, on_progress=progress)
    assert hub.gets()[-1]["range"] == f"bytes={kept}-"
    assert seen[0] > kept and seen[-1] == len(gguf_bytes)  # the progress counts from what was kept
    assert (paths.models_dir / FILE).read_bytes() == gguf_bytes and entry.name == "tiny-q4_k_m"
    assert _partials(paths) == []


def test_a_connection_dropped_mid_transfer_is_resumed_with_range(paths, hub, gguf_bytes, small_chunks):
    hub.cut_once = 100_000
    _download(paths, hub)
    assert (paths.models_dir / FILE).read_bytes() == gguf_bytes
    ranges = [h.get("range") for h in hub.gets()]
    assert ranges[0] is None and ranges[-1] is not None and ranges[-1].startswith("bytes=")


def test_not_enough_disk_space_stops_before_the_transfer(paths, hub, monkeypatch):
    import shutil

    from draftwheel.errors import DraftwheelError
    from draftwheel.models import download as dl

    monkeypatch.setattr(dl.shutil, "disk_usage", lambda _p: shutil._ntuple_diskusage(10**12, 10**12, 1000))
    with pytest.raises(DraftwheelError, match="Not enough disk space"):
        _download(paths, hub)
    assert hub.gets() == []


def test_a_file_that_is_not_a_gguf_is_deleted(paths, hub):
    from draftwheel.errors import DraftwheelError

    hub.add(REPO, "fake.gguf", b"<html>not a model</html>" * 10)
    with pytest.raises(DraftwheelError, match="deleted"):
        _download(paths, hub, file="fake.gguf")
    assert not (paths.models_dir / "fake.gguf").exists() and _partials(paths) == []


def test_offline_mode_refuses_without_a_request(paths, hub, monkeypatch):
    from draftwheel.errors import DraftwheelError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DraftwheelError, match="HF_HUB_OFFLINE is set"):
        _download(paths, hub)
    assert hub.requests == []


def _main(*argv: str) -> int:
    from draftwheel.cli.main import main

    try:
        return main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)


def test_cli_downloads_a_curated_model_by_name_from_the_endpoint_setting(paths, hub, gguf_bytes, capsys):
    from draftwheel.config import update_settings
    from draftwheel.models import Catalogue
    from draftwheel.models.curated import find_offer

    offer = find_offer("gemma3-1b-it")
    hub.add(offer.repo, offer.file, gguf_bytes)
    update_settings(paths, hub_endpoint=hub.url)
    assert _main("models", "download", "gemma3-1b-it") == 0
    assert "added gemma3-1b-it" in capsys.readouterr().out
    assert Catalogue(paths).get("gemma3-1b-it").file.read_bytes() == gguf_bytes
    assert _main("models", "use", "gemma3-1b-it") == 0
    assert _main("models", "download", "gemma3-1b-it") == 2  # already there: said, not downloaded again
    assert "already exists" in capsys.readouterr().err


def test_cli_downloads_any_repo_and_file_from_hf_endpoint(paths, hub, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    assert _main("models", "download", REPO, FILE, "--name", "mine") == 0
    assert _main("models", "list") == 0
    assert "mine" in capsys.readouterr().out
    assert _main("models", "download", REPO, "x.bin") == 2
    assert "must end in .gguf" in capsys.readouterr().err


def test_cli_catalogue_lists_the_curated_models_without_a_socket(paths, monkeypatch, capsys):
    import json

    opened: list[object] = []
    real = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: opened.append(addr) or real(self, addr))
    assert _main("models", "catalogue", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    names = {m["name"] for m in data["models"]}
    assert {"gemma3-1b-it", "qwen3-4b", "llama3.2-3b-instruct", "phi4-mini-instruct"} <= names
    assert all(m["sha256"] is None or len(m["sha256"]) == 64 for m in data["models"])
    assert all(m["trainable"] == (m["architecture"] == "gemma3") for m in data["models"])
    assert _main("models", "catalogue") == 0
    assert "recommended for this machine" in capsys.readouterr().out or data["recommended"] is None
    assert opened == []


def test_deleting_a_token_without_any_keyring_is_not_an_error(home, monkeypatch, capsys):
    """The CLI fuzzer found `models token --delete` raising NoKeyringError where no keyring exists."""
    import keyring
    from keyring.backends import fail

    from draftwheel.cli.main import main

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    monkeypatch.setattr(keyring, "delete_password", fail.Keyring().delete_password)
    assert main(["models", "token", "--delete"]) == 0
    assert "removed" in capsys.readouterr().out


def test_a_token_that_is_not_text_is_a_clear_error(home, monkeypatch, capsys):
    """The CLI fuzzer's case: `models token` with the byte 0x80 on standard input."""
    import io
    import sys

    from draftwheel.cli.main import main

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\x80"), encoding="utf-8"))
    assert main(["models", "token"]) == 2
    assert "not text" in capsys.readouterr().err
