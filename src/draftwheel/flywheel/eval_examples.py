"""Where few-shot examples come from during an evaluation (``draftwheel eval``).

It lives in ``flywheel`` (not ``evaluate``, which sits below it) because it
opens stores and uses the flywheel's own retrieval.

Either the store of the current profile (the user's own accepted edits, as
the app would use them) or line-aligned pairs imported into a throw-away
store (e.g. JFLEG ``dev.src`` -> ``dev.ref0``). Both go through the
flywheel's own retrieval callback (``flywheel.examples_for_store``: BM25 over
the task's kept edits, the k most similar within the token budget), so the
evaluation measures what the app does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path

from draftwheel.config import AppPaths, Settings
from draftwheel.engine.base import Engine
from draftwheel.errors import DraftwheelError
from draftwheel.evaluate.harness import ExamplesFor
from draftwheel.flywheel.importing import parse_parallel
from draftwheel.flywheel.revise import examples_for_store


def _retriever(store, engine: Engine, settings: Settings, k: int) -> ExamplesFor:
    return examples_for_store(store, engine, dataclasses.replace(settings, fewshot_k=k))


@contextlib.contextmanager
def profile_examples(paths: AppPaths, settings: Settings, k: int, engine: Engine) -> Iterator[ExamplesFor]:
    """Examples from the current profile's store (its accepted and edited edits)."""
    from draftwheel.store import open_store

    store = open_store(paths)
    try:
        yield _retriever(store, engine, settings, k)
    finally:
        store.close()


def import_pairs(store, task: str, pairs: list[tuple[str, str]], instruction: str = "") -> int:
    """Put (input, final) pairs into ``store`` as accepted imported edits of ``task``.

    ``task`` may be a user style's key that this (throw-away) store has never seen: the pairs are kept
    under that key, with ``instruction``, so retrieval for the style finds them."""
    from draftwheel.prompts import tasks
    from draftwheel.store import add_edits

    styles = None if task in tasks() else {task: (task, instruction)}
    parsed = parse_parallel("\n".join(s for s, _ in pairs), "\n".join(r for _, r in pairs), task=task, styles=styles)
    with store.session() as session, session.begin():
        return add_edits(session, parsed.rows)


@contextlib.contextmanager
def pair_examples(
    pairs: list[tuple[str, str]], task: str, settings: Settings, k: int, engine: Engine, instruction: str = ""
) -> Iterator[ExamplesFor]:
    """Examples from ``pairs`` imported into a temporary store, deleted afterwards (``instruction``:
    a user style's, when ``task`` is its key)."""
    from draftwheel.store import open_store

    if not pairs:
        raise DraftwheelError("No few-shot pairs to import.", "Check --fewshot-src and --fewshot-ref.")
    with tempfile.TemporaryDirectory(prefix="draftwheel-eval-") as tmp:
        # A clean profile (default settings: logging on, no redaction) stores every pair as given.
        paths = AppPaths(Path(tmp)).ensure()
        store = open_store(paths)
        try:
            if import_pairs(store, task, pairs, instruction) == 0:
                raise DraftwheelError("None of the few-shot pairs could be imported.")
            yield _retriever(store, engine, settings, k)
        finally:
            store.close()
