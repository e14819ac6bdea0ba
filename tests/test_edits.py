"""engine.edits: a model's answer as edits of the source, merged with rule fixes."""

from hypothesis import given
from hypothesis import strategies as st

from draftwheel.engine.edits import Edit, apply_edits, merge, model_hunks

CASES = [
    (
        "I has finished the report but it need more works before friday.",
        "I have finished the report, but it needs more work before Friday.",
    ),
    ("a b c", "x a b c"),
    ("a b c", "a b c d"),
    ("a b c", "b c"),
    ("a b c", "a b"),
    ("Me and him goes.", "He and I go to the shop."),
    ("Hello , world .", "Hello, world."),
]


def test_hunks_rebuild_the_answer():
    for source, output in CASES:
        assert apply_edits(source, model_hunks(source, output)) == output


_words = st.lists(st.sampled_from(["a", "the", "cat", "sat", ",", ".", "on", "mat", "don't"]), max_size=12)


@given(_words, _words)
def test_hunks_rebuild_any_answer_up_to_spacing(a, b):
    source, output = " ".join(a), " ".join(b)
    assert apply_edits(source, model_hunks(source, output)).split() == output.split()


def test_merge_keeps_the_first_proposer_where_both_touch_a_span():
    source = "Their was alot of peoples there."
    model = model_hunks(source, "Their was a lot of people there.")
    rules = [Edit(0, 5, "There", "rules"), Edit(10, 14, "a lot", "rules")]
    merged = merge(model, rules)
    assert apply_edits(source, merged) == "There was a lot of people there."
    assert [e.origin for e in merged].count("rules") == 1
    assert apply_edits(source, merge(rules, model)) == "There was a lot of people there."
