"""Stage policy, few-shot retrieval and revision through the flywheel (real store, real model)."""

from __future__ import annotations

import json

import pytest

from draftwheel.cli.main import main
from draftwheel.config import Settings
from draftwheel.engine.prompts import custom_task, resolve_task
from draftwheel.errors import DraftwheelError
from draftwheel.flywheel import (
    choose_stage,
    edits_until_training,
    retrieve_examples,
    revise_with_flywheel,
    similar_edits,
)
from draftwheel.flywheel.retrieve import example_text
from draftwheel.store import add_adapter, add_edits, finish_run, log_edit, open_store, start_run

SETTINGS = Settings()  # logging on, no redaction


@pytest.fixture
def store(paths):
    s = open_store(paths)
    yield s
    s.close()


def _pairs(store, pairs, task="grammar", outcome="accepted", **kw):
    with store.session() as s, s.begin():
        add_edits(
            s, [dict(task=task, input_text=a, final_text=b, outcome=outcome, **kw) for a, b in pairs], settings=SETTINGS
        )


NOISE = [
    ("The weather was cold and we stayed inside all day .", "The weather was cold, and we stayed inside all day."),
    ("She like to read books about history in the evening .", "She likes to read books about history in the evening."),
    ("Our team have finished the project before the deadline .", "Our team finished the project before the deadline."),
    ("I has a meeting with the manager tomorrow morning .", "I have a meeting with the manager tomorrow morning."),
    ("They was happy because the holiday start next week .", "They were happy because the holiday starts next week."),
]
TARGET = (
    "My grandmother cook delicious dumplings every winter festival .",
    "My grandmother cooks delicious dumplings every winter festival.",
)


def test_stage_policy(store):
    with store.session() as s:
        assert choose_stage(s, "grammar") == "zero"
    _pairs(store, [("a b", "A b.")], outcome="rejected")
    _pairs(store, [("c d", "C d.")], outcome="pending", origin="grounded")
    with store.session() as s:
        assert choose_stage(s, "grammar") == "zero"  # rejected / pending pairs are not examples
    _pairs(store, [("e f", "E f.")], outcome="edited")
    with store.session() as s:
        assert choose_stage(s, "grammar") == "few"
        assert choose_stage(s, "formal") == "zero"  # per task
        assert choose_stage(s, "grammar", mode="zero") == "zero"
        with pytest.raises(DraftwheelError, match="no promoted adapter"):
            choose_stage(s, "grammar", mode="lora")
        with pytest.raises(DraftwheelError, match="Unknown mode"):
            choose_stage(s, "grammar", mode="best")
    with store.session() as s, s.begin():
        add_adapter(s, name="mine", task="grammar", base_model_sha256="ab" * 32, path="/x", promoted=False)
        assert choose_stage(s, "grammar") == "few"  # trained but not promoted
        add_adapter(s, name="better", task="grammar", base_model_sha256="ab" * 32, path="/y", promoted=True)
        assert choose_stage(s, "grammar") == "lora"
        assert choose_stage(s, "grammar", mode="lora") == "lora"
        assert choose_stage(s, "grammar", mode="few") == "few"
        assert choose_stage(s, "grammar", base_model_sha256="cd" * 32) == "few"  # made for another base


def test_retrieval_puts_the_obviously_similar_example_last(store):
    _pairs(store, [*NOISE, TARGET, *NOISE[:2]])
    _pairs(store, [("My grandmother cook delicious dumplings every winter festival !", "REJECTED")], outcome="rejected")
    _pairs(store, [("My grandmother cook delicious dumplings every winter festival .", "OTHER TASK")], task="formal")
    query = "My grandfather cook delicious dumplings every summer festival in the evening ."
    with store.session() as s:
        got = retrieve_examples(s, "grammar", query, k=3, token_budget=1000)
        ranked = similar_edits(s, "grammar", query, limit=10)
    assert len(got) == 3
    assert got[-1].input == TARGET[0] and got[-1].output == TARGET[1]  # most similar is LAST
    assert ranked[0].input == TARGET[0]  # similar_edits: most similar first
    assert all(ex.output not in ("REJECTED", "OTHER TASK") for ex in got)
    assert all(r.output not in ("REJECTED", "OTHER TASK") for r in ranked)


