"""Style records: the built-in presets and the user's own named styles.

A style's ``key`` is a stable slug (``grammar``, ``work-e-mail``) and is the
``task`` of its edits, adapters and training runs; ``style_id`` on those rows
points at it. Renaming changes the ``name`` only, so nothing else moves.
Names are unique ignoring case, and also differ from every other style's key
(a style can be named by either). All functions take a caller-owned Session,
flush, never commit.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from draftwheel.errors import DraftwheelError, InputError, NotFoundError
from draftwheel.store.edits import delete_all
from draftwheel.store.models import Adapter, Edit, Style, TrainingRun, utcnow

# Seeded by migration 0004 (the five presets) and 0007 (voice and answer: the tasks of grounded pairs).
BUILTIN_KEYS = ("grammar", "clearer", "shorter", "formal", "friendly", "voice", "answer")
AD_HOC_TASK = "custom"  # an instruction typed for one revision, not (yet) a style
NAME_MAX = 64
_NAME_HINT = "Use letters, digits, spaces and simple punctuation, e.g. “Work e-mail”."
_SETTABLE = ("instruction", "description", "base_preset", "train_threshold", "auto_train")
_BUILTIN_SETTABLE = ("train_threshold", "auto_train")


def normalise_instruction(instruction: str | None) -> str:
    """How instructions are compared when custom edits are grouped: whitespace collapsed, case ignored."""
    return " ".join((instruction or "").split()).casefold()


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:48].strip("-")
    return slug or "style"


def check_name(name: Any) -> str:
    """The name, stripped; :class:`InputError` for an empty one, path characters or control characters."""
    if not isinstance(name, str) or not name.strip():
        raise InputError("A style needs a name.", _NAME_HINT)
    name = " ".join(name.split())
    if "\0" in name or any(unicodedata.category(c) == "Cc" for c in name):
        raise InputError(f"The style name {name!r} contains a control character.", _NAME_HINT)
    if "/" in name or "\\" in name or ".." in name or name in (".",):
        raise InputError(
            f"The style name {name!r} contains a path character (/ \\ ..); a style name is not a file name.",
            _NAME_HINT,
        )
    if len(name) > NAME_MAX:
        raise InputError(f"The style name is {len(name)} characters long; at most {NAME_MAX}.", "Choose a shorter one.")
    return name


def _check_instruction(instruction: Any) -> str:
    if not isinstance(instruction, str) or not instruction.strip():
        raise InputError(
            "A style needs an instruction: what should the model do with your text?",
            'Pass --instruction "Rewrite as a short, friendly work e-mail", for example.',
        )
    return instruction.strip()


# -- reading -------------------------------------------------------------------------


def list_styles(session: Session) -> list[Style]:
    """Built-in styles first (in the order they were seeded), then the user's in order of creation."""
    return list(session.scalars(select(Style).order_by(Style.builtin.desc(), Style.id)))


def style_by_key(session: Session, key: str) -> Style | None:
    return session.scalar(select(Style).where(Style.key == key))


def find_style(session: Session, name_or_key: str) -> Style | None:
    """The style with this key, or this name ignoring case; None if there is none."""
    wanted = " ".join((name_or_key or "").split())
    if not wanted:
        return None
    found = style_by_key(session, wanted)
    if found is not None:
        return found
    folded = wanted.casefold()
    for style in session.scalars(select(Style)):
        if style.name.casefold() == folded or style.key == folded:
            return style
    return None


def get_style(session: Session, name_or_key: str) -> Style:
    style = find_style(session, name_or_key)
    if style is None:
        raise NotFoundError(
            f"No style named {name_or_key!r}.",
            "See `draftwheel styles list`, or create it with `draftwheel styles add NAME --instruction TEXT`.",
        )
    return style


# -- writing -------------------------------------------------------------------------


def _taken_names(session: Session, other_than: int | None = None) -> set[str]:
    out: set[str] = {AD_HOC_TASK}
    for sid, name, key in session.execute(select(Style.id, Style.name, Style.key)):
        if sid != other_than:
            out.update((name.casefold(), key))
    return out


def _check_free(session: Session, name: str, other_than: int | None = None) -> None:
    if name.casefold() in _taken_names(session, other_than):
        raise DraftwheelError(
            f"A style named {name!r} exists already.",
            "Choose another name, or change that style with `draftwheel styles edit`.",
        )


def _unused_key(session: Session, name: str) -> str:
    """A slug of ``name`` that no style, edit, adapter or training run uses as its task yet."""
    taken = set(session.scalars(select(Style.key))) | {AD_HOC_TASK}
    for column in (Edit.task, Adapter.task, TrainingRun.task):
        taken.update(session.scalars(select(column).distinct()))
    base = slugify(name)
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def add_style(
    session: Session,
    *,
    name: str,
    instruction: str,
    description: str = "",
    base_preset: str | None = None,
    train_threshold: int | None = None,
    auto_train: bool = True,
) -> Style:
    """A new user style (its key a fresh slug of the name); bad or duplicate names are refused."""
    name = check_name(name)
    instruction = _check_instruction(instruction)
    _check_free(session, name)
    _check_threshold(train_threshold)
    now = utcnow()
    style = Style(
        key=_unused_key(session, name),
        name=name,
        instruction=instruction,
        description=(description or "").strip(),
        base_preset=base_preset or None,
        train_threshold=train_threshold,
        auto_train=bool(auto_train),
        builtin=False,
        created_at=now,
        updated_at=now,
    )
    session.add(style)
    session.flush()
    return style


