"""The grounding rule and near-duplicate removal, on hand-written pairs."""

from __future__ import annotations

from draftwheel.ground.check import CheckSettings, check_pair, content_words, near_duplicates, stem, support

PASSAGE = (
    "Remote work only works when decisions are written down. A team that talks everything through on "
    "calls loses the reasoning the moment the call ends. I ask every team I advise to keep a short "
    "decision log: what we chose, what we rejected, and why."
)


def test_grounded_answer_is_kept_and_fabricated_one_rejected():
    grounded = "I ask the teams I advise to keep a short decision log of what they chose, what they rejected and why."
    fabricated = "Teams should buy expensive video cameras and hire a full-time facilitator for every meeting."
    ok = check_pair("question", "What do you ask teams to do?", grounded, PASSAGE)
    bad = check_pair("question", "What do you ask teams to do?", fabricated, PASSAGE)
    assert ok.ok and ok.support >= 0.6
    assert not bad.ok and bad.support < 0.3 and "support" in bad.reason
    # The threshold is a setting: a lenient rule lets a half-grounded answer through.
    half = "Keep a decision log, and buy good cameras for meetings."
    assert not check_pair("pushback", "Are calls enough for a remote team?", half, PASSAGE).ok
    assert check_pair(
        "pushback", "Are calls enough for a remote team?", half, PASSAGE, CheckSettings(min_support=0.3)
    ).ok


def test_short_empty_and_echo_answers_are_rejected():
    assert "too short" in check_pair("question", "Why write?", "Decisions.", PASSAGE).reason
    assert not check_pair("question", "", "I ask every team to keep a decision log.", PASSAGE).ok
    echo = "Does a team lose the reasoning when the call ends?"
    assert check_pair("question", echo, echo, PASSAGE).reason == "answer repeats the prompt"


def test_rewrite_checks_the_paraphrase():
    plain = (
        "Remote teams must write decisions down, since a team that only talks on calls loses the reasoning "
        "when the call ends; keep a short log of what was chosen, what was rejected and the reasons."
    )
    assert check_pair("rewrite", plain, PASSAGE, PASSAGE).ok
    # A terse paraphrase carries over too little of the passage (under 45% of its content stems).
    terse = "Write decisions down, since calls lose the reasoning; keep a log of choices."
    assert "carries over" in check_pair("rewrite", terse, PASSAGE, PASSAGE).reason
    assert "copies the passage" in check_pair("rewrite", PASSAGE, PASSAGE, PASSAGE).reason
    invented = "Cats enjoy sunny windowsills in the afternoon while birds sing outside."
    assert "paraphrase support" in check_pair("rewrite", invented, PASSAGE, PASSAGE).reason


def test_content_words_and_stemming():
    assert stem("decisions") == stem("decision") and stem("planned") == stem("plan")
    assert stem("rejected") == stem("rejects") and stem("studies") == stem("study")
    assert content_words("The team and I were there.") == ["team"]
    assert support("", PASSAGE) == 0.0
    assert support("Decisions written down", PASSAGE) == 1.0


def test_near_duplicates_are_removed_including_against_existing():
    texts = [
        "I ask teams to keep a decision log.",
        "I ask teams to keep a decision log!",
        "Something else entirely, about baking bread slowly.",
        "i ask TEAMS to keep a decision log",
    ]
    assert near_duplicates(texts) == [1, 3]
    assert near_duplicates(texts[2:3], existing=["Something else entirely about baking bread slowly"]) == [0]
    assert near_duplicates([]) == []


def test_parroting_the_demonstration_or_copying_the_passage_is_rejected():
    from draftwheel.ground.generate import SPECS, demo_texts

    spec = SPECS["question"]
    parrot = check_pair(
        "question", spec.demo_input, spec.demo_answer, PASSAGE + " " + spec.demo_answer, avoid=demo_texts("question")
    )
    assert not parrot.ok and parrot.reason == "input repeats the prompt's demonstration"
    # Half the passage, verbatim, is not a paraphrase.
    half = "A team that talks everything through on calls loses the reasoning the moment the call ends."
    assert "copies the passage" in check_pair("rewrite", half, PASSAGE, PASSAGE).reason
