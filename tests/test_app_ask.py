"""The "Ask my writing" controller, without a display."""

from __future__ import annotations

import pytest

from draftwheel.app.ask import AskController, folders_text, index_text, source_items
from draftwheel.errors import InputError
from draftwheel.ground.ask import Answer, Source
from draftwheel.ground.documents import FileIssue
from draftwheel.ground.passage_index import IndexReport
from draftwheel.store.passages import FolderSummary

SRC = Source("notes/tap.md", "/w/notes/tap.md", "/w", 18, 562, "A dripping tap", "Turn off the water. " * 20, -3.0)


def test_one_question_at_a_time_streamed_then_finished():
    c = AskController()
    with pytest.raises(InputError, match="Type a question"):
        c.begin("  ")
    assert c.begin("  How do I\nfix a tap? ") == "How do I fix a tap?"
    with pytest.raises(InputError, match="still being written"):
        c.begin("Another?")
    assert c.add_text("Turn") == "Turn" and c.add_text(" it off.") == "Turn it off."
    assert not c.can_correct
    c.finish(Answer("How do I fix a tap?", "Turn it off.", [SRC], model="m"))
    assert (
        c.can_correct
        and c.status() == "Answered from 1 passage(s) with the base model (no personal answer adapter yet)."
    )
    c.answer = Answer("q", "a", [SRC], adapter="answer-1", stage="lora", finish_reason="length")
    assert c.status() == "Answered from 1 passage(s) with your adapter answer-1. It stopped at the length limit."
    c.answer = Answer("q", "Prune in winter.", [SRC], fallback="the model repeated the question")
    assert c.status() == "The model repeated the question, so here are your own words from the passage instead."
    c.answer = Answer("q", "Your documents don't mention “x”.", [], answered=False, stage="none")
    assert not c.can_correct and c.status().startswith("Not in your documents")
    c.begin("again")
    c.fail()
    assert not c.busy


def test_source_items_and_texts():
    (item,) = source_items([SRC])
    assert item.label == "notes/tap.md — A dripping tap (characters 18–562)"
    assert item.tooltip.endswith("…") and len(item.tooltip) == 160
    assert (item.path, item.start, item.end) == ("/w/notes/tap.md", 18, 562)
    assert folders_text([]).startswith("No folder is indexed yet")
    assert folders_text([FolderSummary("/w", 3, 9)]) == "Answering from 3 document(s) in 1 folder(s): /w"
    report = IndexReport("/w", added=["a.md"], issues=[FileIssue("b.txt", "unreadable", "not UTF-8 text")])
    assert (
        index_text(report) == "Indexed /w: 1 new, 0 changed, 0 removed, 0 unchanged.\nb.txt: unreadable: not UTF-8 text"
    )


def test_an_unsupported_answer_gives_way_to_the_passage_s_own_sentences():
    from draftwheel.ground.answer_check import check_answer, extract_answer

    passage = (
        "I keep mine in the cold pantry, not the fridge. The fridge makes it slow and sour, like a committee. "
        "Mind: bread is patience you can eat."
    )
    question = "Should I keep my starter in the fridge?"
    assert check_answer("No. The fridge makes it slow and sour.", question, [passage])[1] == ""
    score, why = check_answer("Keep it warm so the eggs of your chickens hatch on time.", question, [passage])
    assert score < 0.6 and why.startswith("only")
    assert check_answer("Should I keep my starter in the fridge", question, [passage])[1] == (
        "the model repeated the question"
    )
    assert check_answer("  ", question, [passage])[1] == "the model gave no answer"
    assert extract_answer(question, "# Starter\n" + passage) == (
        "I keep mine in the cold pantry, not the fridge. The fridge makes it slow and sour, like a committee."
    )