def ensure_builtin_styles(session: Session, keys: list[str] | tuple[str, ...]) -> int:
    """Built-in rows for preset names that have none yet (a preset file added after the store was made)."""
    have = set(session.scalars(select(Style.key)))
    names = {n.casefold() for n in session.scalars(select(Style.name))}
    added = 0
    for key in keys:
        if key in have or key.casefold() in names:
            continue
        now = utcnow()
        session.add(Style(key=key, name=key, base_preset=key, builtin=True, created_at=now, updated_at=now))
        added += 1
    if added:
        session.flush()
        for table in (Edit, Adapter, TrainingRun):
            for style in session.scalars(select(Style).where(Style.key.in_(list(keys)))):
                session.execute(
                    update(table).where(table.task == style.key, table.style_id.is_(None)).values(style_id=style.id)
                )
    return added


def _check_threshold(value: int | None) -> None:
    if value is not None and (not isinstance(value, int) or value < 1):
        raise InputError(f"A training threshold must be a whole number of edits, at least 1; got {value!r}.")


def update_style(session: Session, name_or_key: str, **fields: Any) -> Style:
    """Change a style's instruction, description, base preset, threshold or auto-train flag.

    A built-in style keeps its preset's instruction; only its threshold and
    auto-train flag change.
    """
    unknown = set(fields) - set(_SETTABLE)
    if unknown:
        raise TypeError(f"unknown style fields: {sorted(unknown)}")
    style = get_style(session, name_or_key)
    if style.builtin and set(fields) - set(_BUILTIN_SETTABLE):
        raise DraftwheelError(
            f"“{style.name}” is a built-in style: its instruction comes from its preset.",
            f"Make your own from it: `draftwheel styles add NAME --from {style.key} --instruction TEXT`.",
        )
    if "instruction" in fields:
        fields["instruction"] = _check_instruction(fields["instruction"])
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    if "train_threshold" in fields:
        _check_threshold(fields["train_threshold"])
    for key, value in fields.items():
        setattr(style, key, value)
    style.updated_at = utcnow()
    session.flush()
    return style


def rename_style(session: Session, old: str, new: str) -> Style:
    """Rename a user style (its key, and so its edits and adapters, stay as they are)."""
    style = get_style(session, old)
    if style.builtin:
        raise DraftwheelError(
            f"“{style.name}” is a built-in style and keeps its name.",
            f"Make your own from it: `draftwheel styles add NAME --from {style.key} --instruction TEXT`.",
        )
    new = check_name(new)
    _check_free(session, new, other_than=style.id)
    style.name = new
    style.updated_at = utcnow()
    session.flush()
    return style


def delete_style(session: Session, name_or_key: str, *, delete_edits: bool = False) -> dict[str, int]:
    """Delete a user style; its edits stay (detached, under its key) unless ``delete_edits``.

    Returns {"edits": n kept or deleted, "deleted_edits": n deleted}. Whether an
    adapter of the style is in use or it is training is the caller's check
    (``flywheel.styles``); built-in styles are refused here.
    """
    style = get_style(session, name_or_key)
    if style.builtin:
        raise DraftwheelError(
            f"“{style.name}” is a built-in style and cannot be deleted.",
            "Turn its automatic training off instead: `draftwheel styles edit NAME --no-auto-train`.",
        )
    n_edits = len(list(session.scalars(select(Edit.id).where(Edit.task == style.key))))
    deleted = 0
    if delete_edits:
        deleted = delete_all(session, task=style.key)  # zeroed and VACUUMed after the commit
    for table in (Edit, Adapter, TrainingRun):
        session.execute(update(table).where(table.style_id == style.id).values(style_id=None))
    session.delete(style)
    session.flush()
    return {"edits": n_edits, "deleted_edits": deleted}


def adopt_custom_edits(session: Session, style: Style) -> int:
    """Move the ad-hoc ``custom`` edits whose instruction is the style's (as migration 0004 groups
    them) into the style; returns how many."""
    wanted = normalise_instruction(style.instruction)
    ids = [
        edit_id
        for edit_id, instruction in session.execute(select(Edit.id, Edit.instruction).where(Edit.task == AD_HOC_TASK))
        if normalise_instruction(instruction) == wanted
    ]
    if ids:
        session.execute(update(Edit).where(Edit.id.in_(ids)).values(task=style.key, style_id=style.id))
        session.flush()
    return len(ids)
