"""The thread that reads and writes the store for the window.

Logging an outcome, browsing examples and reading training runs all happen
here, never on the GUI thread: a slow disk or a database briefly locked by a
training process then cannot freeze the editor. Results come back as plain
dicts so no ORM object crosses threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from draftwheel.config import AppPaths
from draftwheel.workers.qt import Signal
from draftwheel.workers.thread import ThreadWorker

EDIT_COLUMNS = (
    "id",
    "created_at",
    "task",
    "instruction",
    "input_text",
    "output_text",
    "final_text",
    "outcome",
    "model",
    "adapter",
    "stage",
    "latency_ms",
    "prompt_tokens",
    "output_tokens",
    "origin",
    "include_in_training",
)
RUN_COLUMNS = (
    "id",
    "task",
    "adapter_name",
    "status",
    "started_at",
    "finished_at",
    "steps_done",
    "steps_total",
    "n_train",
    "n_heldout",
    "final_loss",
    "scores",
    "message",
)
ADAPTER_COLUMNS = (
    "id",
    "name",
    "task",
    "base_model_name",
    "path",
    "rank",
    "n_train",
    "steps",
    "created_at",
    "promoted",
    "scores",
)


def _row(obj: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    return {c: getattr(obj, c) for c in columns}


@dataclass(frozen=True)
class TrainingProgress:
    task: str
    done: int  # kept edits collected since the last training of the task
    threshold: int  # the style's own threshold, else the setting's
    label: str = ""  # the words the user knows the style by ("" : the task's preset label)
    stage: str = ""  # the style's stage now: zero | few | lora ("" : not known)

    @property
    def remaining(self) -> int:
        return max(0, self.threshold - self.done)


class StoreOps:
    """Plain-Python store calls made on the store thread (opened there on first use)."""

    def __init__(self, paths: AppPaths):
        self.paths = paths
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from draftwheel.store import open_store

            self._store = open_store(self.paths)
        return self._store

    def open(self) -> str:
        return str(self.store.path)

    def log_outcome(self, record: dict[str, Any]) -> int | None:
        """Store one outcome; None when logging is paused."""
        from draftwheel.store import log_edit

        with self.store.session() as s, s.begin():
            edit = log_edit(s, **record)
            return edit.id if edit is not None else None

    def edits(self, search: str = "", limit: int = 500) -> list[dict[str, Any]]:
        from draftwheel.store import list_edits

        with self.store.session() as s:
            return [_row(e, EDIT_COLUMNS) for e in list_edits(s, search=search or None, limit=limit)]

    def update_final(self, edit_id: int, final_text: str) -> dict[str, Any]:
        from draftwheel.store import get_edit, update_edit

        with self.store.session() as s, s.begin():
            edit = get_edit(s, edit_id)
            fields: dict[str, Any] = {"final_text": final_text}
            if edit.outcome in ("accepted", "edited", "rejected"):
                # The stored outcome follows the text the user now says they kept.
                from draftwheel.app.review import outcome

                fields["outcome"] = outcome(edit.input_text, edit.output_text or "", final_text)
            return _row(update_edit(s, edit_id, **fields), EDIT_COLUMNS)

    def delete(self, edit_id: int) -> int:
        from draftwheel.store import delete_edit

        with self.store.session() as s, s.begin():
            delete_edit(s, edit_id)
        return edit_id

    def progress(self, task: str, threshold: int) -> TrainingProgress:
        try:
            from draftwheel.flywheel import edits_until_training
        except ImportError:
            edits_until_training = None  # type: ignore[assignment]  # the optional-import idiom
        with self.store.session() as s:
            if edits_until_training is not None:
                from draftwheel.flywheel import training_progress
                from draftwheel.flywheel.policy import choose_stage
                from draftwheel.flywheel.styles import label

                p = training_progress(s, task, threshold)  # the style's own threshold where it has one
                stage = choose_stage(s, task)
                return TrainingProgress(task, min(p.kept, p.threshold), p.threshold, label(s, task), stage)
            from draftwheel.store import count_edits, last_run

            run = last_run(s, task, statuses=("done",))
            done = count_edits(s, task) - (run.edits_at_start if run else 0)
            return TrainingProgress(task, max(0, done), threshold)

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        from draftwheel.store import list_runs

        with self.store.session() as s:
            return [_row(r, RUN_COLUMNS) for r in list_runs(s, limit=limit)]

    def adapters(self) -> list[dict[str, Any]]:
        from draftwheel.store import list_adapters

        with self.store.session() as s:
            return [_row(a, ADAPTER_COLUMNS) for a in list_adapters(s)]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class StoreWorker(ThreadWorker):
    """GUI-thread handle of the store thread."""

    logged = Signal(object)  # edit id, or None when logging is paused
    log_failed = Signal(str)
    progress = Signal(object)  # TrainingProgress

    def __init__(self, paths: AppPaths, parent=None):
        super().__init__("draftwheel-store", parent)
        self.ops = StoreOps(paths)

    def log_outcome(self, record: dict[str, Any]) -> None:
        """Store one outcome on the store thread; ``logged`` (or ``log_failed``) answers."""
        self.submit(self.ops.log_outcome, record, on_done=self.logged.emit, on_error=self.log_failed.emit)

    def refresh_progress(self, task: str, threshold: int) -> None:
        self.submit(self.ops.progress, task, threshold, on_done=self.progress.emit)

    def shutdown(self) -> None:
        self.submit(self.ops.close)
        self.stop()
