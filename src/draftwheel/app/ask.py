"""The window's side of "Ask my writing": the question, the streamed answer, its sources, a correction.

Plain Python, tested without a display. The panel (``ui.ask_panel``) shows
what this controller says; the work itself runs on worker threads
(``workers.ask_worker``) through the functions here that take a ``Store``:
:func:`index` on the indexing thread, :func:`correct` on the store thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from draftwheel.errors import InputError
from draftwheel.ground.ask import Answer, Source, log_correction
from draftwheel.ground.passage_index import IndexReport, index_folder
from draftwheel.store import Store
from draftwheel.store.passages import FolderSummary, indexed_folders

NO_FOLDERS = "No folder is indexed yet. Choose “Index a folder…” to add your documents."
PREVIEW_CHARS = 160


@dataclass(frozen=True)
class SourceItem:
    """One line of the sources list: what it shows, its tooltip (the passage), and what a click opens."""

    label: str
    tooltip: str
    path: str
    start: int
    end: int


def source_items(sources: list[Source]) -> list[SourceItem]:
    items = []
    for src in sources:
        where = f" — {src.heading}" if src.heading else ""
        preview = " ".join(src.text.split())
        if len(preview) > PREVIEW_CHARS:
            preview = preview[: PREVIEW_CHARS - 1] + "…"
        label = f"{src.rel}{where} (characters {src.start}–{src.end})"
        items.append(SourceItem(label, preview, src.path, src.start, src.end))
    return items


def index(store: Store, folder: str) -> IndexReport:
    """Index or re-index ``folder`` (indexing thread)."""
    return index_folder(store, folder)


def folders(store: Store) -> list[FolderSummary]:
    with store.session() as s:
        return indexed_folders(s)


def folders_text(rows: list[FolderSummary]) -> str:
    if not rows:
        return NO_FOLDERS
    docs = sum(r.documents for r in rows)
    return f"Answering from {docs} document(s) in {len(rows)} folder(s): " + ", ".join(r.folder for r in rows)


def index_text(report: IndexReport) -> str:
    """One line for the panel after an import; the skipped files' reasons follow on their own lines."""
    head = (
        f"Indexed {report.folder}: {len(report.added)} new, {len(report.changed)} changed, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged."
    )
    return "\n".join([head] + [str(i) for i in report.issues])


def correct(store: Store, answer: Answer, corrected: str) -> int:
    """Log the user's corrected answer as an edit of task ``answer`` (store thread)."""
    return log_correction(store, answer, corrected, origin="app")


class AskController:
    """What the panel shows for one question at a time."""

    def __init__(self) -> None:
        self.question = ""
        self.streamed = ""
        self.answer: Answer | None = None
        self.busy = False

    def begin(self, question: str) -> str:
        """Start asking ``question``; returns it cleaned. Refuses an empty question or a second at once."""
        q = " ".join((question or "").split())
        if not q:
            raise InputError("Type a question first.")
        if self.busy:
            raise InputError("An answer is still being written.", "Wait for it, or stop it first.")
        self.question, self.streamed, self.answer, self.busy = q, "", None, True
        return q

    def add_text(self, piece: str) -> str:
        self.streamed += piece
        return self.streamed

    def finish(self, answer: Answer) -> None:
        self.answer, self.busy = answer, False

    def fail(self) -> None:
        self.busy = False

    @property
    def can_correct(self) -> bool:
        return self.answer is not None and self.answer.answered and not self.busy

    def status(self) -> str:
        a = self.answer
        if a is None:
            return ""
        if not a.answered:
            return "Not in your documents: nothing was generated."
        n = len(a.sources)
        model = f"your adapter {a.adapter}" if a.adapter else "the base model (no personal answer adapter yet)"
        cut = " It stopped at the length limit." if a.finish_reason == "length" else ""
        stopped = " Stopped." if a.finish_reason == "cancelled" else ""
        if a.fallback:
            return f"{a.fallback[0].upper()}{a.fallback[1:]}, so here are your own words from the passage instead."
        return f"Answered from {n} passage(s) with {model}.{cut}{stopped}"

    def items(self) -> list[SourceItem]:
        return source_items(self.answer.sources) if self.answer is not None else []
