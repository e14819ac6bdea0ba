"""A style of the user's own with the real bundled model: revise (zero-shot, then few-shot from its own
edits) and a short real training that makes, scores and records an adapter of that style."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from draftwheel.cli.main import main
from draftwheel.store import get_style, list_runs, open_store


def _cli(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def _revise(capsys, tmp_path, *extra) -> dict:
    f = tmp_path / "draft.txt"
    f.write_text("hey, the meeting is moved to friday.\n")
    rc, out, err = _cli(capsys, "revise", "--file", str(f), "--json", "--temperature", "0", *extra)
    assert rc == 0, err
    return json.loads(out)


def test_revise_with_a_style_uses_its_instruction_then_its_own_edits(paths, capsys, tmp_path):
    assert _cli(capsys, "styles", "add", "Work e-mail", "--instruction", "Rewrite as a polite work e-mail.")[0] == 0
    first = _revise(capsys, tmp_path, "--style", "Work e-mail")
    assert (first["task"], first["style_name"], first["stage"]) == ("work-e-mail", "Work e-mail", "zero")
    assert first["instruction"] == "Rewrite as a polite work e-mail." and first["revision"].strip()
    # a kept edit of this style makes the next revision few-shot with it; other styles stay zero-shot
    (tmp_path / "in.txt").write_text("hey, the call is moved to monday.")
    (tmp_path / "fin.txt").write_text("Hello, please note that the call has moved to Monday.")
    rc, _, err = _cli(
        capsys,
        *("log", "--input", str(tmp_path / "in.txt"), "--final", str(tmp_path / "fin.txt")),
        *("--style", "work-e-mail", "--outcome", "edited"),
    )
    assert rc == 0, err
    second = _revise(capsys, tmp_path, "--style", "work-e-mail")
    assert second["stage"] == "few" and second["examples"] >= 1
    assert _revise(capsys, tmp_path, "--task", "formal")["stage"] == "zero"


def test_eval_scores_a_style(paths, capsys, tmp_path):
    assert _cli(capsys, "styles", "add", "Shouty", "--instruction", "Write it in capital letters.")[0] == 0
    (tmp_path / "src.txt").write_text("the cat is here.\n")
    (tmp_path / "ref.txt").write_text("THE CAT IS HERE.\n")
    out = tmp_path / "eval.json"
    rc, _, err = _cli(
        capsys,
        *("eval", "--src", str(tmp_path / "src.txt"), "--refs", str(tmp_path / "ref.txt")),
        *("--style", "Shouty", "--modes", "zero", "--out", str(out), "--quiet"),
    )
    assert rc == 0, err
    assert "Write it in capital letters." in out.read_text()


def _link_weights(paths, trainable_dir: Path) -> None:
    target = paths.weights_cache / trainable_dir.name
    if not target.exists():
        shutil.copytree(trainable_dir, target, copy_function=os.link)


@pytest.mark.slow
def test_a_user_style_trains_scores_and_records_its_own_adapter(paths, trainable_dir, capsys, tmp_path):
    _link_weights(paths, trainable_dir)
    assert _cli(capsys, "styles", "add", "Shouty", "--instruction", "Write it in capital letters.")[0] == 0
    pairs = tmp_path / "p.jsonl"
    words = ["cat", "dog", "sun", "tree", "lamp", "road", "milk", "rain", "book", "ship", "door", "fish"]
    pairs.write_text(
        "".join(json.dumps({"input": f"the {w} is here.", "final": f"THE {w.upper()} IS HERE."}) + "\n" for w in words)
    )
    assert _cli(capsys, "import-pairs", str(pairs), "--style", "Shouty")[0] == 0
    rc, out, err = _cli(
        capsys,
        *("train", "--style", "shouty", "--steps", "2", "--batch-size", "2", "--max-seq-len", "64"),
        *("--name", "shouty-1", "--json"),
    )
    assert rc == 0, err
    result = json.loads(out[out.index("{") :])
    assert result["adapter"]["name"] == "shouty-1" and "baseline" in result["adapter"]["scores"]
    meta = json.loads((paths.adapters_dir / "shouty-1" / "adapter.json").read_text())
    assert meta["task"] == "shouty" and meta["style"]["name"] == "Shouty"
    assert meta["style"]["instruction"] == "Write it in capital letters."
    with open_store(paths) as store, store.session() as s:
        style = get_style(s, "Shouty")
        (run,) = list_runs(s, "shouty")
        assert run.style_id == style.id and run.status == "done" and run.adapter_name == "shouty-1"
        assert run.scores["baseline"]["stage"] == "few"  # held out against the style's own few-shot stage
    rc, out, _ = _cli(capsys, "adapters", "list", "--style", "Shouty", "--json")
    assert [a["name"] for a in json.loads(out)] == ["shouty-1"]
    # the style's training pairs carry its instruction: what revising with the style sends
    saved = [json.loads(line) for line in (paths.runs_dir / "shouty-1" / "pairs.jsonl").read_text().splitlines()]
    assert {(p["task"], p["instruction"]) for p in saved} == {("shouty", "Write it in capital letters.")}

    # copied to another style, the adapter is that style's starting point for its first training
    assert _cli(capsys, "styles", "add", "Loud", "--instruction", "Write it in capital letters, loudly.")[0] == 0
    assert _cli(capsys, "adapters", "copy", "shouty-1", "--to-style", "Loud")[0] == 0
    assert _cli(capsys, "import-pairs", str(pairs), "--style", "Loud")[0] == 0
    rc, out, err = _cli(
        capsys,
        *("train", "--style", "Loud", "--steps", "1", "--batch-size", "2", "--max-seq-len", "64"),
        *("--name", "loud-1", "--no-eval", "--json"),
    )
    assert rc == 0, err
    run = json.loads((paths.runs_dir / "loud-1" / "run.json").read_text())
    assert run["start_from"]["name"] == "shouty-1-loud"
    assert run["args"]["init_from"].endswith("shouty-1-loud/peft") and run["args"]["rank"] == meta["rank"]
    assert json.loads((paths.adapters_dir / "loud-1" / "adapter.json").read_text())["task"] == "loud"
    # an adapter without trainable weights cannot be a starting point: a clear message
    rc, _, err = _cli(capsys, "train", "--style", "Loud", "--start-from", "nope", "--steps", "1")
    assert rc == 2 and "No adapter named 'nope'" in err
