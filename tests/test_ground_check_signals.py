"""The grounding check's signals beyond word overlap (ground.check_signals), and the labelled set."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from draftwheel.ground.check import LEGACY, check_pair
from draftwheel.ground.check_signals import foreign_names, foreign_numbers, negation_flips, new_words, numbers

WITHIN = (
    "Write the thank-you letter within three days of the gift, while you still remember how it felt to open it. "
    "A letter sent a month late reads like a chore finished, and the giver can tell."
)
LETTERS = (
    "A thank-you letter should be short: four or five sentences on a single card. Nobody wants a report. "
    "Say what you received, how you used it, and that you look forward to seeing the giver again."
)
TOMATOES = (
    "Plant tomatoes deeper than they came in the pot, right up to the first leaves. I learned this from my "
    "neighbour Agnes, who has grown tomatoes on the same plot for forty years."
)
PAIRS = Path(__file__).parent / "data" / "grounding" / "pairs.jsonl"


def test_the_issues_letter_to_your_mother_fails_and_passed_before():
    pair = ("scenario", "My mother sent me a parcel for my birthday.", "Write a letter to your mother.", WITHIN)
    assert check_pair(*pair, LEGACY).ok  # the measure the issue found wanting
    assert not check_pair(*pair).ok


def test_a_number_the_passage_does_not_state_fails():
    assert numbers("three months, 10,000 plants and 0.2 percent") == {"3", "10000", "0.2"}
    assert foreign_numbers("Four or five sentences.", LETTERS) == set()
    assert foreign_numbers("Six or seven sentences.", LETTERS) == {"6", "7"}
    only_numbers = replace(LEGACY, numbers=True)
    bad = check_pair(
        "question", "How long should it be?", "Six or seven sentences on a single card.", LETTERS, only_numbers
    )
    assert not bad.ok and "numbers" in bad.reason
    assert check_pair("question", "How long should it be?", "Four or five sentences on a single card.", LETTERS).ok


def test_a_name_the_passage_does_not_mention_fails():
    assert foreign_names("My neighbour Margaret taught me.", TOMATOES) == {"Margaret"}
    assert (
        foreign_names("My neighbour Agnes taught me. Plant them deep.", TOMATOES) == set()
    )  # "Plant" starts a sentence
    only_names = replace(LEGACY, names=True)
    answer = "My neighbour Margaret, who has grown tomatoes for forty years."
    bad = check_pair("question", "Who taught you?", answer, TOMATOES, only_names)
    assert not bad.ok and "Margaret" in bad.reason


def test_a_flipped_negation_fails_but_a_reworded_one_does_not():
    passage = "I do not keep a detailed budget and I do not tell readers to. Not every weed needs pulling."
    assert negation_flips("I keep a detailed budget.", passage)
    assert negation_flips("Every weed needs pulling.", passage)
    assert not negation_flips("I never keep a detailed budget, and leave some weeds.", passage)
    assert negation_flips("Beginners should not memorise openings.", "Beginners should memorise openings.")
    # "instead of" for "not": a paraphrase may reword a negation.
    assert not negation_flips("Water in the morning instead of the evening.", "Water in the morning, not the evening.")


def test_an_answer_that_only_restates_its_question_fails():
    assert new_words("No: a busy sailor is not a frightened one.", "Surely a busy sailor is not a frightened one?") == 0
    passage = "A crew is only as good as its most seasick member. A busy sailor is rarely a frightened one."
    echo = check_pair(
        "pushback",
        "Surely a busy sailor is never a frightened one?",
        "No: a busy sailor is rarely a frightened one.",
        passage,
    )
    assert not echo.ok and "restates" in echo.reason


def test_the_labelled_set_has_enough_pairs_with_both_labels():
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 150
    labels = [r["grounded"] for r in rows]
    assert labels.count(True) >= 30 and labels.count(False) >= 30
    assert {r["source"] for r in rows} == {"generated", "hand-written"}
    assert sorted(r["id"] for r in rows) == list(range(len(rows)))
    for r in rows:
        assert r["kind"] in ("question", "scenario", "pushback", "rewrite") and r["reason"]
        assert r["task"] == ("voice" if r["kind"] == "rewrite" else "answer")
        assert r["passage"] and r["input"] and r["answer"]
