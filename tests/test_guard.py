"""Degenerate answers never reach the review as a normal suggestion (engine.guard)."""

from __future__ import annotations

from draftwheel.engine.guard import check_output
from draftwheel.engine.prompts import Task, resolve_task, tasks
from draftwheel.engine.revise import revise_text

PARA = (
    "Over the past two weeks we have been working on the new onboarding flow. The first screen now asks "
    "for the user's name and the second one explains what the app does."
)
NOTE = (
    "Hi team, the planning meeting on Tuesday has to move to Thursday at 10 because the room is booked. "
    "Please bring the budget figures and the draft schedule so we can agree on them."
)


def test_good_revisions_pass():
    assert check_output(
        "grammar",
        "I has finished the report but it need more works before friday.",
        "I have finished the report, but it needs more work before Friday.",
    ).ok
    assert check_output(
        "formal",
        NOTE,
        "Dear team, the planning meeting on Tuesday must be moved to Thursday at "
        "10 a.m., as the room is booked. Please bring the budget figures and the "
        "draft schedule so that we can agree on them.",
    ).ok
    assert check_output(
        "shorter", NOTE, "Planning meeting moves from Tuesday to Thursday 10; bring budget and schedule."
    ).ok
    assert check_output("grammar", "Hi.", "Hi!").ok


def test_reported_garbage_is_caught():
    # "More formal" returned the paragraph three times behind "Revision:" labels.
    tripled = "\nRevision: ".join([PARA] * 3)
    v = check_output("formal", PARA, tripled)
    assert not v.ok and ("labels" in v.reason or "repeats" in v.reason or "longer" in v.reason)
    # "Fix spelling mistakes only" returned "Update: 1.0.0.0" dozens of times.
    v = check_output("custom", PARA, "\n".join(["Update: 1.0.0.0"] * 40))
    assert not v.ok
    # "More formal" on a note about a meeting returned an apology for being late.
    v = check_output("formal", NOTE, "I'm sorry, I didn't realize that you were going to be late.")
    assert not v.ok and ("meaning" in v.reason or "shorter" in v.reason)
    # Few-shot returned an example's sentence in place of the user's paragraph.
    example = ("The first screen asked for the name.", "The first screen asks for the user's name.")
    v = check_output(
        "grammar",
        "Paragraph two talks about the export button, which were broken since May.",
        example[1],
        examples=[example],
    )
    assert not v.ok
    # Cut off at the token limit.
    assert not check_output("grammar", PARA, PARA[:40], finish_reason="length").ok


def test_repeated_ngrams_only_when_the_source_has_none():
    src = "Very very very good, she said, very very very good."
    assert check_output("grammar", src, src).ok
    assert not check_output("grammar", "It was good.", "It was good good good good good good good good.").ok


def test_custom_instruction_on_the_real_model_gives_a_checked_answer(fresh_engine):
    """Whatever the bundled model answers, the result holds only checked units or the user's text."""
    task = resolve_task(instruction="Fix spelling mistakes only")
    result = revise_text(fresh_engine, PARA + "\n\n" + NOTE, task)
    for unit in result.units:
        if unit.reason:
            assert unit.output == unit.source
        else:
            assert check_output(task.name, unit.source, unit.output).ok
    assert "Update:" not in result.text and "Revision:" not in result.text


def test_formal_note_keeps_its_meaning_on_the_real_model(fresh_engine):
    result = revise_text(fresh_engine, NOTE, resolve_task("formal"))
    assert "late" not in result.text.lower() or "late" in NOTE.lower()
    assert "Thursday" in result.text and "budget" in result.text


def test_guard_rejection_keeps_source_and_says_why(fresh_engine):
    """A task whose demonstration the model copies: every unit falls back to the source, with a reason."""
    copycat = Task("copycat", "Copy", "Repeat the example.", demos=(("Text one.", "The demonstration answer."),))
    result = revise_text(fresh_engine, "Zebras graze quietly near the river at dawn.", copycat)
    for unit in result.units:
        assert unit.output == unit.source or check_output("copycat", unit.source, unit.output).ok


def test_a_grammar_answer_that_stops_halfway_is_refused():
    """JFLEG test lines 63-64 (no full stop between them) came back as the first sentence only."""
    src = (
        "For example , if the city says that 8am~9 am is the most busiest time , than worker would argues that "
        "they drive a bit later Educators should provide opportunities for them to learn enough knowledge to "
        "survive the real world ."
    )
    out = (
        "For example , if the city says that 8am~9 am is the most busiest time , than worker would argue that "
        "they drive a bit later."
    )
    v = check_output("grammar", src, out)
    assert not v.ok


def test_the_demonstrations_own_input_may_get_its_answer():
    for task in tasks().values():
        for demo in task.demos:
            assert check_output(task.name, demo[0], demo[1], examples=task.demos).ok, (task.name, demo)


def test_an_answer_with_lines_the_text_does_not_have_is_refused():
    """Seen on the bundled model with the instruction "Fix the spelling."."""
    assert not check_output(
        "custom", "hey can u send me the numbers asap", "y3\nWrite the numbers in the blanks to the right."
    ).ok
    assert check_output("custom", "first line\nsecond line", "First line.\nSecond line.").ok
