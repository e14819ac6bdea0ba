"""The formal and friendly presets on the real bundled model: held-out inputs come back changed, with their facts.

A handful of inputs from tests/data/presets/*-test.jsonl (the aggregate figures over all 100 per preset
are in docs/evaluation.md, "Presets on the bundled model"); each call is the editor's own ``revise_text``.
"""

from __future__ import annotations

import re

import pytest

from conftest import DATA
from draftwheel.engine.prompts import resolve_task
from draftwheel.engine.revise import revise_text
from draftwheel.evaluate.presets import load_items, set_path

SETS = DATA / "presets"
_NUMBER = re.compile(r"\d+")
# Capitalised words that open or close a message without naming anyone.
_NOT_NAMES = {"I", "Dear", "Hi", "Hello", "Please", "Thanks", "Thank", "Just", "Could", "Would", "Sorry", "See"}


def _item(item_id: str):
    task = item_id.split("-")[0]
    return next(it for it in load_items(set_path(SETS, task, "test")) if it.id == item_id)


def new_names(source: str, output: str) -> set[str]:
    """Capitalised words inside a sentence of ``output`` that ``source`` does not have (a name from nowhere)."""
    known = set(re.findall(r"[A-Za-z]+", source)) | _NOT_NAMES
    new = set()
    for m in re.finditer(r"[A-Z][a-z]+", output):
        before = output[: m.start()].rstrip()
        starts_sentence = not before or (before[-1] in ".!?:" and not re.search(r"\b(?:Mr|Mrs|Ms|Dr)\.$", before))
        if not starts_sentence and m.group() not in known:
            new.add(m.group())
    return new


def test_new_names_are_found():
    assert new_names("The printer is broken.", "Hi Mr. Lee, the printer is broken.") == {"Mr", "Lee"}
    assert not new_names("Dear Ms. Sato, it is on Monday.", "Hi Ms. Sato! It is on Monday. See you then.")


def test_the_meeting_note_comes_back_as_a_formal_note_not_an_apology(fresh_engine):
    """Issue 17: "More formal" on this note answered "I'm sorry, I didn't realize that you were going to be late."."""
    note = _item("formal-test-001")
    assert "Thursday" in note.input and "meeting" in note.input
    out = revise_text(fresh_engine, note.input, resolve_task("formal")).text
    assert out.split() != note.input.split()
    assert "Thursday" in out and "meeting" in out and "10" in out
    assert not re.search(r"sorry|apolog|late\b", out, re.IGNORECASE)


@pytest.mark.parametrize(
    "item_id",
    ["formal-test-003", "friendly-test-005", "friendly-test-014", "friendly-test-027"],
)
def test_a_held_out_input_is_changed_and_keeps_its_facts(fresh_engine, item_id):
    item = _item(item_id)
    result = revise_text(fresh_engine, item.input, resolve_task(item.task))
    out = result.text
    assert out.split() != item.input.split(), "the preset changed nothing"
    assert set(_NUMBER.findall(out)) == set(_NUMBER.findall(item.input)), out
    assert not new_names(item.input, out), out
    assert not result.rejected_units, result.rejected_units
