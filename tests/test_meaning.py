"""The meaning guard (engine.meaning): its score on the labelled set, its targets, and revise_text's use of it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import DATA, REPO
from draftwheel.engine import meaning
from draftwheel.engine.guard import check_output
from draftwheel.engine.meaning import meaning_score
from draftwheel.engine.prompts import resolve_task
from draftwheel.engine.revise import ReviseOptions, revise_text
from draftwheel.evaluate.meaning import at, evaluate, load_pairs, meaning_scores, split

PAIRS = DATA / "meaning" / "pairs.jsonl"
NOTE = (
    "Hi team, the planning meeting on Tuesday has to move to Thursday at 10 because the room is booked. "
    "Please bring the budget figures and the draft schedule so we can agree on them."
)


@pytest.fixture(scope="module")
def pairs():
    return load_pairs(PAIRS)


def test_the_issues_apology_is_meaning_changed():
    """Issue 17: "More formal" on a note about moving a meeting returned an apology for being late."""
    apology = "I'm sorry, I didn't realize that you were going to be late."
    m = meaning_score("formal", NOTE, apology)
    assert m.score < meaning.REJECT
    v = check_output("formal", NOTE, apology)
    assert not v.ok and v.meaning < meaning.REJECT


def test_faithful_revisions_score_high():
    assert meaning_score("grammar", NOTE, NOTE).score == 1.0
    fixed = "I have finished the report, but it needs more work before Friday."
    assert meaning_score("grammar", "I has finished the report but it need more works before friday.", fixed).score >= (
        meaning.WARN
    )
    formal = "Dear team, the planning meeting on Tuesday must be moved to Thursday at 10 a.m., as the room is booked."
    assert meaning_score("formal", NOTE.split(". ")[0] + ".", formal).score >= meaning.WARN
    short = "Planning meeting moves from Tuesday to Thursday at 10."
    assert meaning_score("shorter", NOTE.split(". ")[0] + ".", short).score >= meaning.WARN


def test_facts_that_change_lower_the_score():
    src = "Tom said he will not be at the workshop on 3 May because his daughter is sick."
    flipped = "Tom said he will be at the workshop on 3 May because his daughter is sick."
    renumbered = "Tom said he will not be at the workshop on 5 May because his daughter is sick."
    for changed in (flipped, renumbered):
        assert meaning_score("formal", src, changed).score < meaning.REJECT, changed
    assert meaning_score("grammar", src, src).score == 1.0
    # A name inside the sentence (one at its start reads like any capitalised first word).
    ask = "Can you ask Julia if the 2pm slot on Wednesday still works for her?"
    assert meaning_score("friendly", ask, ask.replace("Julia", "Maria")).score < meaning.REJECT
    assert meaning_score("friendly", ask, ask.replace("Wednesday", "Tuesday")).score < meaning.REJECT


def test_clear_pairs_of_the_labelled_set(pairs):
    """The pairs any reader agrees on: copies are kept, answers that share no fact are changed."""
    copies = [p for p in pairs if p.suggestion == p.input]
    strangers = [
        p for p in pairs if p.changed and meaning.kept_share(meaning.content_words(p.input), p.suggestion) == 0
    ]
    assert len(copies) >= 10 and len(strangers) >= 10
    assert all(not p.changed for p in copies)
    assert all(s == 1.0 for s in meaning_scores(copies))
    assert all(s < meaning.REJECT for s in meaning_scores(strangers))


def test_the_labelled_set_is_big_enough_and_covers_every_preset(pairs):
    assert len(pairs) >= 150
    tasks = {p.task for p in pairs}
    assert tasks == {"grammar", "clearer", "shorter", "formal", "friendly"}
    for task in tasks:
        assert any(p.changed for p in pairs if p.task == task) and any(not p.changed for p in pairs if p.task == task)
    dev, test = split(pairs)
    assert not {p.text_id for p in dev} & {p.text_id for p in test}


def test_precision_and_recall_on_the_held_out_half_meet_the_targets(pairs):
    """Recall >= 0.9 for meaning-changed at precision >= 0.8, on the half the thresholds were not chosen on."""
    report = evaluate(pairs)
    _dev, test = split(pairs)
    built_in = at(meaning.REJECT, meaning_scores(test), test)
    assert built_in.recall >= 0.9 and built_in.precision >= 0.8, built_in
    assert report.test.recall >= 0.9 and report.test.precision >= 0.8, report.test
    assert report.guard_test.recall >= 0.9 and report.guard_test.precision >= 0.8, report.guard_test


def test_eval_meaning_cli_reproduces_the_report(tmp_path):
    out = tmp_path / "meaning.json"
    proc = subprocess.run(
        [sys.executable, "-m", "draftwheel", "eval", "--meaning", str(PAIRS), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| test (meaning score) |" in proc.stdout
    record = json.loads(out.read_text())
    assert record["pairs"] >= 150 and record["test"]["recall"] >= 0.9 and record["test"]["precision"] >= 0.8


# A note the bundled model, asked to make it friendlier, greets a person from its demonstrations in
# ("Hi Mr. Lee, just a note that the survey had 312 answers."), on both tries.
SURVEY = "The survey had 312 answers."


def test_an_answer_that_fails_the_meaning_guard_keeps_the_source_and_shows_the_attempt(fresh_engine):
    result = revise_text(fresh_engine, SURVEY, resolve_task("friendly"))
    (unit,) = result.units
    assert unit.kept_original and unit.tries == 2  # retried once, then the user's text
    assert unit.output == SURVEY and result.text == SURVEY
    assert unit.attempt and unit.attempt != SURVEY and unit.meaning < meaning.REJECT
    assert "meaning" in unit.reason
    assert result.rejected_units == [(SURVEY, unit.attempt, unit.reason)]
    assert result.meaning == 1.0  # what the result holds is the user's own text
    assert not result.warned_units


def test_without_the_guard_the_first_answer_is_used_as_is(fresh_engine):
    result = revise_text(fresh_engine, SURVEY, resolve_task("friendly"), ReviseOptions(guard=False))
    (unit,) = result.units
    assert unit.tries == 1 and not unit.kept_original
    assert result.text == unit.attempt != SURVEY  # the greedy answer, kept although the guard refuses it
    assert not check_output("friendly", SURVEY, unit.attempt).ok
    assert result.meaning == unit.meaning < 1.0


def test_revise_json_has_the_meaning_scores_and_no_guard_gives_the_raw_answer(home, capsys):
    from draftwheel.cli.main import main

    src = home / "in.txt"
    src.write_text(SURVEY + "\n\nThe report is due on Friday.\n", encoding="utf-8")
    assert main(["revise", "--task", "friendly", "--json", "--file", str(src)]) == 0
    guarded = json.loads(capsys.readouterr().out)
    assert guarded["guard"] is True and 0.0 <= guarded["meaning"] <= 1.0
    units = guarded["meaning_units"]
    assert [u["text"] for u in units] == [SURVEY, "The report is due on Friday."]
    assert units[0]["status"] == "kept_original" and units[0]["revision"] == SURVEY
    assert all(0.0 <= u["meaning"] <= 1.0 for u in units)
    assert main(["revise", "--task", "friendly", "--json", "--no-guard", "--file", str(src)]) == 0
    raw = json.loads(capsys.readouterr().out)
    assert raw["guard"] is False and raw["kept_original"] == []
    assert raw["meaning_units"][0]["revision"] != SURVEY and raw["meaning"] < guarded["meaning"]


def test_the_presets_own_demonstrations_pass_the_guard():
    """Hand-written good rewrites (the set has few: the model seldom writes one) are not refused."""
    from draftwheel.engine.prompts import tasks

    for name, task in tasks().items():
        for source, revision in task.demos:
            v = check_output(name, source, revision)
            assert v.ok, (name, source, revision, v)
