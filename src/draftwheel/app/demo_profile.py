"""A throw-away profile with a few kept edits, for the README screenshot (``ui.screenshot``)."""

from __future__ import annotations

from collections.abc import Iterable

from draftwheel.config import AppPaths
from draftwheel.engine.prompts import tasks
from draftwheel.store import log_edit, open_store


def seed_kept_edits(paths: AppPaths, pairs: Iterable[tuple[str, str]], model: str = "gemma3-270m") -> None:
    """Store each (before, after) as an accepted zero-shot "Fix grammar" edit."""
    instruction = tasks()["grammar"].instruction
    with open_store(paths) as store, store.session() as s, s.begin():
        for before, after in pairs:
            log_edit(
                s,
                task="grammar",
                instruction=instruction,
                input_text=before,
                output_text=after,
                final_text=after,
                outcome="accepted",
                stage="zero",
                model=model,
            )
