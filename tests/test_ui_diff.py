"""Word diff, review decisions, documents and autosave: the plain-Python logic behind the window."""

from __future__ import annotations

import json
import os

import pytest

from draftwheel.errors import DraftwheelError, InputError
from draftwheel.ui.diff import ACCEPTED, REJECTED, SuggestionDiff, outcome, tokens
from draftwheel.ui.documents import MAX_BYTES, Autosave, RecentFiles, read_document, release_autosave, write_document


def test_tokens_cover_the_text_exactly():
    text = "Don't  stop—it's 3.5 km\n\n* item"
    assert "".join(tokens(text)) == text
    assert "Don't" in tokens(text)


def test_word_diff_finds_word_changes_and_applies_decisions():
    d = SuggestionDiff("He go to the libary yesterday.", "He went to the library yesterday!")
    changed = [(d.change(i).old, d.change(i).new) for i in range(len(d.changes))]
    assert changed == [("go", "went"), ("libary", "library"), (".", "!")]
    assert d.result() == "He went to the library yesterday!"  # undecided changes count as accepted
    d.set_decision(1, REJECTED)
    assert d.result() == "He went to the libary yesterday!"
    d.toggle(1)
    assert d.change(1).decision == ACCEPTED
    d.reject_all()
    assert d.result() == "He go to the libary yesterday."
    d.accept_all()
    assert d.result() == d.suggestion


def test_adjacent_word_changes_merge_into_one():
    d = SuggestionDiff("Me and him goes home.", "He and I go home.")
    assert d.result() == "He and I go home."
    assert all(h.old or h.new for h in d.hunks)


def test_html_marks_deletions_and_insertions():
    d = SuggestionDiff("a <b> c", "a <i> c")
    html = d.to_html(current=0)
    assert "line-through" in html and "&lt;" in html and "<b>" not in html  # markup in text is escaped
    assert ">b</span>" in html and ">i</span>" in html
    assert 'href="change:0"' in html


def test_outcome():
    assert outcome("a", "b", "b") == "accepted"
    assert outcome("a", "b", "a") == "rejected"
    assert outcome("a", "b", "c") == "edited"


def test_read_document_rejects_binary_huge_missing_and_non_utf8(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"abc\x00def")
    with pytest.raises(InputError, match="binary"):
        read_document(tmp_path / "bin.txt")
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)
    with pytest.raises(InputError, match="MB"):
        read_document(big)
    with pytest.raises(InputError, match="no longer exists"):
        read_document(tmp_path / "missing.md")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        read_document(tmp_path / "latin1.txt")
    with pytest.raises(InputError, match="folder"):
        read_document(tmp_path)
    (tmp_path / "ok.md").write_bytes("\ufeff# Hi\r\nthere\r\n".encode("utf-8"))
    assert read_document(tmp_path / "ok.md") == "# Hi\nthere\n"


def test_write_document_is_atomic_and_explains_permission_errors(tmp_path):
    f = tmp_path / "a.md"
    write_document(f, "one")
    write_document(f, "two")
    assert f.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temp files left
    with pytest.raises(DraftwheelError, match="folder"):
        write_document(tmp_path, "x")
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        try:
            with pytest.raises(DraftwheelError, match="permission"):
                write_document(locked / "b.md", "x")
        finally:
            locked.chmod(0o700)


def test_recent_files_newest_first_without_duplicates(tmp_path):
    r = RecentFiles(tmp_path / "recent.json")
    assert r.list() == []
    for name in ("a", "b", "a", "c"):
        r.add(tmp_path / name)
    assert [os.path.basename(p) for p in r.list()] == ["c", "a", "b"]
    (tmp_path / "recent.json").write_text("{not json")
    assert r.list() == []  # a damaged list is just empty


def test_autosave_orphans_only_from_windows_that_are_gone(tmp_path):
    a = Autosave(tmp_path)
    a.save("/x/draft.md", "unsaved words")
    b = Autosave(tmp_path)
    assert b.orphans() == []  # a's window is still alive
    release_autosave(a.id)  # a's window was destroyed without saving
    found = b.orphans()
    assert [(r.path, r.text, r.title) for r in found] == [("/x/draft.md", "unsaved words", "draft.md")]
    b.adopt(found[0])
    assert b.file == a.file
    b.clear()
    assert not a.file.exists()
    # A file from a process that no longer runs is an orphan too; junk files are ignored.
    (tmp_path / "old.json").write_text(json.dumps({"path": None, "text": "t", "saved_at": 1, "pid": 2**22 + 7}))
    (tmp_path / "junk.json").write_text("{")
    assert [r.title for r in b.orphans()] == ["Untitled"]
