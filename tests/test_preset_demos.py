"""Presets carry lists of demonstrations; the engine and LoRA training render the same prompt with all of them."""

from __future__ import annotations

import json

import pytest

from conftest import DATA
from draftwheel import prompts
from draftwheel.cli.main import main
from draftwheel.engine.revise import build_prompt, revise_text
from draftwheel.evaluate.presets import PRESETS, Item, ItemRun, load_items, score, set_path
from draftwheel.prompts.presets import read_preset
from draftwheel.train.dataset import Pair

SETS = DATA / "presets"
TEXT = "Hey, the van's booked for Saturday at 8, don't be late."


@pytest.mark.parametrize("name", PRESETS)
def test_engine_and_training_send_the_same_prompt_with_every_demonstration(name, fresh_engine):
    task = prompts.resolve_task(name)
    assert len(task.demos) >= 2 and task.demo == task.demos[0]
    sent, _stops = build_prompt(fresh_engine, "completion", task, TEXT, [])
    trained, completion = Pair(TEXT, "Revised.", task=name).prompt_completion()
    assert sent == trained and completion == " Revised.\n###"
    blocks = [f"Text: {d_in}\nRevision: {d_out}\n###\n\n" for d_in, d_out in task.demos]
    assert sent == f"Instruction: {task.instruction}\n\n" + "".join(blocks) + f"Text: {TEXT}\nRevision:"


def test_revise_text_sends_that_prompt(fresh_engine):
    task = prompts.resolve_task("formal")
    result = revise_text(fresh_engine, TEXT, task)
    assert result.prompts[0] == Pair(TEXT, "x", task="formal").prompt_completion()[0]


def test_an_old_single_demo_file_still_loads(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(
        json.dumps({"name": "x", "label": "X", "instruction": "Do it.", "demo": {"input": "a", "output": "A"}}),
        encoding="utf-8",
    )
    assert read_preset(old)[1].demos == (("a", "A"),)
    old.write_text(json.dumps({"name": "x", "label": "X", "instruction": "Do it.", "demo": ["b", "B"]}), "utf-8")
    assert read_preset(old)[1].demos == (("b", "B"),)
    old.write_text(json.dumps({"name": "x", "label": "X", "instruction": "Do it."}), encoding="utf-8")
    assert read_preset(old)[1].demos == () and read_preset(old)[1].demo is None


@pytest.mark.parametrize(
    "demos, error",
    [
        ({"input": "a", "output": "A"}, TypeError),
        (["a", "b"], TypeError),
        ([{"input": "a", "output": " "}], ValueError),
    ],
)
def test_a_damaged_demo_list_is_refused(tmp_path, demos, error):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "label": "X", "instruction": "Do it.", "demos": demos}), "utf-8")
    with pytest.raises(error):
        read_preset(bad)


def test_the_preset_sets_are_complete_and_held_apart_from_the_demonstrations():
    demo_texts = {t for task in prompts.tasks().values() for d in task.demos for t in d}
    seen: set[str] = set()
    for name in PRESETS:
        for split, n in (("dev", 30), ("test", 100)):
            items = load_items(set_path(SETS, name, split))
            assert len(items) >= n if split == "dev" else len(items) == n
            assert {it.task for it in items} == {name} and {it.kind for it in items} <= {"email", "note", "paragraph"}
            assert len({it.id for it in items}) == len(items)
            for it in items:
                assert it.input.strip() and it.reference.strip() and it.input != it.reference
                assert it.input not in seen and it.input not in demo_texts
                seen.add(it.input)


def test_scores_compare_raw_guarded_and_unchanged():
    items = [
        Item(
            "g-1", "grammar", "He go to the shop every day with his dog.", "He goes to the shop every day with his dog."
        ),
        Item("g-2", "grammar", "I is very happy to see you again today.", "I am very happy to see you again today."),
    ]
    fixed = "He goes to the shop every day with his dog."
    runs = [
        ItemRun(output=fixed, raw=fixed, flagged=False, retried=False),
        ItemRun(
            "I is very happy to see you again today.",
            "Something else entirely.",
            flagged=True,
            retried=True,
            rejected=True,
            reasons=["x"],
        ),
    ]
    s = score(items, runs)
    assert s["flagged"] == s["rejected"] == s["retried"] == 0.5 and s["unchanged_raw"] == 0.0 and s["unchanged"] == 0.5
    assert s["chrf_guarded"] > s["chrf_unchanged"] and s["chrf_guarded"] > s["chrf_raw"]
    assert s["gleu_guarded"] > s["gleu_unchanged"]


def test_eval_presets_refuses_bad_arguments(home, tmp_path, capsys):
    out = str(tmp_path / "p.json")
    assert main(["eval", "--out", out]) == 2
    assert "--src and --refs are required" in capsys.readouterr().err
    assert main(["eval", "--presets", "haiku", "--out", out]) == 2
    assert "Unknown task 'haiku'" in capsys.readouterr().err
    assert main(["eval", "--presets", "formal", "--presets-data", str(tmp_path), "--out", out]) == 2
    assert "no such file" in capsys.readouterr().err
