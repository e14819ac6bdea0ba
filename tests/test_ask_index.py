"""The passage index of "Ask my writing": indexing, re-indexing, skipped files, retrieval, unknown topics.

Real SQLite files (a fresh data folder per test); no model.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from draftwheel.config import app_paths
from draftwheel.errors import InputError
from draftwheel.ground.passage_index import index_folder
from draftwheel.ground.passage_search import retrieve
from draftwheel.store import open_store
from draftwheel.store.passages import count_passages, indexed_folders

ASK = Path(__file__).resolve().parent / "data" / "ask"

COMPOST = "A compost heap wants greens and browns in equal measure, and a turn with the fork once a month. " * 2
BEES = "Open the hive on a warm, still afternoon when the foragers are out, and move slowly with cool smoke. " * 2


@pytest.fixture
def store(tmp_path):
    st = open_store(app_paths(tmp_path / "home"))
    yield st
    st.close()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _rels(store) -> set[str]:
    with store.session() as s:
        return {h.rel for h in retrieve(s, "compost heap hive bees foragers fork", 10).hits}


def test_index_reindex_changed_touched_and_removed_files(store, tmp_path):
    folder = tmp_path / "docs"
    _write(folder / "compost.md", COMPOST)
    _write(folder / "sub" / "bees.txt", BEES)
    first = index_folder(store, folder)
    assert sorted(first.added) == ["compost.md", "sub/bees.txt"] and first.passages == 2
    assert _rels(store) == {"compost.md", "sub/bees.txt"}

    again = index_folder(store, folder)  # nothing changed: nothing read
    assert sorted(again.unchanged) == ["compost.md", "sub/bees.txt"] and again.passages == 0

    st = (folder / "compost.md").stat()  # touched, same content: only the stat is remembered
    os.utime(folder / "compost.md", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    touched = index_folder(store, folder)
    assert "compost.md" in touched.unchanged and not touched.changed

    _write(folder / "compost.md", "Leaf mould takes two years in a wire cage, and it is worth every day of them. " * 2)
    (folder / "sub" / "bees.txt").unlink()
    changed = index_folder(store, folder)
    assert changed.changed == ["compost.md"] and changed.removed == ["sub/bees.txt"]
    with store.session() as s:
        assert count_passages(s) == 1
        assert [h.rel for h in retrieve(s, "leaf mould cage").hits] == ["compost.md"]
        assert retrieve(s, "compost heap greens browns").hits == []  # the old text is gone from the index
        assert [(f.documents, f.passages) for f in indexed_folders(s)] == [(1, 1)]


def test_non_utf8_and_unsupported_files_are_skipped_with_a_reason(store, tmp_path):
    folder = tmp_path / "docs"
    _write(folder / "good.md", COMPOST)
    (folder / "latin1.txt").write_bytes(
        "Caf\xe9 au lait every morning, on the step, in the sun. ".encode("latin-1") * 3
    )
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    report = index_folder(store, folder)
    reasons = {i.path: (i.status, i.reason) for i in report.issues}
    assert report.added == ["good.md"]
    assert reasons["latin1.txt"][0] == "unreadable" and "not UTF-8" in reasons["latin1.txt"][1]
    assert "byte 0xe9" in reasons["latin1.txt"][1] and "save it as UTF-8" in reasons["latin1.txt"][1]
    assert reasons["photo.jpg"] == ("skipped", "unsupported type .jpg")
    assert "latin1.txt: unreadable: not UTF-8" in report.summary()


def test_a_document_that_becomes_unreadable_is_dropped(store, tmp_path):
    folder = tmp_path / "docs"
    _write(folder / "notes.txt", COMPOST)
    index_folder(store, folder)
    (folder / "notes.txt").write_bytes(b"\xff\xfe" + COMPOST.encode("utf-16-le"))
    report = index_folder(store, folder)
    assert report.removed == ["notes.txt"] and report.issues[0].status == "unreadable"
    with store.session() as s:
        assert count_passages(s) == 0


def test_empty_folders_and_folders_without_documents_are_refused_and_change_nothing(store, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty"):
        index_folder(store, tmp_path / "empty")
    _write(tmp_path / "pics" / "a.png", "x")
    with pytest.raises(InputError, match="no documents to index"):
        index_folder(store, tmp_path / "pics")
    with pytest.raises(InputError, match="no such folder"):
        index_folder(store, tmp_path / "missing")
    with store.session() as s:
        assert indexed_folders(s) == []


def test_retrieval_finds_the_answering_document_and_detects_unknown_topics(store, tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(ASK / "docs", folder)
    index_folder(store, folder)
    with store.session() as s:
        tap = retrieve(s, "How do I fix a dripping tap?")
        assert tap.answerable and tap.hits[0].rel == "tap.md"
        assert tap.hits[0].text == (folder / "tap.md").read_text()[tap.hits[0].start : tap.hits[0].end]
        stemmed = retrieve(s, "Is composting meat allowed?")  # "composting" finds "compost"
        assert stemmed.hits[0].rel == "compost.md"
        unknown = retrieve(s, "What do you think about quantum computing?")
        assert not unknown.answerable
        assert unknown.not_mentioned() == "Your documents don't mention “quantum” or “computing”."
        partial = retrieve(s, "How do I train a puppy to sit?")  # "sit" is in fog.md, the topic is not
        assert partial.hits and not partial.answerable and "puppy" in partial.missing
        assert not retrieve(s, "What is it about?").answerable  # no content words at all


def test_bench_figures_on_the_test_set(tmp_path):
    from draftwheel.bench.ask import run

    metrics = run(quick=True, data=tmp_path)["metrics"]  # a --data folder of another kind: the checkout's set
    assert metrics["answerable_questions"] >= 30 and metrics["unanswerable_questions"] >= 8
    assert metrics["retrieval_hit_at_1"] >= 0.9 and metrics["retrieval_hit_at_3"] >= 0.95
    assert metrics["unanswerable_detected"] == metrics["unanswerable_questions"]
    assert metrics["answerable_refused"] <= 2
