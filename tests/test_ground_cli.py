"""``draftwheel ground DIR`` and ``draftwheel ground review`` end to end (real store, loopback endpoint)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

sys.path.insert(0, str(Path(__file__).parent))
from draftwheel.cli.main import main
from test_ground_documents import make_sample_folder
from test_ground_endpoint import _down_url, _url, chat_server  # noqa: F401  (fixture)


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring backend (no Secret Service on a headless test machine)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def _run(capsys, *argv) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def _review_json(capsys, *extra) -> list[dict]:
    rc, out, err = _run(capsys, "ground", "review", "--json", *extra)
    assert rc == 0, err
    return json.loads(out)


def test_generate_then_review_on_the_command_line(tmp_path, home, paths, chat_server, capsys, memory_keyring):
    from draftwheel.config.secrets import set_api_key

    url = _url(chat_server)
    set_api_key(url, "sk-cli-999")
    folder = make_sample_folder(tmp_path / "docs")
    rc, out, err = _run(capsys, "ground", str(folder), "--endpoint", url, "--model", "m", "--pairs", "4", "--json")
    assert rc == 0, err
    record = json.loads(out)
    assert record["report"]["kept"] == 4 and len(record["stored_ids"]) == 4
    assert {f["path"] for f in record["files_not_used"]} == {
        "locked.pdf",
        "latin1.txt",
        "empty.md",
        "photo.png",
        "broken.pdf",
    }
    assert Path(record["profile"]) == paths.home / "ground" / "profile.json"
    assert all(r["auth"] == "Bearer sk-cli-999" for r in chat_server.requests)
    # The key is in none of the files Draftwheel wrote.
    for f in paths.home.rglob("*"):
        if f.is_file() and f.suffix != ".gguf":
            assert b"sk-cli-999" not in f.read_bytes(), f

    pending = _review_json(capsys)
    ids = [r["id"] for r in pending]
    assert ids == record["stored_ids"] and all(r["outcome"] == "pending" for r in pending)
    assert all(
        r["source_doc"] and r["source_end"] > r["source_start"] >= 0 and r["kind"] and r["theme"] for r in pending
    )
    rc, out, _ = _run(capsys, "ground", "review")
    assert rc == 0 and f"#{ids[0]} [" in out and "4 pair(s)" in out

    a, b, c, d = ids
    rc, out, err = _run(
        capsys,
        "ground",
        "review",
        "--accept",
        str(a),
        str(b),
        "--reject",
        str(c),
        "--edit",
        str(d),
        "--final",
        "My own corrected answer.",
        "--exclude",
        str(b),
    )
    assert rc == 0, err
    assert _review_json(capsys) == []
    rows = {r["id"]: r for r in _review_json(capsys, "--all")}
    assert rows[a]["outcome"] == "accepted" and rows[a]["final"] == rows[a]["output"] and rows[a]["include_in_training"]
    assert rows[b]["outcome"] == "accepted" and not rows[b]["include_in_training"]
    assert rows[c]["outcome"] == "rejected" and not rows[c]["include_in_training"]
    assert rows[d]["outcome"] == "edited" and rows[d]["final"] == "My own corrected answer."
    assert [r["id"] for r in _review_json(capsys, "--state", "edited")] == [d]
    rc, _, err = _run(capsys, "ground", "review", "--include", str(b))
    assert rc == 0 and rows[b]["id"] in [r["id"] for r in _review_json(capsys, "--all") if r["include_in_training"]]
    # Changing one's mind about a rejected pair puts it back into training.
    rc, _, err = _run(capsys, "ground", "review", "--accept", str(c))
    after = {r["id"]: r for r in _review_json(capsys, "--all")}[c]
    assert rc == 0 and after["outcome"] == "accepted" and after["include_in_training"]

    # An unknown id changes nothing at all (one transaction for the whole review).
    rc, _, err = _run(capsys, "ground", "review", "--reject", str(a), "--accept", "9999")
    assert rc == 2 and "9999" in err and "Traceback" not in err
    assert {r["id"]: r["outcome"] for r in _review_json(capsys, "--all")}[a] == "accepted"
    with pytest.raises(SystemExit) as exit_info:
        main(["ground", "--help"])
    assert exit_info.value.code == 0 and "DIR|review" in capsys.readouterr().out


def test_cli_bad_input_is_one_clear_line(tmp_path, home, chat_server, capsys):
    url = _url(chat_server)
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        (["ground", str(empty), "--endpoint", url, "--model", "m"], "no readable passages"),
        (["ground", str(tmp_path / "missing"), "--endpoint", url, "--model", "m"], "no such folder"),
        (["ground", "review", "--accept", "1", "--pairs", "3"], "--pairs cannot be used for review"),
        (["ground", str(empty), "--accept", "1"], "--accept cannot be used for generation"),
        (["ground", "review", "--edit", "3"], "--edit ID and --final TEXT go together"),
        (["ground", "review", "--accept", "5", "--reject", "5"], "more than one verdict"),
        (["ground", str(empty), "--endpoint"], "needs the setting remote_endpoint"),
        (["ground", str(empty), "--endpoint", "ftp://x", "--model", "m"], "not an http(s) URL"),
        (["ground", str(empty), "--endpoint", url], "needs a model name"),
        (["ground", str(empty), "--kinds", "question,poems", "--endpoint", url, "--model", "m"], "poems"),
        (["ground", str(empty), "--pairs", "0", "--endpoint", url, "--model", "m"], "--pairs must be at least 1"),
        (["ground", str(empty), "--min-support", "1.5", "--endpoint", url, "--model", "m"], "between 0 and 1"),
        (["ground", "review", "--min-support", "0.5"], "--min-support cannot be used for review"),
        (["ground", str(empty), "--protocol", "anthropic"], "--protocol only applies to an endpoint"),
        (["ground", "review", "--protocol", "anthropic"], "--protocol cannot be used for review"),
    ]
    for argv, message in cases:
        rc, out, err = _run(capsys, *argv)
        assert rc == 2, (argv, out, err)
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, (argv, err)
    assert chat_server.requests == []


def test_endpoint_down_on_the_command_line_reports_each_item(tmp_path, home, capsys):
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    rc, out, err = _run(capsys, "ground", str(folder), "--endpoint", _down_url(), "--model", "m", "--pairs", "3")
    assert rc == 0, err
    assert out.count("]: endpoint unreachable") == 5 and "Stopped early: 5 requests failed in a row" in out
    assert "Stored 0 pair(s)" in out


def test_profile_file_is_written_then_used(tmp_path, home, chat_server, capsys):
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    profile = tmp_path / "me.json"
    url = _url(chat_server)
    rc, out, err = _run(
        capsys, "ground", str(folder), "--endpoint", url, "--model", "m", "--pairs", "1", "--profile", str(profile)
    )
    assert rc == 0, err
    assert f"computed and saved to {profile}" in out
    data = json.loads(profile.read_text(encoding="utf-8"))
    data["voice"] = "Wry, dry and very brief."
    profile.write_text(json.dumps(data), encoding="utf-8")
    chat_server.requests.clear()
    rc, out, err = _run(
        capsys,
        "ground",
        str(folder),
        "--endpoint",
        url,
        "--model",
        "m",
        "--pairs",
        "1",
        "--kinds",
        "question",
        "--profile",
        str(profile),
    )
    assert rc == 0, err
    assert f"read from {profile}" in out
    answer_requests = [
        r for r in chat_server.requests if "Wry, dry and very brief." in r["body"]["messages"][-1]["content"]
    ]
    assert answer_requests  # the edited profile went into the answer prompt
    profile.write_text("{broken", encoding="utf-8")
    rc, out, err = _run(capsys, "ground", str(folder), "--endpoint", url, "--model", "m", "--profile", str(profile))
    assert rc == 2 and "not valid JSON" in err
