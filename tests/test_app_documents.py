"""The documents controller without widgets: open/save/save as, recent files, autosave and restore."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from draftwheel.app.documents import (
    ALL_FILES,
    SAVE_FILTERS,
    Documents,
    release_autosave,
    save_filter_for,
    with_format_extension,
)
from draftwheel.app.settings_form import (
    check_endpoint,
    check_fields,
    check_temperature,
    check_threads,
)
from draftwheel.errors import DraftwheelError

MARKDOWN, PLAIN, RST = SAVE_FILTERS[:3]


def _docs(tmp_path, **kw) -> Documents:
    return Documents(tmp_path / "home", tmp_path / "home" / "autosave", **kw)


def test_save_as_adds_the_extension_of_the_chosen_format():
    assert with_format_extension("/d/notes", MARKDOWN) == "/d/notes.md"
    assert with_format_extension("/d/notes", PLAIN) == "/d/notes.txt"
    assert with_format_extension("/d/notes", RST) == "/d/notes.rst"
    assert with_format_extension("/d/notes.v2", PLAIN) == "/d/notes.v2.txt"  # ".v2" is not a text format
    assert with_format_extension("/d/notes.md", MARKDOWN) == "/d/notes.md"
    assert with_format_extension("/d/notes.txt", MARKDOWN) == "/d/notes.txt"  # typed on purpose: kept
    assert with_format_extension("/d/notes", ALL_FILES) == "/d/notes"
    assert save_filter_for("/d/a.txt") == PLAIN and save_filter_for(None) == MARKDOWN


def test_open_save_save_as_and_recent_files(tmp_path):
    docs = _docs(tmp_path)
    assert docs.path is None and docs.title == "Untitled"
    with pytest.raises(DraftwheelError, match="Save As"):
        docs.save("words")  # untitled: no silent save anywhere
    saved = docs.save_as("first draft\n", str(tmp_path / "letter"), MARKDOWN)
    assert saved == str((tmp_path / "letter.md").resolve())
    assert (tmp_path / "letter.md").read_text(encoding="utf-8") == "first draft\n"
    assert docs.path == saved and docs.title == "letter.md" and not docs.modified
    assert docs.recent.list() == [saved]

    other = tmp_path / "other.txt"
    other.write_bytes(b"line one\r\nline two\r\n")
    assert docs.open(str(other)) == "line one\nline two\n"
    assert docs.path == str(other.resolve())
    assert docs.recent.list() == [str(other.resolve()), saved]
    assert docs.layout.last_document() == str(other.resolve())

    other.unlink()
    with pytest.raises(DraftwheelError, match="no longer exists"):
        docs.open(str(other))
    assert docs.path == str(other.resolve())  # a failed open changes nothing...
    assert docs.recent.list() == [saved]  # ...but a vanished file leaves the recent list
    assert docs.layout.last_document() is None  # and is not reopened at the next start


def test_autosave_only_unsaved_text_and_cleared_by_save(tmp_path):
    docs = _docs(tmp_path)
    assert not docs.autosave_text("nothing changed")  # unmodified: nothing to keep
    assert not docs.autosave.file.exists()
    docs.set_modified(True)
    assert docs.autosave_text("typed words")
    record = json.loads(docs.autosave.file.read_text(encoding="utf-8"))
    assert record["text"] == "typed words" and record["path"] is None
    docs.save("typed words", str(tmp_path / "kept.md"))
    assert not docs.autosave.file.exists()  # saved: nothing left to restore
    docs.close()


def _orphan(tmp_path, text: str, saved_at: float, name: str) -> None:
    """An autosave as a crashed window leaves it (a pid that no longer runs)."""
    folder = tmp_path / "home" / "autosave"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(
        json.dumps({"path": None, "text": text, "saved_at": saved_at, "pid": 2**22 + 11}), encoding="utf-8"
    )


def test_each_autosave_is_offered_once_and_restoring_one_keeps_the_others(tmp_path):
    _orphan(tmp_path, "older text", 100.0, "a")
    _orphan(tmp_path, "newer text", 200.0, "b")
    docs = _docs(tmp_path)
    first = docs.next_restore()
    assert first is not None and first.text == "newer text"  # newest first
    assert docs.restore(first) == "newer text" and docs.modified and docs.autosave.file == first.file
    second = docs.next_restore()
    assert second is not None and second.text == "older text"
    assert docs.next_restore() is None  # each file is asked about once per start
    # Not restored and not discarded ("Not now"): both files are still there for the next start.
    assert first.file.exists() and second.file.exists()
    release_autosave(docs.autosave.id)  # this window "crashes"
    again = _docs(tmp_path)
    assert sorted(r.text for r in again.autosave.orphans()) == ["newer text", "older text"]
    again.discard(again.next_restore())
    assert [r.text for r in again.autosave.orphans()] == ["older text"]
    again.close()


def test_restoring_adopts_the_file_and_drops_only_this_windows_own(tmp_path):
    _orphan(tmp_path, "crashed text", 100.0, "c")
    docs = _docs(tmp_path)
    docs.set_modified(True)
    docs.autosave_text("text of this window, saved or discarded by the user before restoring")
    own = docs.autosave.file
    rec = docs.next_restore()
    docs.restore(rec)
    assert not own.exists() and rec.file.exists()
    docs.autosave_text("crashed text, edited")
    assert json.loads(rec.file.read_text(encoding="utf-8"))["text"] == "crashed text, edited"
    docs.close()
    assert not rec.file.exists()


def test_crashed_window_is_offered_on_the_next_start_even_while_its_pid_is_a_zombie(tmp_path):
    """A killed app whose process is not yet reaped still "exists" (os.kill(pid, 0) succeeds): a pid check
    alone hid its text until some later start. The instance-lock holder owns every file in the folder."""
    folder = tmp_path / "home" / "autosave"
    folder.mkdir(parents=True)
    code = (
        "import json, os, sys, time; from draftwheel.app.documents import Autosave; a = Autosave(sys.argv[1]); "
        "a.save(None, 'lost words'); print(a.file, flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True)
    try:
        file = child.stdout.readline().strip()
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.time() + 10
        while time.time() < deadline:  # dead but not reaped: a zombie
            with open(f"/proc/{child.pid}/stat") as fh:
                if fh.read().split(")")[-1].split()[0] == "Z":
                    break
            time.sleep(0.05)
        found = _docs(tmp_path, sole_owner=True).next_restore()
        assert found is not None and str(found.file) == file and found.text == "lost words"
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


def test_window_layout_survives_damage(tmp_path):
    docs = _docs(tmp_path)
    docs.layout.remember(geometry=b"\x01\x02qt-bytes", last_document=None)
    assert docs.layout.blob("geometry") == b"\x01\x02qt-bytes"
    docs.layout.file.write_text("{not json", encoding="utf-8")
    assert docs.layout.blob("geometry") is None and docs.layout.last_document() is None


# -- settings fields ------------------------------------------------------------------------


def test_settings_fields_say_what_is_allowed():
    assert check_threads(0, cores=4) is None and check_threads(4, cores=4) is None
    assert "0 (automatic) to 4" in check_threads(5, cores=4)
    assert check_temperature(0.7) is None and "to 2" in check_temperature(3.0)
    assert check_endpoint("") is None and check_endpoint("http://127.0.0.1:8080/v1") is None
    for bad in ("not a url", "ftp://host/x", "https://", "http://host:99999", "https://exa mple.com"):
        assert "web address" in check_endpoint(bad), bad
    problems = check_fields(n_threads=9, temperature=2.5, train_threshold=0, remote_endpoint="localhost", cores=8)
    assert set(problems) == {"n_threads", "temperature", "train_threshold", "remote_endpoint"}
    assert "at least 8" in problems["train_threshold"]
    assert check_fields(n_threads=0, temperature=0.0, train_threshold=100, remote_endpoint="", cores=2) == {}
