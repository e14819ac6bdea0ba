""" "In my voice" and the answer style with the real bundled model and a real store: few-shot from the
accepted grounded pairs before any training, then a short real `draftwheel train --task voice` whose
adapter `revise --style "In my voice"` applies; `train --task answer` runs through the same flywheel."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from draftwheel.cli.main import main
from draftwheel.engine.revise import revise_text
from draftwheel.prompts import tasks
from draftwheel.store import list_runs, log_edit, open_store
from voice_pairs import store_voice_pairs

DRAFT = "Slugs ate the lettuce again. I will plant more."


def _cli(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def _revise(capsys, tmp_path, *extra) -> dict:
    f = tmp_path / "draft.txt"
    f.write_text(DRAFT + "\n")
    rc, out, err = _cli(capsys, "revise", "--file", str(f), "--json", "--temperature", "0", "--threads", "1", *extra)
    assert rc == 0, err
    return json.loads(out)


def _link_weights(paths, trainable_dir: Path) -> None:
    target = paths.weights_cache / trainable_dir.name
    if not target.exists():
        shutil.copytree(trainable_dir, target, copy_function=os.link)


def test_an_answer_is_one_unit_and_not_held_to_the_revision_guard(fresh_engine):
    result = revise_text(fresh_engine, "Why water at dawn? The evening seems easier.", tasks()["answer"])
    assert result.n_units == 1 and result.units[0].output.strip()  # the question whole, answered as is


@pytest.mark.slow
def test_voice_is_few_shot_from_grounded_pairs_then_trains_an_adapter_that_revise_applies(
    paths, trainable_dir, capsys, tmp_path
):
    _link_weights(paths, trainable_dir)
    store_voice_pairs(paths)
    first = _revise(capsys, tmp_path, "--style", "In my voice")
    assert (first["task"], first["stage"]) == ("voice", "few") and first["examples"] >= 1
    assert first["units"] == 1  # a paragraph at a time, as its pairs were made

    rc, out, err = _cli(
        capsys,
        *("train", "--task", "voice", "--steps", "2", "--batch-size", "2", "--max-seq-len", "96"),
        *("--name", "voice-1", "--json"),
    )
    assert rc == 0, err
    result = json.loads(out[out.index("{") :])
    scores = result["adapter"]["scores"]
    assert scores["baseline"]["stage"] == "few" and scores["n_heldout"] >= 1  # held out against few-shot
    meta = json.loads((paths.adapters_dir / "voice-1" / "adapter.json").read_text())
    assert meta["task"] == "voice" and meta["style"]["builtin"]
    with open_store(paths) as store, store.session() as s:
        (run,) = list_runs(s, "voice")
        assert run.status == "done" and run.adapter_name == "voice-1" and run.style_id is not None
    saved = [json.loads(line) for line in (paths.runs_dir / "voice-1" / "pairs.jsonl").read_text().splitlines()]
    assert len(saved) == 12 and {p["task"] for p in saved} == {"voice"}

    used = _revise(capsys, tmp_path, "--style", "In my voice", "--adapter", "voice-1")
    assert (used["task"], used["stage"], used["adapter"]) == ("voice", "lora", "voice-1")


@pytest.mark.slow
def test_answer_pairs_train_with_the_answer_task(paths, trainable_dir, capsys):
    _link_weights(paths, trainable_dir)
    with open_store(paths) as store, store.session() as s, s.begin():
        for i in range(10):
            log_edit(
                s,
                task="answer",
                instruction=tasks()["answer"].instruction,
                input_text=f"Why water the garden at dawn, on day {i}?",
                final_text=f"Because the evening can keep its own troubles, on day {i}.",
                outcome="accepted",
                origin="grounded",
            )
    rc, _out, err = _cli(
        capsys,
        *("train", "--task", "answer", "--steps", "1", "--batch-size", "2", "--max-seq-len", "64"),
        *("--name", "answer-1", "--no-eval", "--json"),
    )
    assert rc == 0, err  # refused before: "Unknown task 'answer'"
    assert json.loads((paths.adapters_dir / "answer-1" / "adapter.json").read_text())["task"] == "answer"
