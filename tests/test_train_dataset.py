"""Training examples: exact inference prompt, prompt masked, truncation, held-out split, batching, store."""

from __future__ import annotations

import json
import random

import pytest

from conftest import JFLEG
from draftwheel.engine.prompts import END_MARKER, resolve_task, training_pair
from draftwheel.errors import DraftwheelError
from draftwheel.train.dataset import (
    IGNORE_INDEX,
    Pair,
    build_dataset,
    collate,
    encode,
    jfleg_pairs,
    length_bucketed_batches,
    load_pairs,
    pairs_from_store,
    plan_batches,
    save_pairs,
    split_pairs,
)


@pytest.fixture(scope="module")
def tokenizer(trainable_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(trainable_dir))


def test_prompt_is_masked_and_text_is_exactly_the_inference_prompt(tokenizer):
    task = resolve_task("grammar")
    prompt, completion = training_pair(task, "She go to school .", "She goes to school .")
    ids, labels, truncated = encode(tokenizer, prompt, completion, 256)
    assert not truncated
    assert ids[0] == tokenizer.bos_token_id  # as llama.cpp adds it
    assert tokenizer.decode(ids[1:]) == prompt + completion
    n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    assert labels[: 1 + n_prompt] == [IGNORE_INDEX] * (1 + n_prompt)
    assert labels[1 + n_prompt :] == tokenizer(completion, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(labels[1 + n_prompt :]) == " She goes to school .\n" + END_MARKER


def test_long_prompt_is_cut_from_the_left_keeping_the_completion_end(tokenizer):
    task = resolve_task("grammar")
    long_input = " ".join(["This sentence are long ."] * 40)
    prompt, completion = training_pair(task, long_input, "Short .")
    ids, labels, truncated = encode(tokenizer, prompt, completion, 64)
    assert truncated and len(ids) == 64
    assert ids[0] == tokenizer.bos_token_id
    assert tokenizer.decode(ids[1:]).endswith("Revision: Short .\n" + END_MARKER)
    assert tokenizer.decode([x for x in labels if x != IGNORE_INDEX]) == " Short .\n" + END_MARKER
    # A completion that leaves no room for its prompt is not used at all.
    assert encode(tokenizer, prompt, " " + long_input + "\n###", 64) is None


def test_too_few_examples_is_a_clear_error(tokenizer):
    pairs = [Pair(f"he go {i} time .", f"He went {i} times .") for i in range(5)]
    with pytest.raises(DraftwheelError) as err:
        build_dataset([*pairs, pairs[0]], tokenizer, 128, what="task 'grammar'")
    msg = str(err.value)
    assert "Too few training examples for task 'grammar'" in msg
    assert "5 usable, at least 8 needed" in msg and "6 kept edits" in msg and "1 duplicates" in msg


def test_split_is_stable_deterministic_and_never_empty(tokenizer):
    pairs = jfleg_pairs(JFLEG, limit=200)
    train, held = split_pairs(pairs, 0.1)
    assert 8 <= len(held) <= 35 and len(train) + len(held) == 200
    assert {p.key for p in held}.isdisjoint({p.key for p in train})
    assert split_pairs(list(reversed(pairs)), 0.1)[1] == held  # order does not matter
    # New edits arriving never move an old example into (or out of) the held-out slice.
    more_train, more_held = split_pairs(jfleg_pairs(JFLEG, limit=400), 0.1)
    assert {p.key for p in held} <= {p.key for p in more_held}
    assert {p.key for p in train} <= {p.key for p in more_train}
    # Tiny sets still give one of each.
    t, h = split_pairs(pairs[:2], 0.1)
    assert len(t) == 1 and len(h) == 1
    ds = build_dataset(pairs[:8], tokenizer, 128)
    assert len(ds.heldout) >= 1 and len(ds.train) >= 1 and len(ds.train) + len(ds.heldout) == 8


def test_length_buckets_cover_every_example_and_cut_padding(tokenizer):
    ds = build_dataset(jfleg_pairs(JFLEG, limit=300), tokenizer, 512)
    lengths = [len(e) for e in ds.train]
    batches = length_bucketed_batches(lengths, 8, random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))

    def padding(bs):
        return sum(max(lengths[i] for i in b) * len(b) - sum(lengths[i] for i in b) for b in bs)

    plain = plan_batches(lengths, 8, len(batches), seed=0, bucketed=False)
    assert padding(batches) < 0.5 * padding(plain)
    # Plans are reproducible and run over several epochs.
    plan = plan_batches(lengths, 8, 3 * len(batches), seed=3)
    assert plan == plan_batches(lengths, 8, 3 * len(batches), seed=3)
    assert plan[: len(batches)] != plan[len(batches) : 2 * len(batches)]
    b = collate([ds.train[i] for i in batches[0]], ds.pad_id)
    assert b["input_ids"].shape == b["labels"].shape == b["attention_mask"].shape
    assert int(b["attention_mask"].sum()) == sum(lengths[i] for i in batches[0])
    assert bool((b["labels"][b["attention_mask"] == 0] == IGNORE_INDEX).all())


def test_store_gives_kept_edits_only_with_final_text_as_target(paths, tokenizer):
    from draftwheel.store import log_edit, open_store

    store = open_store(paths)
    try:
        with store.session() as s, s.begin():
            for i in range(10):
                log_edit(
                    s,
                    task="grammar",
                    input_text=f"he go {i} .",
                    output_text=f"He go {i} .",
                    final_text=f"He goes {i} .",
                    outcome="accepted" if i % 2 else "edited",
                )
            log_edit(
                s,
                task="grammar",
                input_text="rejected one",
                output_text="x",
                final_text="rejected one",
                outcome="rejected",
            )
            log_edit(
                s,
                task="grammar",
                input_text="pending one",
                output_text="x",
                final_text="pending one",
                outcome="pending",
            )
            log_edit(
                s,
                task="grammar",
                input_text="excluded one",
                output_text="x",
                final_text="Excluded.",
                outcome="accepted",
                include_in_training=False,
            )
            log_edit(s, task="formal", input_text="hey", output_text="Hello", final_text="Hello.", outcome="accepted")
        with store.session() as s:
            pairs = pairs_from_store(s, "grammar")
    finally:
        store.close()
    assert len(pairs) == 10
    assert all(p.final.startswith("He goes") and p.task == "grammar" and p.key.startswith("edit:") for p in pairs)
    ds = build_dataset(pairs, tokenizer, 128)
    assert len(ds.train) + len(ds.heldout) == 10


def test_pairs_file_round_trip_and_bad_line(tmp_path):
    pairs = [Pair("a b", "A b.", key="k1"), Pair("c", "C.", task="custom", instruction="Shout it.")]
    save_pairs(tmp_path / "p.jsonl", pairs)
    assert load_pairs(tmp_path / "p.jsonl") == pairs
    assert pairs[1].prompt_completion()[0].startswith("Instruction: Shout it.")
    (tmp_path / "bad.jsonl").write_text(json.dumps({"input": "x", "final": "y"}) + "\n{oops\n")
    with pytest.raises(DraftwheelError, match="line 2"):
        load_pairs(tmp_path / "bad.jsonl")