def test_retrieval_respects_k_and_the_token_budget(store):
    _pairs(store, [*NOISE, TARGET])
    count = lambda s: len(s.split())  # noqa: E731 - a deterministic token counter
    query = "The manager cook dumplings every winter morning ."
    with store.session() as s:
        assert retrieve_examples(s, "grammar", query, k=0, token_budget=1000) == []
        assert len(retrieve_examples(s, "grammar", query, k=2, token_budget=1000, count_tokens=count)) == 2
        one = count(example_text(retrieve_examples(s, "grammar", query, k=1, token_budget=1000)[0]))
        small = retrieve_examples(s, "grammar", query, k=5, token_budget=one, count_tokens=count)
        assert len(small) >= 1 and sum(count(example_text(e)) for e in small) <= one
        assert retrieve_examples(s, "grammar", "zzz qqq", k=3, token_budget=1000) == []
        assert retrieve_examples(s, "grammar", "  ... !!", k=3, token_budget=1000) == []


def test_custom_instructions_only_share_their_own_examples(store):
    a, b = custom_task("Write like a pirate."), custom_task("Write like a lawyer.")
    _pairs(store, [("hello friend how are you", "Ahoy matey!")], task="custom", instruction=a.instruction)
    _pairs(store, [("hello friend how are you today", "Greetings, counsel.")], task="custom", instruction=b.instruction)
    with store.session() as s:
        assert [e.output for e in retrieve_examples(s, a, "hello friend", k=4, token_budget=500)] == ["Ahoy matey!"]
        assert [e.output for e in retrieve_examples(s, b, "hello friend", k=4, token_budget=500)] == [
            "Greetings, counsel."
        ]


def test_retrieval_sees_new_and_edited_rows_at_once(store):
    with store.session() as s, s.begin():
        e = log_edit(
            s,
            task="grammar",
            input_text="The kangaroo jump high .",
            final_text="x",
            outcome="pending",
            settings=SETTINGS,
        )
    with store.session() as s:
        assert retrieve_examples(s, "grammar", "kangaroo jump", k=2, token_budget=500) == []
    with store.session() as s, s.begin():
        from draftwheel.store import update_edit

        update_edit(s, e.id, outcome="accepted", final_text="The kangaroo jumps high.")
    with store.session() as s:
        assert [x.output for x in retrieve_examples(s, "grammar", "kangaroo jump", k=2, token_budget=500)] == [
            "The kangaroo jumps high."
        ]


def test_edits_until_training(store):
    with store.session() as s:
        assert edits_until_training(s, "grammar", 5) == 5
    _pairs(store, NOISE[:3])
    _pairs(store, NOISE[3:], outcome="rejected")
    with store.session() as s, s.begin():
        assert edits_until_training(s, "grammar", 5) == 2
        run = start_run(s, "grammar")
        assert edits_until_training(s, "grammar", 5) == 5  # counted from the last run
        finish_run(s, run.id, "failed", message="out of memory")
    _pairs(store, NOISE)
    with store.session() as s:
        assert edits_until_training(s, "grammar", 5) == 0
        assert edits_until_training(s, "grammar", 3) == 0


def test_few_shot_output_differs_from_zero_shot(store, fresh_engine):
    text = "me and my brother goes to school every day by bus ."
    zero, stage0 = revise_with_flywheel(fresh_engine, store, SETTINGS, text, "grammar")
    assert stage0 == "zero" and zero.n_examples == 0
    assert "He go to the libary" in zero.prompts[0]  # only the task's built-in demonstration
    _pairs(
        store,
        [
            ("me and my sister goes to school every day by car .", "My sister and I go to school every day by car."),
            (
                "me and my friend goes to the park every day by bike .",
                "My friend and I go to the park every day by bike.",
            ),
        ],
    )
    few, stage1 = revise_with_flywheel(fresh_engine, store, SETTINGS, text, resolve_task("grammar"))
    assert stage1 == "few" and few.n_examples == 2
    assert "My friend and I go to the park" in few.prompts[0]
    assert few.text != zero.text
    forced, stage2 = revise_with_flywheel(fresh_engine, store, SETTINGS, text, "grammar", mode="zero")
    assert stage2 == "zero" and forced.prompts == zero.prompts  # forced zero-shot: the zero-shot prompt again


@pytest.mark.slow
def test_cli_revise_reports_the_stage(home, store, capsys):
    _pairs(store, [("She go home early .", "She went home early.")])
    (home / "in.txt").write_text("He go home late .\n", encoding="utf-8")
    assert main(["revise", "--file", str(home / "in.txt"), "--json", "--threads", "2"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["stage"] == "few" and record["examples"] == 1
    assert main(["revise", "--file", str(home / "in.txt"), "--json", "--mode", "lora"]) == 2
    assert "no promoted adapter" in capsys.readouterr().err
