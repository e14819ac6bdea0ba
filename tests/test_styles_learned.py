"""What a style has learned: recurring changes from the store's diffs, the stage history, the CLI."""

from __future__ import annotations

import json

from draftwheel.cli.main import main
from draftwheel.flywheel.learned import edit_changes, learned_changes, recurring_changes, stage_history
from draftwheel.store import finish_run, log_edit, open_store, start_run, update_run


def test_changes_are_word_runs_counted_once_per_edit():
    assert edit_changes("I don't like the color.", "I do not like the colour.") == [
        ("don't", "do not"),
        ("color", "colour"),
    ]
    assert edit_changes("It is very good, very", "It is good") == [("very", ""), (", very", "")]
    pairs = [
        ("We don't know, don't ask.", "We do not know, do not ask."),  # twice in one edit counts once
        ("They don't care about color.", "They do not care about colour."),
        ("Don't go.", "Do not go."),
        ("A very big dog.", "A big dog."),
        ("A very small cat.", "A small cat."),
        ("Send it.", "Please send it."),
    ]
    got = recurring_changes(pairs)
    assert [c.text() for c in got] == ["don't → do not, 3 times", "removes “very”, 2 times"]
    assert [c.kind for c in got] == ["replaces", "removes"]
    once = recurring_changes(pairs, min_count=1)
    assert {c.text() for c in once} >= {"color → colour, 1 time", "adds “Please”, 1 time"}


def test_learned_per_style_from_the_store_and_the_cli(paths, capsys):
    assert main(["styles", "add", "British", "--instruction", "Write British English, no contractions."]) == 0
    rows = [
        ("I don't like the color.", "I do not like the colour."),
        ("We don't want this color.", "We do not want this colour."),
        ("Don't organize it.", "Do not organise it."),
        ("They organize the color show.", "They organise the colour show."),
    ]
    with open_store(paths) as store, store.session() as s, s.begin():
        for before, after in rows:
            log_edit(s, task="british", input_text=before, final_text=after, outcome="edited")
        log_edit(s, task="grammar", input_text="I don't", final_text="I dont", outcome="edited")  # another style
        log_edit(s, task="british", input_text="color", final_text="colour", outcome="rejected")  # not kept
        run = start_run(s, "british")
        update_run(
            s,
            run.id,
            scores={
                "baseline": {"stage": "few", "gleu": 40.0, "chrf": 60.0},
                "adapter": {"stage": "adapter:british-1", "gleu": 45.5, "chrf": 64.0},
                "promoted": True,
                "n_heldout": 4,
            },
        )
        finish_run(s, run.id, "done")
    with open_store(paths) as store, store.session() as s:
        assert [c.text() for c in learned_changes(s, "british")] == [
            "color → colour, 3 times",
            "don't → do not, 3 times",
            "organize → organise, 2 times",
        ]
        (few, adapter) = stage_history(s, "british")
        assert (few.stage, few.gleu, few.promoted) == ("few", 40.0, False)
        assert (adapter.stage, adapter.chrf, adapter.promoted) == ("adapter:british-1", 64.0, True)
    capsys.readouterr()
    assert main(["styles", "learned", "British", "--for", "I don't like this color."]) == 0
    out = capsys.readouterr().out
    assert "don't → do not, 3 times" in out and "adapter:british-1" in out and "(promoted)" in out
    assert "I don't like the color.  ->  I do not like the colour." in out
    assert main(["styles", "learned", "british", "--json", "--min", "3"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["kept_edits"] == 4 and [c["before"] for c in record["changes"]] == ["color", "don't"]
    assert main(["styles", "learned", "nope"]) == 2
