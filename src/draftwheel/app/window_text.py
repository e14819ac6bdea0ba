"""Words the main window shows about the engine and the documents (plain Python, no Qt)."""

from __future__ import annotations

import time

PREVIEW_CHARS = 2000  # of a restorable autosave, shown under "Show Details…"


def adapter_text(choice: str, active: str | None) -> str:
    """The status bar's adapter field: ``choice`` "" is automatic, ``active`` None the base model."""
    if choice == "":
        return f"Adapter: automatic ({active or 'base model'})"
    return f"Adapter: {active or 'base model'}"


def ago(ts: float, now: float | None = None) -> str:
    """When ``ts`` (epoch seconds) was, as a person says it: minutes for two hours, then the local date."""
    now = time.time() if now is None else now
    mins = max(0, int((now - ts) // 60))
    if mins < 1:
        return "moments ago"
    if mins < 120:
        return f"{mins} minute{'s' * (mins != 1)} ago"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def restore_words(text: str) -> str:
    """The restore question's informative line for an autosave holding ``text``."""
    words = len(text.split())
    return f"{words} word{'s' * (words != 1)}. Restore it to keep working on it, discard it, or keep it for the next start."


def restore_preview(text: str) -> str:
    return text[:PREVIEW_CHARS] + ("…" if len(text) > PREVIEW_CHARS else "")


def welcome_html(presets) -> str:
    """The first-run panel: what each preset does (its label, shortcut and instruction, read from the
    preset files) and that the assistant learns from what the user accepts or corrects."""
    from html import escape

    rows = "".join(
        f"<li><b>{escape(t.label)}</b>{f' ({escape(t.shortcut)})' if t.shortcut else ''}: {escape(t.instruction)}</li>"
        for t in presets
        if not getattr(t, "answers", False)  # answering is "Ask my writing", not a task to pick for a selection
    )
    return (
        "<b>Welcome to Draftwheel.</b> Select text, or put the cursor in a paragraph, and pick a task:"
        f"<ul style='margin-top:2px; margin-bottom:2px'>{rows}</ul>"
        "Every suggestion is shown as changes you accept or reject, one by one. <b>Draftwheel learns from "
        "what you accept or correct</b>: your edits become its examples, and once enough have gathered it "
        "trains a personal adapter on this computer, so suggestions come closer to how you write. Nothing "
        "leaves your machine. Spelling and grammar problems are underlined as you type (F8: next problem, "
        "Alt+Return: accept the suggestion)."
    )
