"""The state of one suggestion under review (plain Python, no Qt).

It remembers which part of the document was revised (Qt cursor positions),
collects the streamed text, and turns the user's decisions into the final
text and the outcome that is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from draftwheel.engine.prompts import Task
from draftwheel.ui.diff import SuggestionDiff, outcome

STREAMING, READY, EDITING, CLOSED = "streaming", "ready", "editing", "closed"


@dataclass
class ReviewSession:
    original: str
    start: int  # document position where the revised text begins
    end: int  # ... and ends (QTextCursor positions)
    task: Task
    job: int = 0
    state: str = STREAMING
    streamed: list[str] = field(default_factory=list)
    suggestion: object | None = None  # workers.engine_worker.Suggestion once finished
    diff: SuggestionDiff | None = None
    edited_text: str | None = None  # set while/after the user edits the suggestion
    current: int = 0  # selected change

    @property
    def text(self) -> str:
        """The suggestion so far (all of it once finished)."""
        if self.suggestion is not None:
            return self.suggestion.text  # type: ignore[attr-defined]
        return "".join(self.streamed)

    def add(self, piece: str) -> None:
        self.streamed.append(piece)

    def live_diff(self) -> SuggestionDiff:
        """Diff against what has streamed so far (the original's unseen tail is not shown as deleted)."""
        text = self.text
        if self.state == STREAMING:
            # Compare with the same amount of the original, so the tail still to come
            # is not drawn as a deletion on every token.
            n = len(text)
            return SuggestionDiff(self.original[:n], text)
        return self.diff or SuggestionDiff(self.original, text)

    def finish(self, suggestion) -> None:
        self.suggestion = suggestion
        self.diff = SuggestionDiff(self.original, suggestion.text)
        self.state = READY

    def start_editing(self) -> str:
        self.edited_text = self.diff.result() if self.diff else self.text
        self.state = EDITING
        return self.edited_text

    def final_text(self, accept_all: bool = False) -> str:
        if self.state == EDITING and self.edited_text is not None:
            return self.edited_text
        assert self.diff is not None
        if accept_all:
            self.diff.accept_all()
        return self.diff.result()

    def outcome(self, final: str) -> str:
        return outcome(self.original, self.text, final)

    def record(self, final: str) -> dict:
        """The store record (``draftwheel.store.log_edit`` keyword arguments) for this outcome."""
        s = self.suggestion
        assert s is not None
        return {
            "task": self.task.name,
            "instruction": self.task.instruction,
            "input_text": self.original,
            "output_text": s.text,
            "final_text": final,
            "outcome": self.outcome(final),
            "model": s.model,
            "adapter": s.adapter,
            "stage": s.stage,
            "latency_ms": round(s.latency_ms, 1),
            "prompt_tokens": s.prompt_tokens,
            "output_tokens": s.output_tokens,
            "origin": "app",
        }
