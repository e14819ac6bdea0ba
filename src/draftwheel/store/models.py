"""SQLAlchemy 2.0 models: styles, edits, adapters, training runs.

Times are stored as naive UTC ``datetime``s (SQLite has no time zones);
:func:`utcnow` is the one place they are made. The tables themselves are
created by the Alembic revisions in ``migrations/``, never by
``metadata.create_all``, so the schema has one history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

OUTCOMES = ("accepted", "edited", "rejected", "pending")
# Outcomes whose final text is something the user wanted: few-shot examples and training data.
KEPT_OUTCOMES = ("accepted", "edited")
STAGES = ("zero", "few", "lora", "rules")  # "rules": a fix from the live checker (Harper)
ORIGINS = ("app", "cli", "import", "grounded")
RUN_STATUSES = ("running", "done", "failed", "cancelled")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Style(Base):
    """A named way of revising: a built-in preset or the user's own (migration 0004).

    ``key`` is the style's stable slug and the ``task`` of its edits, adapters
    and training runs (never changes, renaming changes ``name`` only). A built-in
    style's prompt comes from its preset file (``instruction`` is empty there).
    """

    __tablename__ = "styles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    instruction: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")  # the voice, in the user's words
    base_preset: Mapped[str | None] = mapped_column(String(64), nullable=True)
    train_threshold: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the settings' default
    auto_train: Mapped[bool] = mapped_column(Boolean, default=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"Style(key={self.key!r}, name={self.name!r}, builtin={self.builtin})"


class Edit(Base):
    """One revision outcome: what went in, what the model said, what the user kept."""

    __tablename__ = "edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    task: Mapped[str] = mapped_column(String(64), index=True)  # the style's key (migration 0004)
    style_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    instruction: Mapped[str] = mapped_column(Text, default="")
    input_text: Mapped[str] = mapped_column(Text)
    output_text: Mapped[str | None] = mapped_column(Text, nullable=True)  # model suggestion
    final_text: Mapped[str] = mapped_column(Text)  # what the user kept
    outcome: Mapped[str] = mapped_column(String(16))  # one of OUTCOMES
    model: Mapped[str] = mapped_column(String(255), default="")
    adapter: Mapped[str | None] = mapped_column(String(255), nullable=True)
    stage: Mapped[str] = mapped_column(String(8), default="zero")  # one of STAGES
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(16), default="app")  # one of ORIGINS
    include_in_training: Mapped[bool] = mapped_column(Boolean, default=True)
    # The user undid the applied suggestion (redo clears it): not a kept edit (migration 0002).
    undone: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Provenance of grounded pairs: document, character offsets [start, end) of the passage.
    source_doc: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pair_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    theme: Mapped[str | None] = mapped_column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"Edit(id={self.id}, task={self.task!r}, outcome={self.outcome!r}, stage={self.stage!r})"


class Adapter(Base):
    """A trained LoRA adapter; ``path`` is its folder (weights + self-describing JSON)."""

    __tablename__ = "adapters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    task: Mapped[str] = mapped_column(String(64), index=True)
    style_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    base_model_sha256: Mapped[str] = mapped_column(String(64))
    base_model_name: Mapped[str] = mapped_column(String(255), default="")
    path: Mapped[str] = mapped_column(Text)
    rank: Mapped[int] = mapped_column(Integer, default=8)
    alpha: Mapped[float] = mapped_column(Float, default=16.0)
    n_train: Mapped[int] = mapped_column(Integer, default=0)
    steps: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"Adapter(name={self.name!r}, task={self.task!r}, promoted={self.promoted})"


class TrainingRun(Base):
    """One training attempt for a task, with progress and held-out scores."""

    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task: Mapped[str] = mapped_column(String(64), index=True)
    style_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    adapter_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="running")  # one of RUN_STATUSES
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=0)
    n_train: Mapped[int] = mapped_column(Integer, default=0)
    n_heldout: Mapped[int] = mapped_column(Integer, default=0)
    final_loss: Mapped[float | None] = mapped_column(Float, nullable=True)
    # e.g. {"baseline": {"chrf": .., "gleu": .., "stage": "few"}, "adapter": {...}}
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    # Accepted/edited edits of the task when the run started (the training trigger counts from here).
    edits_at_start: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"TrainingRun(id={self.id}, task={self.task!r}, status={self.status!r})"


class PassageDoc(Base):
    """One indexed document of an imported folder, for "Ask my writing" (migration 0006).

    ``size``/``mtime_ns``/``sha256`` are the file as it was indexed: a
    re-import re-reads a file only when size or mtime changed, and re-splits it
    only when its content hash changed too.
    """

    __tablename__ = "passage_docs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folder: Mapped[str] = mapped_column(Text)  # absolute path of the imported folder
    rel: Mapped[str] = mapped_column(Text)  # path relative to the folder (shown to the user)
    path: Mapped[str] = mapped_column(Text)  # absolute path of the file (opened on click)
    size: Mapped[int] = mapped_column(Integer, default=0)
    mtime_ns: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    indexed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"PassageDoc(folder={self.folder!r}, rel={self.rel!r})"


class PassageRow(Base):
    """One passage of an indexed document: offsets into the document's extracted text (``ground.documents``)."""

    __tablename__ = "passages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[int] = mapped_column(Integer, index=True)  # passage_docs.id, ON DELETE CASCADE
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
