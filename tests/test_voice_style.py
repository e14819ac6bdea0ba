"""The built-in personal styles without a model: "In my voice" (task voice) and "Answer from my writing"
(task answer) resolve from the CLI's words, few-shot for voice retrieves the accepted grounded pairs
(paraphrase -> original), and the flywheel's training policy trains both like any style."""

from __future__ import annotations

import pytest

from draftwheel.config import app_paths
from draftwheel.flywheel.policy import MIN_EXAMPLES, TrainingPolicy
from draftwheel.flywheel.retrieve import retrieve_examples
from draftwheel.flywheel.styles import resolve, summaries
from draftwheel.prompts import tasks
from draftwheel.store import log_edit, open_store
from voice_pairs import VOICE_PAIRS, store_voice_pairs


@pytest.fixture
def paths(tmp_path):
    return app_paths(tmp_path / "home")


def _ok(paths, model=None):
    from draftwheel.flywheel.availability import Availability

    return Availability(True)


def test_the_personal_presets_ship_no_demonstrations_and_answer_is_not_a_revision():
    voice, answer = tasks()["voice"], tasks()["answer"]
    assert (voice.label, voice.shortcut, voice.demos, voice.personal) == ("In my voice", "Ctrl+6", (), True)
    assert voice.paragraph_units and not voice.answers
    assert answer.answers and answer.personal and answer.paragraph_units and not answer.shortcut
    # the instruction "Ask my writing" sends with the answer adapter (ground.generate's kind "question")
    from draftwheel.ground.generate import SPECS
    from draftwheel.prompts.ask import ANSWER_INSTRUCTION, ANSWER_TASK

    assert answer.instruction == SPECS["question"].instruction == ANSWER_INSTRUCTION and answer.name == ANSWER_TASK


def test_voice_and_answer_resolve_by_task_key_and_label(paths):
    with open_store(paths) as store, store.session() as s, s.begin():
        assert resolve(s, task="voice") == tasks()["voice"]
        assert resolve(s, task="answer") == tasks()["answer"]  # refused before: "Unknown task 'answer'"
        assert resolve(s, style="In my voice") == tasks()["voice"]
        assert resolve(s, style="in my VOICE") == tasks()["voice"]
        assert resolve(s, style="voice") == tasks()["voice"]
        rows = {r.key: r for r in summaries(s, 100)}
        assert rows["voice"].builtin and rows["voice"].label == "In my voice"


def test_voice_few_shot_retrieves_the_accepted_grounded_pairs(paths):
    ids = store_voice_pairs(paths)
    pending = store_voice_pairs(paths, [("Bees like lavender a lot.", "Bees treat lavender like a pub.")], False)
    voice = tasks()["voice"]
    with open_store(paths) as store, store.session() as s:
        found = retrieve_examples(s, voice, "Slugs ate all of my lettuce last night.", k=2)
        # paraphrase in, the author's original out; the most similar last
        assert found[-1].input == "Slugs eat young lettuce at night."
        assert found[-1].output == "The slugs dine at midnight, and the lettuce is always the starter."
        assert all((e.input, e.output) in VOICE_PAIRS for e in found)
        # a pair still pending review is never an example; other styles see none of them
        assert all(e.input != "Bees like lavender a lot." for e in retrieve_examples(s, voice, "Bees, lavender.", k=4))
        assert retrieve_examples(s, tasks()["grammar"], "Slugs eat young lettuce at night.", k=4) == []
        from draftwheel.flywheel.policy import choose_stage

        assert choose_stage(s, "voice") == "few"  # before any training: the user's own pairs
    assert len(ids) == len(VOICE_PAIRS) and len(pending) == 1


def test_grounded_pairs_and_kept_edits_in_the_style_train_voice_through_the_ordinary_policy(paths):
    store_voice_pairs(paths, VOICE_PAIRS[: MIN_EXAMPLES - 2])
    policy = TrainingPolicy(paths, threshold=MIN_EXAMPLES, availability=_ok)
    with open_store(paths) as store:
        with store.session() as s:
            assert policy.auto_train(s, "voice").action == "none"  # not due yet
            d = policy.train_now(s, "voice")
            assert d.action == "refuse" and "too few examples" in d.message
        with store.session() as s, s.begin():  # the user's own accepted edits made in the style count too
            for i in range(2):
                log_edit(
                    s,
                    task="voice",
                    instruction=tasks()["voice"].instruction,
                    input_text=f"The fence needs paint {i}.",
                    final_text=f"The fence is begging for paint, coat {i}.",
                    outcome="edited",
                    settings=None,
                )
        with store.session() as s:
            d = policy.auto_train(s, "voice")
            assert d.action == "start" and "In my voice" in d.message
            assert policy.train_now(s, "voice").action == "start"


def test_answer_pairs_train_through_the_ordinary_policy(paths):
    with open_store(paths) as store, store.session() as s, s.begin():
        for i in range(MIN_EXAMPLES):
            log_edit(
                s,
                task="answer",
                instruction=tasks()["answer"].instruction,
                input_text=f"Why water the garden at dawn, question {i}?",
                final_text=f"Because the evening has its own troubles, answer {i}.",
                outcome="accepted",
                origin="grounded",
                settings=None,
            )
    policy = TrainingPolicy(paths, threshold=MIN_EXAMPLES, availability=_ok)
    with open_store(paths) as store, store.session() as s:
        d = policy.auto_train(s, "answer")
        assert d.action == "start" and "Answer from my writing" in d.message
