"""The generation loop both backends share (engine.base.stream_steps), on hand-made token streams."""

import time

from draftwheel.engine.base import CancelToken, Step, stream_steps


def run(steps, stop=(), max_tokens=100, cancel=None, flush=lambda: ""):
    chunks = list(stream_steps(iter(steps), stop, 7, 3, max_tokens, cancel, time.perf_counter(), flush))
    return "".join(c.text for c in chunks), chunks[-1]


def test_a_stop_string_split_across_tokens_is_cut_and_never_shown():
    text, last = run([Step("Fixed"), Step(" text.\n#"), Step("##"), Step(" more")], stop=("\n###",))
    assert text == "Fixed text." and last.finish_reason == "stop" and last.n_generated == 3


def test_end_of_generation_counts_no_token_and_stops():
    text, last = run([Step("a"), Step("b"), Step("", counts=False, finish="stop"), Step("never")])
    assert text == "ab" and last.finish_reason == "stop" and last.n_generated == 2
    assert (last.n_prompt_tokens, last.n_cached_tokens) == (7, 3)


def test_the_token_limit_ends_with_length_and_the_held_tail_is_flushed():
    text, last = run([Step("x"), Step("y"), Step("z")], max_tokens=2, flush=lambda: "!")
    assert text == "xy!" and last.finish_reason == "length" and last.n_generated == 2


def test_a_cancelled_request_stops_within_one_token_without_a_tail():
    cancel = CancelToken()

    def steps():
        yield Step("a")
        cancel.cancel()
        yield Step("b")
        yield Step("c")

    closed = []
    gen = steps()
    chunks = list(stream_steps(gen, (), 1, 0, 100, cancel, time.perf_counter(), lambda: "tail"))
    closed.append(gen.gi_frame is None)
    assert "".join(c.text for c in chunks) == "a" and chunks[-1].finish_reason == "cancelled"
    assert closed == [True]  # the backend's stream is closed, so the library stops generating
