"""The window's styles without a display: toolbar and shortcuts, New style…, the adapter switcher's
choices for the current style, and the status line. Real store and adapter registry."""

from __future__ import annotations

import pytest

from draftwheel.app.styles import StylesController, suggested_name
from draftwheel.errors import DraftwheelError, InputError
from draftwheel.flywheel.adapters import promote
from draftwheel.store import count_edits, log_edit, open_store


def test_toolbar_new_style_adapters_and_status(paths, make_tiny_adapter):
    from draftwheel.models import Catalogue

    model = Catalogue(paths).ensure_bundled()
    ctl = StylesController(paths, default_threshold=10)
    bar = ctl.toolbar()
    assert [(e.key, e.shortcut) for e in bar] == [
        ("grammar", "Ctrl+1"),
        ("clearer", "Ctrl+2"),
        ("shorter", "Ctrl+3"),
        ("formal", "Ctrl+4"),
        ("friendly", "Ctrl+5"),
        ("voice", "Ctrl+6"),  # "In my voice"; "Answer from my writing" answers, so it has no button
    ]
    assert bar[0].task.label == "Fix grammar" and all(e.builtin for e in bar)
    assert bar[-1].task.label == "In my voice"

    # two edits under the ad-hoc instruction, then "New style…" from it: the edits join the style
    with open_store(paths) as store, store.session() as s, s.begin():
        for i in range(2):
            log_edit(
                s,
                task="custom",
                instruction="Talk like a pirate!",
                input_text=f"hi {i}",
                final_text=f"ahoy {i}",
                outcome="accepted",
            )
    with pytest.raises(InputError, match="Type an instruction first"):
        ctl.new_style_from("   ")
    new = ctl.new_style_from("Talk like a pirate!")
    assert (new.task.label, new.key, new.shortcut, new.builtin) == (
        "Talk like a pirate",
        "talk-like-a-pirate",
        "Ctrl+7",
        False,
    )
    assert new.task.instruction == "Talk like a pirate!"
    again = ctl.new_style_from("talk like a PIRATE!")  # the same first words: a unique name
    assert again.task.label == "Talk like a PIRATE 2" and again.shortcut == "Ctrl+8"
    with pytest.raises(DraftwheelError, match="exists already"):
        ctl.new_style_from("Anything", name="talk like a pirate")
    for i in range(3):  # up to nine styles get a shortcut
        ctl.new_style_from(f"Style number {i}")
    bar = ctl.toolbar()
    assert [e.shortcut for e in bar][-3:] == ["Ctrl+9", "", ""] and len(bar) == 11
    with open_store(paths) as store, store.session() as s:
        assert count_edits(s, new.key) == 2 and count_edits(s, "custom") == 0

    # the switcher lists the current style's adapters only, after Automatic and Base model
    make_tiny_adapter(paths, "pirate-1", new.key)
    make_tiny_adapter(paths, "grammar-1", "grammar")
    promote(paths, "pirate-1")
    assert ctl.adapter_choices(new.key, model.sha256) == [
        ("Automatic", ""),
        ("Base model", "base"),
        ("pirate-1 (promoted)", "pirate-1"),
    ]
    assert [c for _, c in ctl.adapter_choices("grammar")] == ["", "base", "grammar-1"]
    assert ctl.adapter_choices(new.key, "0" * 64)[2:] == []  # another base model's adapters are not offered

    # the status line: style · stage · edits until training
    assert ctl.status_text(new.key, model.sha256) == "Talk like a pirate · personal adapter · 8 edits until training"
    assert ctl.status_text("formal") == "formal · zero-shot · 10 edits until training".replace(
        "formal", "More formal", 1
    )
    with open_store(paths) as store, store.session() as s, s.begin():
        log_edit(s, task="formal", input_text="hey", final_text="Good day.", outcome="edited")
    assert ctl.status_text("formal") == "More formal · few-shot · 9 edits until training"
    assert ctl.status_text("custom").startswith("Custom instruction · not trained")


def test_the_switcher_lists_the_current_styles_adapters_and_the_one_in_use():
    from types import SimpleNamespace as C

    from draftwheel.app.styles import for_style

    all_ = [C(name="a", task="grammar"), C(name="b", task="pirate"), C(name="c", task="pirate")]
    assert [c.name for c in for_style(all_, "pirate")] == ["b", "c"]
    assert [c.name for c in for_style(all_, "pirate", chosen="a")] == ["a", "b", "c"]
    assert for_style(all_, "formal") == []


def test_suggested_names():
    assert suggested_name("rewrite this as a short, friendly work e-mail") == "Rewrite this as a short"
    assert suggested_name("…") == "My style"
