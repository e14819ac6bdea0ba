"""Adapter records: which LoRA adapters exist, for which task and base, and which is promoted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from draftwheel.errors import DraftwheelError, NotFoundError
from draftwheel.store.edits import style_id_for
from draftwheel.store.models import Adapter


def add_adapter(
    session: Session,
    *,
    name: str,
    task: str,
    base_model_sha256: str,
    path: str | Path,
    base_model_name: str = "",
    rank: int = 8,
    alpha: float = 16.0,
    n_train: int = 0,
    steps: int = 0,
    scores: dict[str, Any] | None = None,
    promoted: bool = False,
) -> Adapter:
    """Record a finished adapter; a name already in use is a :class:`DraftwheelError`."""
    if not name.strip():
        raise DraftwheelError("An adapter needs a name.")
    if session.scalar(select(Adapter.id).where(Adapter.name == name)) is not None:
        raise DraftwheelError(f"An adapter named {name!r} already exists.", "Choose another name.")
    adapter = Adapter(
        name=name,
        task=task,
        style_id=style_id_for(session, task),
        base_model_sha256=base_model_sha256,
        base_model_name=base_model_name,
        path=str(path),
        rank=rank,
        alpha=alpha,
        n_train=n_train,
        steps=steps,
        scores=dict(scores or {}),
        promoted=False,
    )
    session.add(adapter)
    session.flush()
    if promoted:
        promote_adapter(session, name)
    return adapter


def list_adapters(session: Session, task: str | None = None, base_model_sha256: str | None = None) -> list[Adapter]:
    stmt = select(Adapter).order_by(Adapter.created_at.desc(), Adapter.id.desc())
    if task:
        stmt = stmt.where(Adapter.task == task)
    if base_model_sha256:
        stmt = stmt.where(Adapter.base_model_sha256 == base_model_sha256)
    return list(session.scalars(stmt))


def get_adapter(session: Session, name: str) -> Adapter:
    adapter = session.scalar(select(Adapter).where(Adapter.name == name))
    if adapter is None:
        raise NotFoundError(f"No adapter named {name!r}.", "See `draftwheel adapters list`.")
    return adapter


def promoted_adapter(session: Session, task: str, base_model_sha256: str | None = None) -> Adapter | None:
    """The promoted adapter of ``task`` (for that base model, if given), or None."""
    stmt = select(Adapter).where(Adapter.task == task, Adapter.promoted.is_(True))
    if base_model_sha256:
        stmt = stmt.where(Adapter.base_model_sha256 == base_model_sha256)
    return session.scalars(stmt.order_by(Adapter.id.desc()).limit(1)).first()


def promote_adapter(session: Session, name: str) -> Adapter:
    """Make ``name`` the promoted adapter of its task (and base model); others of that task step down."""
    adapter = get_adapter(session, name)
    for other in session.scalars(
        select(Adapter).where(
            Adapter.task == adapter.task,
            Adapter.base_model_sha256 == adapter.base_model_sha256,
            Adapter.promoted.is_(True),
            Adapter.id != adapter.id,
        )
    ):
        other.promoted = False
    adapter.promoted = True
    session.flush()
    return adapter


def demote_adapter(session: Session, name: str) -> Adapter:
    adapter = get_adapter(session, name)
    adapter.promoted = False
    session.flush()
    return adapter


def rename_adapter(session: Session, old: str, new: str) -> Adapter:
    adapter = get_adapter(session, old)
    if old == new:
        return adapter
    if not new.strip():
        raise DraftwheelError("An adapter needs a name.")
    if session.scalar(select(Adapter.id).where(Adapter.name == new)) is not None:
        raise DraftwheelError(f"An adapter named {new!r} already exists.", "Choose another name.")
    adapter.name = new
    session.flush()
    return adapter


def update_adapter(session: Session, name: str, **fields: Any) -> Adapter:
    """Change recorded fields (e.g. ``scores``, ``path``) of an adapter."""
    adapter = get_adapter(session, name)
    for key, value in fields.items():
        if key in ("id", "name") or not hasattr(Adapter, key):
            raise TypeError(f"cannot set adapter field {key!r}")
        setattr(adapter, key, value)
    session.flush()
    return adapter


def delete_adapter(session: Session, name: str) -> Adapter:
    """Remove the record (the caller removes the folder); returns the deleted record."""
    adapter = get_adapter(session, name)
    session.delete(adapter)
    session.flush()
    return adapter
