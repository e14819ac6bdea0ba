"""Grounded pairs in the store: saving a batch atomically, listing, reviewing.

Pairs are ``edits`` rows with ``origin='grounded'`` and ``outcome='pending'``
until reviewed: accept -> ``accepted`` (final text = the generated answer),
edit -> ``edited`` with the user's final text, reject -> ``rejected`` (and
left out of training). ``include_in_training`` can be toggled on any of them.
Built on the store's helpers (``log_edit``, ``list_edits``, ``update_edit``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from draftwheel.errors import InputError, NotFoundError
from draftwheel.ground.generate import Pair
from draftwheel.store import Edit, get_edit, list_edits, log_edit, settings_for, update_edit

ORIGIN = "grounded"
REVIEW_STATES = ("pending", "accepted", "edited", "rejected")


def store_pairs(store, pairs: list[Pair]) -> list[int]:
    """Save ``pairs`` as pending grounded edits in ONE transaction; returns their ids.

    Any failure rolls the whole batch back (nothing half-stored) and re-raises.
    Grounded generation is an explicit request, so it stores even while
    everyday logging is paused; the redaction setting still applies.
    """
    if not pairs:
        return []
    with store.session() as s, s.begin():
        settings = dataclasses.replace(settings_for(s), logging_paused=False)
        rows = [log_edit(s, settings=settings, **p.edit_fields()) for p in pairs]
        ids = [row.id for row in rows if row is not None]
    return ids


def existing_pair_texts(store, limit: int = 5000) -> list[str]:
    """Input + final text of stored grounded pairs (newest first), for near-duplicate removal across runs."""
    with store.session() as s:
        return [f"{e.input_text} {e.output_text or e.final_text}" for e in list_edits(s, origin=ORIGIN, limit=limit)]


def list_pairs(
    session: Session, states: Sequence[str] | None = ("pending",), limit: int | None = None, kind: str | None = None
) -> list[Edit]:
    """Grounded pairs in the given review states (all states for None), oldest first."""
    if states:
        bad = [s for s in states if s not in REVIEW_STATES]
        if bad:
            raise InputError(f"Unknown review state(s): {', '.join(bad)}.", f"Use {', '.join(REVIEW_STATES)}.")
    rows = list_edits(session, origin=ORIGIN, outcomes=list(states) if states else None, newest_first=False)
    if kind:
        rows = [r for r in rows if r.pair_kind == kind]
    return rows[:limit] if limit is not None else rows


def _grounded(session: Session, edit_id: int) -> Edit:
    edit = get_edit(session, edit_id)
    if edit.origin != ORIGIN:
        raise NotFoundError(
            f"Example {edit_id} is not a grounded pair (its origin is {edit.origin!r}).",
            "See `draftwheel ground review --all`.",
        )
    return edit


def _reinclude(edit: Edit) -> dict:
    # A rejected pair was taken out of training; accepting or editing it later puts it back.
    return {"include_in_training": True} if edit.outcome == "rejected" else {}


def accept(session: Session, ids: Iterable[int]) -> None:
    """Accept pairs as generated: final text = the generated answer."""
    for i in ids:
        edit = _grounded(session, i)
        update_edit(session, i, outcome="accepted", final_text=edit.output_text or edit.final_text, **_reinclude(edit))


def reject(session: Session, ids: Iterable[int]) -> None:
    """Reject pairs: kept for the record, never used for training."""
    for i in ids:
        _grounded(session, i)
        update_edit(session, i, outcome="rejected", include_in_training=False)


def edit(session: Session, edit_id: int, final_text: str) -> None:
    """The user's corrected answer becomes the final text (outcome ``edited``)."""
    if not final_text or not final_text.strip():
        raise InputError(
            "The edited text is empty.", "Pass the corrected answer with --final TEXT, or reject the pair."
        )
    pair = _grounded(session, edit_id)
    update_edit(session, edit_id, outcome="edited", final_text=final_text.strip(), **_reinclude(pair))


def set_included(session: Session, ids: Iterable[int], include: bool) -> None:
    for i in ids:
        _grounded(session, i)
        update_edit(session, i, include_in_training=include)


def review(
    store,
    *,
    accept_ids: Sequence[int] = (),
    reject_ids: Sequence[int] = (),
    edits: dict[int, str] | None = None,
    include_ids: Sequence[int] = (),
    exclude_ids: Sequence[int] = (),
) -> dict[str, int]:
    """Apply a whole review in one transaction: an unknown id changes nothing at all."""
    edits = edits or {}
    overlap = (set(accept_ids) & set(reject_ids)) | (set(edits) & (set(accept_ids) | set(reject_ids)))
    if overlap:
        raise InputError(
            f"Pair(s) {', '.join(map(str, sorted(overlap)))} given more than one verdict.",
            "Accept, edit or reject each pair once.",
        )
    both = set(include_ids) & set(exclude_ids)
    if both:
        raise InputError(f"Pair(s) {', '.join(map(str, sorted(both)))} both included and excluded.")
    with store.session() as s, s.begin():
        accept(s, accept_ids)
        reject(s, reject_ids)
        for i, text in edits.items():
            edit(s, i, text)
        set_included(s, include_ids, True)
        set_included(s, exclude_ids, False)
    return {
        "accepted": len(accept_ids),
        "rejected": len(reject_ids),
        "edited": len(edits),
        "included": len(include_ids),
        "excluded": len(exclude_ids),
    }


def pair_record(e: Edit) -> dict:
    """A plain dict of a stored pair (for the CLI's --json and the GUI; no ORM object crosses threads)."""
    return {
        "id": e.id,
        "kind": e.pair_kind,
        "theme": e.theme,
        "task": e.task,
        "outcome": e.outcome,
        "include_in_training": bool(e.include_in_training),
        "instruction": e.instruction,
        "input": e.input_text,
        "output": e.output_text,
        "final": e.final_text,
        "source_doc": e.source_doc,
        "source_start": e.source_start,
        "source_end": e.source_end,
        "model": e.model,
        "created_at": e.created_at.isoformat(timespec="seconds") if e.created_at else None,
    }
