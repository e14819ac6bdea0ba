"""The thread that runs the rule-based checker (Harper) for the editor's live layer.

It owns one :class:`~draftwheel.engine.rules.RuleChecker` (a Harper linter is
not thread-safe and takes about a second to build: it is built here, once, on
this thread). Calls run in order, so a dictionary change submitted before a
check is seen by it. Answers come back to the caller's callbacks as plain data
(:class:`~draftwheel.app.live_check.ParagraphCheck`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from draftwheel.app.live_check import WARM_UP, Ignores, PieceCache, check_batch, write_memory
from draftwheel.engine.rules import RuleChecker
from draftwheel.workers.thread import ThreadWorker


class RulesWorker(ThreadWorker):
    def __init__(self, parent=None):
        super().__init__("draftwheel-rules", parent)
        self.checker = RuleChecker()  # used only on the worker thread
        self.pieces = PieceCache()  # likewise

    def warm_up(self) -> None:
        """Build the linter and pay Harper's one-time costs now, so the first underline does not wait."""
        self.submit(self.checker.check, WARM_UP)

    def add_words(self, words: Iterable[str]) -> None:
        self.submit(self._add_words, list(words))

    def _add_words(self, words: list[str]) -> None:
        self.checker.add_words(words)
        self.pieces.clear()

    def check(
        self,
        texts: list[str],
        ignores: Ignores,
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None] | None = None,
    ) -> int:
        return self.submit(check_batch, self.checker, texts, ignores, self.pieces, on_done=on_done, on_error=on_error)

    def save_memory(self, path: Path, payload: str, on_error: Callable[[str], None] | None = None) -> None:
        self.submit(write_memory, path, payload, on_error=on_error)
