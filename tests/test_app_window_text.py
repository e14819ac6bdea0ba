"""The window's words and decisions that moved out of the widgets (issue 16): no Qt, no display."""

from __future__ import annotations

import time

from draftwheel.app.settings_form import needs_engine_reload
from draftwheel.app.training_text import counter_tip, failure_text, resumed_text, task_label_and_counter
from draftwheel.app.window_text import PREVIEW_CHARS, adapter_text, ago, restore_preview, restore_words
from draftwheel.config import Settings


def test_adapter_text_says_automatic_only_for_the_automatic_choice():
    assert adapter_text("", None) == "Adapter: automatic (base model)"
    assert adapter_text("", "formal-1") == "Adapter: automatic (formal-1)"
    assert adapter_text("base", None) == "Adapter: base model"
    assert adapter_text("formal-1", "formal-1") == "Adapter: formal-1"


def test_ago_counts_minutes_then_gives_the_date():
    now = 1_800_000_000.0
    assert ago(now - 30, now) == "moments ago"
    assert ago(now - 60, now) == "1 minute ago"
    assert ago(now - 119 * 60, now) == "119 minutes ago"
    old = now - 3 * 3600
    assert ago(old, now) == time.strftime("%Y-%m-%d %H:%M", time.localtime(old))
    assert ago(now + 600, now) == "moments ago"  # a clock set back does not give negative minutes


def test_restore_words_and_preview():
    assert restore_words("one").startswith("1 word. ")
    assert restore_words("two words\nhere").startswith("3 words. ")
    assert restore_preview("short") == "short"
    long = "x" * (PREVIEW_CHARS + 5)
    assert restore_preview(long) == "x" * PREVIEW_CHARS + "…"


def test_only_model_threads_context_or_backend_reload_the_engine():
    old = Settings()
    assert not needs_engine_reload(old, old.updated(temperature=old.temperature + 0.1))
    assert not needs_engine_reload(old, old.updated(logging_paused=not old.logging_paused))
    assert needs_engine_reload(old, old.updated(n_threads=old.n_threads + 1))
    assert needs_engine_reload(old, old.updated(n_ctx=old.n_ctx * 2))


def test_the_counter_is_shown_for_trained_tasks_only():
    assert task_label_and_counter("custom", 3, 10) is None  # custom instructions are not trained
    label, counter = task_label_and_counter("grammar", 3, 10)
    assert label == "Fix grammar"
    assert counter == "Fix grammar: 3 / 10 kept edits, 7 more until training"
    assert task_label_and_counter("grammar", 12, 10)[1].endswith("training is due")
    assert "“Fix grammar”" in counter_tip(label)


def test_failure_and_resume_lines_name_the_run():
    assert (
        failure_text({"label": "Fix grammar", "message": "out of memory"})
        == "Training “Fix grammar” failed: out of memory"
    )
    assert failure_text({"task": "grammar", "message": "x"}) == "Training “grammar” failed: x"
    assert "“grammar-3”" in resumed_text({"name": "grammar-3"})
