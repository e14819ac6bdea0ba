"""Edit records: logging (with pause and redaction), listing, counting, deleting.

All functions take a caller-owned :class:`~sqlalchemy.orm.Session`; they
flush but never commit, so a caller can log several outcomes in one
transaction (``with store.session() as s, s.begin(): ...``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, event, func, or_, select, text
from sqlalchemy.orm import Session

from draftwheel.config import AppPaths, Settings, load_settings
from draftwheel.errors import InputError, NotFoundError
from draftwheel.store.db import bound_engine
from draftwheel.store.models import KEPT_OUTCOMES, ORIGINS, OUTCOMES, STAGES, Edit, Style
from draftwheel.store.redact import redact

# Columns a caller may set through log_edit / update_edit (id and created_at are the store's).
EDIT_FIELDS = (
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
    "source_doc",
    "source_start",
    "source_end",
    "pair_kind",
    "theme",
)
_REDACTED_FIELDS = ("instruction", "input_text", "output_text", "final_text")
log = logging.getLogger(__name__)


def settings_for(session: Session) -> Settings:
    """The settings of the data folder this session's database lives in.

    Read on each call (a few hundred microseconds), so pausing logging from the
    CLI takes effect in an app that is already running.
    """
    database = bound_engine(session).url.database
    assert database is not None  # the store is always a file
    return load_settings(AppPaths(Path(database).parent))


def validate_edit(values: dict[str, Any]) -> None:
    """Raise :class:`InputError` naming the first bad field of an edit record."""
    for key, allowed in (("outcome", OUTCOMES), ("stage", STAGES), ("origin", ORIGINS)):
        if key in values and values[key] not in allowed:
            raise InputError(f"{key} must be one of {', '.join(allowed)}; got {values[key]!r}.")
    for key in ("task", "input_text", "final_text"):
        if key in values and (not isinstance(values[key], str) or not values[key].strip()):
            raise InputError(f"{key} must be non-empty text.")
    start, end = values.get("source_start"), values.get("source_end")
    if start is not None and end is not None and not 0 <= start <= end:
        raise InputError(f"source_start/source_end must satisfy 0 <= start <= end; got {start}, {end}.")


def new_edit(*, redact_text: bool, **values: Any) -> Edit:
    """A validated (and optionally redacted) :class:`Edit`, not yet added to a session."""
    unknown = set(values) - set(EDIT_FIELDS)
    if unknown:
        raise TypeError(f"unknown edit fields: {sorted(unknown)}")
    values.setdefault("output_text", None)
    validate_edit({"stage": "zero", "origin": "app", **values})
    if redact_text:
        for key in _REDACTED_FIELDS:
            if values.get(key):
                values[key] = redact(values[key])
    return Edit(**values)


def log_edit(
    session: Session,
    *,
    task: str,
    input_text: str,
    final_text: str,
    outcome: str,
    settings: Settings | None = None,
    **fields: Any,
) -> Edit | None:
    """Store one outcome; returns the new :class:`Edit`, or None when logging is paused.

    ``fields`` are any other columns of :data:`EDIT_FIELDS` (``output_text``,
    ``instruction``, ``model``, ``stage``, ``origin``, ``latency_ms`` ...).
    ``settings`` defaults to those of the database's data folder; e-mail
    addresses, phone numbers and URLs are replaced first when ``redact`` is on.
    """
    settings = settings or settings_for(session)
    if settings.logging_paused:
        return None
    edit = new_edit(
        redact_text=settings.redact, task=task, input_text=input_text, final_text=final_text, outcome=outcome, **fields
    )
    edit.style_id = style_id_for(session, edit.task)
    session.add(edit)
    session.flush()
    return edit


def style_id_for(session: Session, task: str | None) -> int | None:
    """The id of the style whose key is ``task`` (None for ad-hoc instructions and unknown keys)."""
    if not task:
        return None
    return session.scalar(select(Style.id).where(Style.key == task))


def add_edits(session: Session, rows: Iterable[dict[str, Any]], settings: Settings | None = None) -> int:
    """Insert many edit records (dicts of :data:`EDIT_FIELDS`) in the caller's transaction.

    Used by import. Honours pause (returns 0) and redaction like :func:`log_edit`.
    Validation happens for every row before the first insert.
    """
    settings = settings or settings_for(session)
    if settings.logging_paused:
        return 0
    edits = [new_edit(redact_text=settings.redact, **row) for row in rows]
    ids: dict[str, int | None] = {}
    for edit in edits:
        if edit.task not in ids:
            ids[edit.task] = style_id_for(session, edit.task)
        edit.style_id = ids[edit.task]
    session.add_all(edits)
    session.flush()
    return len(edits)


def _filtered(stmt, task: str | None, outcomes: Sequence[str] | None, origin: str | None, search: str | None):
    if task:
        stmt = stmt.where(Edit.task == task)
    if outcomes:
        stmt = stmt.where(Edit.outcome.in_(list(outcomes)))
        if set(outcomes) <= set(KEPT_OUTCOMES):
            # An undone suggestion is no longer in the user's text: asking for kept edits (training,
            # export, the training counter, the stage) never returns it. The few-shot index leaves
            # it out too (its triggers, migrations 0002 and 0003).
            stmt = stmt.where(Edit.undone.is_(False))
    if origin:
        stmt = stmt.where(Edit.origin == origin)
    if search:
        like = f"%{search}%"
        stmt = stmt.where(or_(Edit.input_text.like(like), Edit.final_text.like(like)))
    return stmt


def list_edits(
    session: Session,
    task: str | None = None,
    outcomes: Sequence[str] | None = None,
    origin: str | None = None,
    search: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = True,
    training_only: bool = False,
) -> list[Edit]:
    """Edits matching all given filters (``search``: a substring of input or final text)."""
    stmt = _filtered(select(Edit), task, outcomes, origin, search)
    if training_only:
        stmt = stmt.where(Edit.include_in_training.is_(True))
    stmt = stmt.order_by(Edit.id.desc() if newest_first else Edit.id.asc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def count_edits(
    session: Session,
    task: str | None = None,
    outcomes: Sequence[str] | None = KEPT_OUTCOMES,
    origin: str | None = None,
) -> int:
    """How many edits match; by default the kept (accepted or edited) ones."""
    stmt = _filtered(select(func.count()).select_from(Edit), task, outcomes, origin, None)
    return int(session.scalar(stmt) or 0)


def count_kept_since(session: Session, task: str, since: datetime | None = None) -> int:
    """Kept edits of ``task`` that training would use, stored after ``since`` (UTC; None: all of them).

    Kept: accepted or edited, marked for training, and not undone (where the
    store records undo). Rejections never count; nothing is stored while
    logging is paused, so nothing from then counts either. Compared by time,
    not by subtracting totals, so deleting or excluding older edits cannot
    move the count.
    """
    stmt = _filtered(select(func.count()).select_from(Edit), task, KEPT_OUTCOMES, None, None)
    stmt = stmt.where(Edit.include_in_training.is_(True))
    undone = getattr(Edit, "undone", None)
    if undone is not None:
        stmt = stmt.where(undone.is_not(True))
    if since is not None:
        stmt = stmt.where(Edit.created_at > since)
    return int(session.scalar(stmt) or 0)


def task_counts(session: Session) -> dict[str, dict[str, int]]:
    """{task: {outcome: count}} over the whole store."""
    out: dict[str, dict[str, int]] = {}
    for task, outcome, n in session.execute(
        select(Edit.task, Edit.outcome, func.count()).group_by(Edit.task, Edit.outcome)
    ):
        out.setdefault(task, {})[outcome] = n
    return out


def get_edit(session: Session, edit_id: int) -> Edit:
    edit = session.get(Edit, edit_id)
    if edit is None:
        raise NotFoundError(f"No example with id {edit_id}.", "See `draftwheel examples list`.")
    return edit


def update_edit(session: Session, edit_id: int, **fields: Any) -> Edit:
    """Change fields of a stored edit (e.g. the user corrects the final text, or reviews a pending pair)."""
    unknown = set(fields) - set(EDIT_FIELDS)
    if unknown:
        raise TypeError(f"unknown edit fields: {sorted(unknown)}")
    validate_edit(fields)
    edit = get_edit(session, edit_id)
    if settings_for(session).redact:
        fields = {k: (redact(v) if k in _REDACTED_FIELDS else v) for k, v in fields.items()}
    for key, value in fields.items():
        setattr(edit, key, value)
    if "task" in fields:
        edit.style_id = style_id_for(session, edit.task)
    session.flush()
    return edit


def set_undone(session: Session, edit_id: int, undone: bool) -> Edit:
    """Mark an applied suggestion undone (the user pressed Undo) or back in the text (Redo)."""
    edit = get_edit(session, edit_id)
    edit.undone = bool(undone)
    session.flush()
    return edit


def delete_edit(session: Session, edit_id: int) -> None:
    session.delete(get_edit(session, edit_id))
    session.flush()


def delete_all(session: Session, task: str | None = None) -> int:
    """Delete every edit (or every edit of ``task``); returns how many.

    The rows really go: the store runs with ``secure_delete`` (freed pages are
    zeroed), and once the caller's transaction commits the file is VACUUMed and
    the WAL truncated, so no deleted text remains in the database files.
    """
    stmt = delete(Edit)
    if task:
        stmt = stmt.where(Edit.task == task)
    n = cast(CursorResult, session.execute(stmt)).rowcount or 0  # a DELETE's result has a rowcount
    if not task:
        # Everything is gone: rebuilding the (empty) index also drops FTS tombstones.
        session.execute(text("INSERT INTO edits_fts(edits_fts) VALUES('rebuild')"))
    bind = bound_engine(session)

    def _vacuum(_session: Session) -> None:
        try:
            with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception as exc:  # noqa: BLE001 - the rows are deleted (and zeroed) already
            # Another process reading right now can make VACUUM fail; the deleted
            # text is already overwritten (secure_delete), only not compacted.
            log.warning("deleted rows, but could not VACUUM %s now: %s", bind.url.database, exc)

    event.listen(session, "after_commit", _vacuum, once=True)
    return n


def speed_by_model(session: Session, last: int = 20) -> dict[str, float]:
    """Generation speed measured on this machine: output tokens per second over each model's last ``last`` edits.

    Only edits the app or CLI generated count (latency and tokens recorded);
    imported pairs carry neither.
    """
    rows = session.execute(
        select(Edit.model, Edit.output_tokens, Edit.latency_ms)
        .where(Edit.latency_ms > 0, Edit.output_tokens > 0, Edit.model != "")
        .order_by(Edit.id.desc())
    )
    sums: dict[str, list[float]] = {}
    for model, tokens, latency in rows:
        acc = sums.setdefault(model, [0, 0.0, 0])
        if acc[2] < last:
            acc[0] += tokens
            acc[1] += latency / 1000
            acc[2] += 1
    return {m: acc[0] / acc[1] for m, acc in sums.items() if acc[1] > 0}
