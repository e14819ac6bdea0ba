"""Styles through the real `draftwheel` main function and the real store: the styles commands, every
command's --style, per-style few-shot retrieval and training trigger, adapters across styles, bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from draftwheel.cli.main import main
from draftwheel.flywheel.policy import MIN_EXAMPLES, TrainingPolicy, edits_until_training, training_progress
from draftwheel.flywheel.retrieve import retrieve_examples
from draftwheel.flywheel.styles import resolve
from draftwheel.store import count_edits, find_style, get_style, list_edits, log_edit, open_store


def _cli(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def _pairs(tmp_path, n: int, word: str = "meeting", name: str = "p.jsonl"):
    f = tmp_path / name
    f.write_text(
        "".join(
            json.dumps({"input": f"hey, the {word} {i} is moved", "final": f"Hello, the {word} {i} has moved."}) + "\n"
            for i in range(n)
        )
    )
    return f


def _ok(paths, model=None):
    from draftwheel.flywheel.availability import Availability

    return Availability(True)


def test_styles_add_list_edit_rename_and_the_commands_that_take_style(paths, tmp_path, capsys):
    rc, out, _ = _cli(
        capsys, "styles", "add", "Work e-mail", "--instruction", "Rewrite as a short work e-mail.", "--threshold", "12"
    )
    assert rc == 0 and "work-e-mail" in out
    rc, out, _ = _cli(capsys, "styles", "add", "Fiction", "--from", "friendly", "--description", "warm, vivid")
    assert rc == 0
    rc, out, _ = _cli(capsys, "styles", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["Work e-mail"]["train_threshold"] == 12 and rows["Work e-mail"]["shortcut"] == "Ctrl+7"
    # the built-in personal styles: "In my voice" has a shortcut, the answering one has no button
    assert (rows["voice"]["label"], rows["voice"]["shortcut"]) == ("In my voice", "Ctrl+6")
    assert rows["answer"]["builtin"] and rows["answer"]["shortcut"] == ""
    assert rows["Fiction"]["base_preset"] == "friendly"
    assert rows["Fiction"]["instruction"].endswith("Voice: warm, vivid")  # the preset's instruction + the voice
    assert rows["grammar"]["builtin"] and rows["grammar"]["label"] == "Fix grammar"

    # import-pairs, log and examples per style; `--task KEY` works for a style too (it was refused before)
    assert _cli(capsys, "import-pairs", str(_pairs(tmp_path, 5)), "--style", "work e-mail")[0] == 0
    rc, out, _ = _cli(capsys, "import-pairs", str(_pairs(tmp_path, 3, "plot", "f.jsonl")), "--task", "fiction")
    assert rc == 0 and "3 of style fiction" in out
    src, ref = tmp_path / "a.txt", tmp_path / "b.txt"
    src.write_text("the plot thickens\n")
    ref.write_text("The plot thickened.\n")
    assert _cli(capsys, "import-pairs", "--src", str(src), "--ref", str(ref), "--style", "Fiction")[0] == 0
    (tmp_path / "in.txt").write_text("hey, the meeting 99 is moved")
    (tmp_path / "out.txt").write_text("Hello, the meeting 99 has moved.")
    rc, out, _ = _cli(
        capsys,
        *("log", "--input", str(tmp_path / "in.txt"), "--final", str(tmp_path / "out.txt")),
        *("--style", "Work e-mail", "--outcome", "accepted", "--json"),
    )
    assert rc == 0 and json.loads(out)["task"] == "work-e-mail"
    rc, out, _ = _cli(capsys, "examples", "list", "--style", "Work e-mail", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert len(listed) == 6 and {r["task"] for r in listed} == {"work-e-mail"}
    assert {r["instruction"] for r in listed} == {"Rewrite as a short work e-mail."}
    out_file = tmp_path / "export.jsonl"
    assert (
        _cli(capsys, "examples", "export", "--style", "Fiction", "--format", "openai", "--out", str(out_file))[0] == 0
    )
    exported = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert len(exported) == 4 and "Voice: warm, vivid" in exported[0]["messages"][0]["content"]

    with open_store(paths) as store, store.session() as s:
        work = get_style(s, "work-e-mail")
        assert {e.style_id for e in list_edits(s, task="work-e-mail")} == {work.id}
        # few-shot retrieval is per style: the fiction pairs never come back for a work e-mail
        found = retrieve_examples(s, resolve(s, style="Work e-mail"), "hey, the meeting 3 is moved", k=3)
        assert found and all("meeting" in ex.input for ex in found)
        other = retrieve_examples(s, resolve(s, style="Fiction"), "hey, the meeting 3 is moved", k=3)
        assert other and all("plot" in ex.input for ex in other)
        # the counter uses the style's own threshold
        assert training_progress(s, "work-e-mail", 100).threshold == 12
        assert edits_until_training(s, "work-e-mail", 100) == 6

    # edit and rename keep the key, so the edits stay with the style
    assert _cli(capsys, "styles", "edit", "Work e-mail", "--instruction", "Rewrite as a brief work e-mail.")[0] == 0
    assert _cli(capsys, "styles", "rename", "Work e-mail", "Office mail")[0] == 0
    with open_store(paths) as store, store.session() as s:
        style = get_style(s, "office mail")
        assert style.key == "work-e-mail" and count_edits(s, style.key) == 6
        assert resolve(s, style="Office mail").instruction == "Rewrite as a brief work e-mail."
    rc, out, _ = _cli(capsys, "train", "--status", "--style", "Office mail", "--json")
    (counter,) = json.loads(out)["counters"]
    assert counter["task"] == "work-e-mail" and counter["threshold"] == 12 and "Office mail" in counter["text"]

    # delete asks; --yes deletes the style and keeps its edits
    rc, _, err = _cli(capsys, "styles", "delete", "Office mail")
    assert rc == 2 and "not deleted" in err and "--yes" in err
    rc, out, _ = _cli(capsys, "styles", "delete", "Office mail", "--yes")
    assert rc == 0 and "6 edits kept" in out
    with open_store(paths) as store, store.session() as s:
        assert find_style(s, "Office mail") is None and count_edits(s, "work-e-mail") == 6
    rc, out, _ = _cli(capsys, "styles", "delete", "Fiction", "--yes", "--delete-edits")
    assert rc == 0 and "4 edits deleted" in out
    with open_store(paths) as store, store.session() as s:
        assert count_edits(s, "fiction", outcomes=None) == 0


@pytest.mark.parametrize(
    "argv, words",
    [
        (["styles", "add", "", "--instruction", "x"], "needs a name"),
        (["styles", "add", "../etc", "--instruction", "x"], "path character"),
        (["styles", "add", "a\\b", "--instruction", "x"], "path character"),
        (["styles", "add", "Grammar", "--instruction", "x"], "exists already"),
        (["styles", "add", "Mine"], "needs an instruction"),
        (["styles", "add", "Mine", "--from", "pirate"], "No preset 'pirate'"),
        (["styles", "delete", "grammar", "--yes"], "built-in"),
        (["styles", "rename", "formal", "Posh"], "built-in"),
        (["styles", "edit", "grammar", "--instruction", "x"], "built-in"),
        (["styles", "delete", "nope", "--yes"], "No style named 'nope'"),
        (["revise", "--style", "nope"], "No style named 'nope'"),
        (["import-pairs", "--src", "a", "--ref", "b", "--task", "t2"], "unknown task 't2'"),
    ],
)
def test_bad_style_input_is_one_clear_line_and_changes_nothing(paths, capsys, tmp_path, argv, words, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").write_text("x\n")
    (tmp_path / "b").write_text("y\n")
    rc, _, err = _cli(capsys, *argv)
    assert rc == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in err, err
    with open_store(paths) as store, store.session() as s:
        assert count_edits(s, outcomes=None) == 0
        assert len(list(resolve(s, task=k) for k in ("grammar", "formal"))) == 2


def test_a_custom_style_trains_by_its_own_threshold_and_flag(paths, capsys, tmp_path):
    assert _cli(capsys, "styles", "add", "Pirate", "--instruction", "Talk like a pirate.", "--threshold", "9")[0] == 0
    policy = TrainingPolicy(paths, threshold=1000, availability=_ok)
    with open_store(paths) as store:
        with store.session() as s, s.begin():
            for i in range(MIN_EXAMPLES):
                log_edit(s, task="pirate", input_text=f"hello {i}", final_text=f"ahoy {i}", outcome="accepted")
        with store.session() as s:
            assert policy.auto_train(s, "pirate").action == "none"  # 8 of its own 9
        with store.session() as s, s.begin():
            log_edit(s, task="pirate", input_text="hello 9", final_text="ahoy 9", outcome="edited")
        with store.session() as s:
            d = policy.auto_train(s, "pirate")
            assert (
                d.action == "start" and "Pirate" in d.message
            )  # custom styles train too, named as the user named them
            assert policy.train_now(s, "pirate").action == "start"
            assert policy.auto_train(s, "custom").action == "none"  # an ad-hoc instruction still does not
    assert _cli(capsys, "styles", "edit", "Pirate", "--no-auto-train")[0] == 0
    with open_store(paths) as store, store.session() as s:
        assert policy.auto_train(s, "pirate").action == "none"
        assert policy.train_now(s, "pirate").action == "start"  # "Train now" still works


def test_adapters_belong_to_a_style_copy_export_and_import_with_its_definition(
    paths, capsys, tmp_path, make_tiny_adapter, monkeypatch
):
    from draftwheel.config import app_paths
    from draftwheel.config.paths import ENV_HOME
    from draftwheel.models import Catalogue
    from draftwheel.models.adapter_registry import get_adapter

    Catalogue(paths).ensure_bundled()
    assert _cli(capsys, "styles", "add", "Grant writing", "--instruction", "Sound like a strong grant.")[0] == 0
    assert _cli(capsys, "styles", "add", "Fiction", "--instruction", "Make it vivid.")[0] == 0
    make_tiny_adapter(paths, "grant1", "grant-writing")
    rc, out, _ = _cli(capsys, "adapters", "list", "--style", "Grant writing", "--json")
    assert [a["name"] for a in json.loads(out)] == ["grant1"]
    assert json.loads(_cli(capsys, "adapters", "list", "--style", "Fiction", "--json")[1]) == []

    # copied to another style as its starting point
    rc, out, _ = _cli(capsys, "adapters", "copy", "grant1", "--to-style", "Fiction")
    assert rc == 0 and "grant1-fiction" in out
    copy = get_adapter(paths, "grant1-fiction")
    assert copy.task == "fiction" and not copy.promoted and copy.source == "copied"
    assert copy.style["name"] == "Fiction" and copy.gguf.read_bytes() == get_adapter(paths, "grant1").gguf.read_bytes()
    rc, _, err = _cli(capsys, "adapters", "copy", "grant1", "--to-style", "Nope")
    assert rc == 2 and "No style named 'Nope'" in err

    # an adapter in use keeps its style from being deleted
    assert _cli(capsys, "adapters", "use", "grant1-fiction")[0] == 0
    rc, _, err = _cli(capsys, "styles", "delete", "Fiction", "--yes")
    assert rc == 2 and "adapter in use" in err and "adapters use base" in err
    with open_store(paths) as store, store.session() as s:
        assert find_style(s, "Fiction") is not None

    # export carries the style's current definition; another data folder makes the style on import
    assert _cli(capsys, "styles", "edit", "Grant writing", "--description", "confident, concrete")[0] == 0
    archive = tmp_path / "grant.zip"
    assert _cli(capsys, "adapters", "export", "grant1", str(archive))[0] == 0
    other = tmp_path / "other-home"
    entry = Catalogue(paths).get("gemma3-270m")
    (other / "models").mkdir(parents=True)
    (other / "models" / Path(entry.path).name).hardlink_to(entry.path)
    monkeypatch.setenv(ENV_HOME, str(other))
    other_paths = app_paths()
    Catalogue(other_paths).ensure_bundled()

    # its base model missing there: a clear message naming the style, nothing imported
    with zipfile.ZipFile(archive) as zf:
        meta, gguf = json.loads(zf.read("adapter.json")), zf.read("adapter.gguf")
    meta.update(base_sha256="ab" * 32, base_model="gemma3-270m-it")
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("adapter.json", json.dumps(meta))
        zf.writestr("adapter.gguf", gguf)
    rc, _, err = _cli(capsys, "adapters", "import", str(foreign))
    assert rc == 2 and "the style “Grant writing” was trained on base model gemma3-270m-it" in err, err
    assert "models add" in err
    with open_store(other_paths) as store, store.session() as s:
        assert find_style(s, "Grant writing") is None
    assert json.loads(_cli(capsys, "adapters", "list", "--json")[1]) == []

    rc, out, err = _cli(capsys, "adapters", "import", str(archive))
    assert rc == 0, err
    with open_store(other_paths) as store, store.session() as s:
        style = get_style(s, "Grant writing")
        assert (style.instruction, style.description) == ("Sound like a strong grant.", "confident, concrete")
        assert get_adapter(other_paths, "grant1").task == style.key
    # imported again under another name: the style is found by its name, not made twice
    assert _cli(capsys, "adapters", "import", str(archive), "--name", "grant2")[0] == 0
    mine = [x for x in json.loads(_cli(capsys, "styles", "list", "--json")[1]) if not x["builtin"]]
    assert [x["name"] for x in mine] == ["Grant writing"]


def test_a_style_that_is_training_is_not_deleted(paths, capsys):
    from draftwheel.train.background import TrainingLock

    assert _cli(capsys, "styles", "add", "Pirate", "--instruction", "Talk like a pirate.")[0] == 0
    with open_store(paths) as store, store.session() as s, s.begin():
        log_edit(s, task="pirate", input_text="hello", final_text="ahoy", outcome="accepted")
    lock = TrainingLock(paths).acquire({"task": "pirate"})
    try:
        rc, _, err = _cli(capsys, "styles", "delete", "Pirate", "--yes", "--delete-edits")
        assert rc == 2 and "is training now" in err and "train --cancel" in err
        assert _cli(capsys, "styles", "delete", "grammar", "--yes")[0] == 2
    finally:
        lock.release()
    with open_store(paths) as store, store.session() as s:
        assert find_style(s, "Pirate") is not None and count_edits(s, "pirate") == 1  # nothing lost
    assert _cli(capsys, "styles", "delete", "Pirate", "--yes")[0] == 0
