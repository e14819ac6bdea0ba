"""Training-run records: progress, outcome and held-out scores of each training attempt."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from draftwheel.errors import DraftwheelError, NotFoundError
from draftwheel.store.edits import count_edits, style_id_for
from draftwheel.store.models import RUN_STATUSES, TrainingRun, utcnow


def start_run(
    session: Session,
    task: str,
    *,
    steps_total: int = 0,
    n_train: int = 0,
    n_heldout: int = 0,
    adapter_name: str | None = None,
    edits_at_start: int | None = None,
    message: str = "",
) -> TrainingRun:
    """Record a run as ``running``; ``edits_at_start`` defaults to the task's kept edits now."""
    if edits_at_start is None:
        edits_at_start = count_edits(session, task)
    run = TrainingRun(
        task=task,
        style_id=style_id_for(session, task),
        status="running",
        steps_total=steps_total,
        n_train=n_train,
        n_heldout=n_heldout,
        adapter_name=adapter_name,
        edits_at_start=edits_at_start,
        scores={},
        message=message,
        started_at=utcnow(),
    )
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: int) -> TrainingRun:
    run = session.get(TrainingRun, run_id)
    if run is None:
        raise NotFoundError(f"No training run with id {run_id}.")
    return run


def update_run(session: Session, run_id: int, **fields: Any) -> TrainingRun:
    """Progress updates while running (``steps_done``, ``final_loss``, ``message`` ...)."""
    run = get_run(session, run_id)
    for key, value in fields.items():
        if key == "id" or not hasattr(TrainingRun, key):
            raise TypeError(f"cannot set training-run field {key!r}")
        setattr(run, key, value)
    if run.status not in RUN_STATUSES:
        raise DraftwheelError(f"Run status must be one of {', '.join(RUN_STATUSES)}; got {run.status!r}.")
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    status: str,
    *,
    final_loss: float | None = None,
    scores: dict[str, Any] | None = None,
    message: str = "",
    adapter_name: str | None = None,
    steps_done: int | None = None,
) -> TrainingRun:
    """Close a run as ``done``, ``failed`` or ``cancelled`` with its scores and a message."""
    if status not in ("done", "failed", "cancelled"):
        raise DraftwheelError(f"A finished run is done, failed or cancelled; got {status!r}.")
    run = get_run(session, run_id)
    run.status = status
    run.finished_at = utcnow()
    if final_loss is not None:
        run.final_loss = final_loss
    if scores is not None:
        run.scores = dict(scores)
    if message:
        run.message = message
    if adapter_name is not None:
        run.adapter_name = adapter_name
    if steps_done is not None:
        run.steps_done = steps_done
    session.flush()
    return run


def list_runs(
    session: Session, task: str | None = None, limit: int | None = None, statuses: tuple[str, ...] | None = None
) -> list[TrainingRun]:
    """Runs, newest first."""
    stmt = select(TrainingRun).order_by(TrainingRun.id.desc())
    if task:
        stmt = stmt.where(TrainingRun.task == task)
    if statuses:
        stmt = stmt.where(TrainingRun.status.in_(statuses))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def last_run(session: Session, task: str, statuses: tuple[str, ...] | None = None) -> TrainingRun | None:
    runs = list_runs(session, task, limit=1, statuses=statuses)
    return runs[0] if runs else None
