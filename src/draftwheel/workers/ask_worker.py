""" "Ask my writing" off the GUI thread: answers on the engine thread, indexing on its own thread.

An answer runs on the engine's thread (:class:`~draftwheel.workers.engine_worker.EngineWorker`),
like every other use of the model, so it never overlaps a suggestion; it applies the
``answer`` task's promoted adapter (or none) for itself, and the next suggestion applies its
own again. Indexing a folder can take minutes, so it has its own thread and store
connection rather than holding up the store thread that logs outcomes. A correction is one
small write on the store thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from draftwheel.app import ask as app_ask
from draftwheel.engine.base import CancelToken
from draftwheel.errors import InputError, ModelFileError
from draftwheel.ground.ask import Answer, answer_adapter, answer_question, find_passages, not_mentioned
from draftwheel.workers.qt import QObject, Signal
from draftwheel.workers.thread import ThreadWorker

if TYPE_CHECKING:
    from draftwheel.config import AppPaths
    from draftwheel.workers.engine_worker import EngineHost, EngineWorker
    from draftwheel.workers.store_worker import StoreWorker


def answer_on_host(host: EngineHost, question: str, cancel: CancelToken, on_text) -> Answer:
    """Runs on the engine thread: retrieve, then answer with the engine it owns."""
    if host.engine is None or host.entry is None:
        raise ModelFileError("No model is loaded.", "Wait for it to load, or choose a model in Settings.")
    store = host.store()
    if not app_ask.folders(store):
        raise InputError("No documents are indexed yet.", "Choose “Index a folder…” to add your documents first.")
    found = find_passages(store, question)
    if not found.answerable:
        return not_mentioned(found, host.model_name, on_text)
    from draftwheel.models.adapter_info import adapter_ref

    info = answer_adapter(host.paths, host.entry)
    host._apply(adapter_ref(info) if info is not None else None)  # the next suggestion applies its own again
    s = host.settings
    return answer_question(
        host.engine,
        found,
        prompt_style=s.prompt_style,
        temperature=s.temperature,
        seed=s.seed,
        cancel=cancel,
        on_text=on_text,
    )


class _IndexOps:
    """The indexing thread's store connection (opened there on first use)."""

    def __init__(self, paths: AppPaths):
        self.paths = paths
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from draftwheel.store import open_store

            self._store = open_store(self.paths)
        return self._store

    def index(self, folder: str):
        return app_ask.index(self.store, folder)

    def folders(self):
        return app_ask.folders(self.store)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class _Indexer(ThreadWorker):
    def __init__(self, paths: AppPaths, parent=None):
        super().__init__("draftwheel-ask-index", parent)
        self.ops = _IndexOps(paths)

    def shutdown(self) -> None:
        self.submit(self.ops.close)
        self.stop()


class AskWorker(QObject):
    """GUI-thread handle of "Ask my writing"; everything it reports arrives as a signal."""

    chunk = Signal(str)
    answered = Signal(object)  # ground.ask.Answer
    failed = Signal(str)
    indexed = Signal(object)  # ground.passage_index.IndexReport
    index_failed = Signal(str)
    folders = Signal(object)  # list[store.passages.FolderSummary]
    corrected = Signal(int)  # the new edit's id
    correct_failed = Signal(str)

    def __init__(self, paths: AppPaths, engine: EngineWorker, store: StoreWorker, parent=None):
        super().__init__(parent)
        self.engine = engine
        self.store = store
        self.indexer = _Indexer(paths, self)
        self._cancel: CancelToken | None = None

    def ask(self, question: str) -> None:
        token = CancelToken()
        self._cancel = token
        emit = self.chunk.emit

        def on_text(piece: str) -> None:  # runs on the engine thread; the signal is queued to the GUI
            if piece:
                emit(piece)

        self.engine.submit(
            answer_on_host,
            self.engine.host,
            question,
            token,
            on_text,
            on_done=self.answered.emit,
            on_error=self.failed.emit,
            cancel_with=token,
        )

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def index(self, folder: str) -> None:
        self.indexer.submit(self.indexer.ops.index, folder, on_done=self.indexed.emit, on_error=self.index_failed.emit)

    def refresh_folders(self) -> None:
        self.indexer.submit(self.indexer.ops.folders, on_done=self.folders.emit, on_error=self.index_failed.emit)

    def correct(self, answer: Answer, text: str) -> None:
        ops = self.store.ops
        self.store.submit(
            lambda: app_ask.correct(ops.store, answer, text),
            on_done=self.corrected.emit,
            on_error=self.correct_failed.emit,
        )
