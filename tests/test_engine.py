import threading

import pytest

from draftwheel.engine import CancelToken, GenerationRequest
from draftwheel.engine.base import StopMatcher
from draftwheel.engine.prompts import resolve_task
from draftwheel.engine.revise import ReviseOptions, revise_text
from draftwheel.errors import InputError

SENT = "She have two brother and they lives in London ."


def test_revise_returns_text(fresh_engine):
    res = revise_text(fresh_engine, SENT, resolve_task("grammar"))
    assert res.text.strip()
    assert res.n_generated > 0 and res.n_prompt_tokens > 0
    assert res.style == "completion"


def test_greedy_is_deterministic(fresh_engine):
    task = resolve_task("clearer")
    a = revise_text(fresh_engine, SENT, task).text
    fresh_engine.llama.reset()
    b = revise_text(fresh_engine, SENT, task).text
    assert a == b


def test_sampling_with_fixed_seed_repeats(fresh_engine):
    req = GenerationRequest(prompt="The weather today is", max_tokens=16, temperature=0.9, seed=1234)
    a = fresh_engine.generate(req).text
    b = fresh_engine.generate(req).text
    assert a == b and a


def test_cancellation_stops_within_a_few_tokens(fresh_engine):
    cancel = CancelToken()
    req = GenerationRequest(prompt="Once upon a time, there was", max_tokens=200, temperature=0.0)
    seen = 0
    last = None
    for chunk in fresh_engine.stream(req, cancel):
        last = chunk
        if chunk.text and chunk.n_generated >= 3 and not cancel.cancelled:
            seen = chunk.n_generated
            cancel.cancel()
    assert last.finish_reason == "cancelled"
    assert last.n_generated - seen <= 2


def test_cancel_from_another_thread(fresh_engine):
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    gen = fresh_engine.generate(GenerationRequest(prompt="List of numbers: 1, 2, 3,", max_tokens=2000), cancel)
    timer.cancel()
    assert gen.finish_reason == "cancelled"
    assert gen.n_generated < 2000


def test_prefix_reuse_gives_identical_output(fresh_engine):
    examples = "".join(
        f"Text: example number {i} is here .\nRevision: Example number {i} is here.\n###\n\n" for i in range(20)
    )
    p1 = "Instruction: Fix it.\n\n" + examples + "Text: he go home .\nRevision:"
    p2 = "Instruction: Fix it.\n\n" + examples + "Text: they was happy .\nRevision:"
    req2 = GenerationRequest(prompt=p2, max_tokens=24, stop=("\n###",))
    fresh_engine.llama.reset()
    cold = fresh_engine.generate(req2)
    assert cold.n_cached_tokens == 0
    fresh_engine.generate(GenerationRequest(prompt=p1, max_tokens=24, stop=("\n###",)))
    warm = fresh_engine.generate(req2)
    assert warm.n_cached_tokens > 100
    assert warm.text == cold.text


def test_stop_sequences(fresh_engine):
    gen = fresh_engine.generate(GenerationRequest(prompt="1, 2, 3, 4,", max_tokens=40, stop=(" 7",)))
    assert "7" not in gen.text and gen.finish_reason == "stop"


def test_stop_matcher_holds_back_partial_stops():
    m = StopMatcher(("\n###",))
    assert m.feed("hello\n") == "hello"
    assert m.feed("##") == ""
    assert m.feed("#") == "" and m.stopped


def test_markdown_structure_survives_revision(fresh_engine):
    doc = "# Notes\n\nshe go to school .\n\n```\ncode  stays\n```\n\n- buy milk\n- he have cat\n"
    res = revise_text(fresh_engine, doc, resolve_task("grammar"), ReviseOptions(max_new_tokens=40))
    assert res.text.startswith("# ")
    assert "\n\n```\ncode  stays\n```\n\n" in res.text
    assert res.text.count("\n- ") == 2
    assert res.n_units == 4


def test_empty_and_too_long_input(fresh_engine):
    with pytest.raises(InputError, match="empty"):
        revise_text(fresh_engine, "  \n ", resolve_task("grammar"))
    # Long text is cut into sentence-sized units (tests/test_revise_units.py); only one "word" too long
    # for the context window on its own cannot be revised.
    with pytest.raises(InputError, match="too long"):
        revise_text(fresh_engine, "x" * 40000, resolve_task("grammar"))
