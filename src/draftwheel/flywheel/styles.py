"""Styles as the flywheel's unit: which prompt a style makes, which style a command means, and what
may be done to one (its adapter in use, its training running).

A style's key is the ``task`` everything else is keyed by (few-shot
retrieval, the training counter, training, evaluation, promotion, the
adapter registry), so once a command has the style's :class:`Task`
(``name`` = key, ``label`` = the style's name), the rest of the flywheel
works per style unchanged. Built-in styles make exactly their preset's Task;
a user style makes ``Task(key, name, instruction [+ voice], demo=None)`` — the
same text training renders (``train.dataset.Pair`` with that instruction), so
an adapter sees at inference the prompt it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

import draftwheel.store as st
from draftwheel.config.paths import AppPaths
from draftwheel.errors import DraftwheelError, InputError, NotFoundError
from draftwheel.prompts import Task, custom_task, tasks
from draftwheel.store import Style

DEFAULT_TASK = "grammar"


def sync_builtins(session: Session) -> None:
    """A built-in style row for every preset file (a packager may add presets after the store was made)."""
    st.ensure_builtin_styles(session, list(tasks()))


def prompt_instruction(style: Style) -> str:
    """The instruction the model sees for a user style: its instruction, then its voice if described."""
    text = " ".join(style.instruction.split())
    voice = " ".join((style.description or "").split())
    return f"{text} Voice: {voice}" if voice else text


def style_task(style: Style) -> Task:
    """The prompt task of ``style`` (a built-in one is its preset)."""
    if style.builtin:
        presets = tasks()
        if style.key in presets:
            return presets[style.key]
        raise NotFoundError(
            f"The preset of the built-in style {style.name!r} is missing.",
            "The installation is incomplete; reinstall Draftwheel.",
        )
    return Task(style.key, style.name, prompt_instruction(style))


def label(session: Session, key: str) -> str:
    """The words the user knows a style by: a preset's label ("Fix grammar") or the style's name."""
    presets = tasks()
    if key in presets:
        return presets[key].label
    style = st.style_by_key(session, key)
    return style.name if style is not None else key


def task_for_key(session: Session, key: str) -> Task:
    """The Task of a stored key (a preset, or a user style's key)."""
    presets = tasks()
    if key in presets:
        return presets[key]
    style = st.style_by_key(session, key)
    if style is None:
        raise NotFoundError(f"No style with the key {key!r}.", "See `draftwheel styles list`.")
    return style_task(style)


def preset_by_label(name: str) -> Task | None:
    """The preset the toolbar shows as ``name`` ("In my voice"), case ignored: the store knows built-in
    styles by their keys only, yet the user names them as they see them."""
    wanted = " ".join((name or "").split()).casefold()
    return next((t for t in tasks().values() if wanted and t.label.casefold() == wanted), None)


def resolve(
    session: Session, *, task: str | None = None, style: str | None = None, instruction: str | None = None
) -> Task:
    """The Task a command means: ``--style NAME`` (name or key), ``--instruction TEXT`` (an ad-hoc
    instruction, task ``custom``), or ``--task NAME`` (a preset, or any style's key); default grammar."""
    given = [x for x in (task, style, instruction) if x]
    if len(given) > 1:
        raise InputError("Give one of --task, --style and --instruction.", "--style NAME names any style.")
    if instruction:
        return custom_task(instruction)
    presets = tasks()
    if style:
        by_label = preset_by_label(style)
        if by_label is not None:
            return by_label
        sync_builtins(session)
        return style_task(st.get_style(session, style))
    name = task or DEFAULT_TASK
    if name in presets:
        return presets[name]
    found = st.find_style(session, name)
    if found is None:
        raise NotFoundError(
            f"Unknown task {name!r}.",
            f"Use a preset ({', '.join(presets)}), a style of `draftwheel styles list` with --style NAME, "
            "or give your own with --instruction TEXT.",
        )
    return style_task(found)


def resolve_in(
    paths: AppPaths, *, task: str | None = None, style: str | None = None, instruction: str | None = None
) -> Task:
    """:func:`resolve` in its own store session (presets and ad-hoc instructions need no store)."""
    if instruction and not (task or style):
        return custom_task(instruction)
    if task in tasks() and not (style or instruction):
        return tasks()[str(task)]
    store = st.open_store(paths)
    try:
        with store.session() as s, s.begin():
            return resolve(s, task=task, style=style, instruction=instruction)
    finally:
        store.close()


# -- per-style training settings ----------------------------------------------------------


def threshold_of(session: Session, key: str, default: int) -> int:
    """The style's own training threshold, else ``default`` (the settings')."""
    style = st.style_by_key(session, key)
    return style.train_threshold if style is not None and style.train_threshold else default


def auto_trains(session: Session, key: str) -> bool:
    """False when the style's automatic training is switched off."""
    style = st.style_by_key(session, key)
    return style is None or bool(style.auto_train)


# -- creating and deleting ------------------------------------------------------------------


def check_not_a_preset(name: str) -> None:
    """Refuse a user style named like a built-in one as the toolbar shows it ("Fix grammar"): the
    store knows the built-in styles by their keys only, and two "Fix grammar" buttons would be one
    too many."""
    task = preset_by_label(name)
    if task is not None:
        raise DraftwheelError(
            f"A style named {task.label!r} exists already (a built-in style).",
            "Choose another name, or change that style with `draftwheel styles edit`.",
        )


def rename(session: Session, old: str, new: str) -> Style:
    """Rename a user style (see ``store.rename_style``), refusing a built-in style's label too."""
    check_not_a_preset(new)
    return st.rename_style(session, old, new)


def create(
    session: Session,
    *,
    name: str,
    instruction: str | None = None,
    description: str = "",
    base_preset: str | None = None,
    train_threshold: int | None = None,
    auto_train: bool = True,
) -> tuple[Style, int]:
    """A new user style, and how many ad-hoc edits of its instruction it took over.

    ``base_preset``: a preset it starts from; its instruction is the default.
    """
    check_not_a_preset(name)
    presets = tasks()
    if base_preset:
        base = st.find_style(session, base_preset)
        key = base.key if base is not None and base.builtin else base_preset
        if key not in presets:
            raise NotFoundError(f"No preset {base_preset!r} to start from.", f"Use one of {', '.join(presets)}.")
        base_preset = key
        instruction = instruction or presets[key].instruction
    sync_builtins(session)
    style = st.add_style(
        session,
        name=name,
        instruction=instruction or "",
        description=description,
        base_preset=base_preset,
        train_threshold=train_threshold,
        auto_train=auto_train,
    )
    return style, st.adopt_custom_edits(session, style)


def training_of(paths: AppPaths, key: str) -> dict | None:
    """The training process now running for the style ``key`` (its lock's record), or None."""
    try:
        from draftwheel.train import background
    except ImportError:  # pragma: no cover - the train package is part of the app
        return None
    owner = background.running(paths)
    return owner if owner and owner.get("task") == key else None


def check_deletable(paths: AppPaths, session: Session, style: Style, adapter_in_use: str = "") -> None:
    """Refuse (DraftwheelError with a hint) to delete a built-in style, one whose adapter is the one in
    use, or one that is training now."""
    if style.builtin:
        raise DraftwheelError(
            f"“{style.name}” is a built-in style and cannot be deleted.",
            f"Turn its automatic training off instead: `draftwheel styles edit {style.key} --no-auto-train`.",
        )
    if adapter_in_use:
        from draftwheel.models.adapter_registry import list_adapters

        if any(a.name == adapter_in_use for a in list_adapters(paths, style.key)):
            raise DraftwheelError(
                f"The style “{style.name}” has the adapter in use ({adapter_in_use!r}); nothing was deleted.",
                "Switch to another one first: `draftwheel adapters use base` (or another adapter).",
            )
    if training_of(paths, style.key) is not None:
        raise DraftwheelError(
            f"The style “{style.name}” is training now; nothing was deleted.",
            "Wait for the training to finish, or stop it with `draftwheel train --cancel`.",
        )


def delete(
    paths: AppPaths, session: Session, name: str, *, delete_edits: bool = False, adapter_in_use: str = ""
) -> dict[str, Any]:
    """Delete a user style after :func:`check_deletable`; its edits stay unless ``delete_edits``,
    its adapters stay (under its key). Returns counts for the message."""
    style = st.get_style(session, name)
    check_deletable(paths, session, style, adapter_in_use)
    from draftwheel.models.adapter_registry import list_adapters

    n_adapters = len(list_adapters(paths, style.key))
    out: dict[str, Any] = {"name": style.name, "key": style.key, "adapters": n_adapters}
    out.update(st.delete_style(session, style.key, delete_edits=delete_edits))
    return out


# -- describing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StyleSummary:
    """One row of ``draftwheel styles list`` (and the app's toolbar)."""

    key: str
    name: str
    label: str
    instruction: str
    description: str
    base_preset: str | None
    builtin: bool
    train_threshold: int
    auto_train: bool
    kept: int  # kept edits of the style
    until_training: int  # kept edits until its next training (0 = due)
    stage: str  # zero | few | lora (auto mode, any base model)
    shortcut: str = ""

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def definition(style: Style) -> dict[str, Any]:
    """What travels with an exported adapter: enough to make the style again elsewhere."""
    task = style_task(style)
    return {
        "key": style.key,
        "name": style.name,
        "instruction": style.instruction or task.instruction,
        "description": style.description or "",
        "base_preset": style.base_preset,
        "builtin": bool(style.builtin),
    }


def summaries(session: Session, default_threshold: int) -> list[StyleSummary]:
    """Every style with its counters, built-in ones first; the first nine get Ctrl+1 … Ctrl+9."""
    from draftwheel.flywheel.policy import choose_stage, edits_until_training

    sync_builtins(session)
    out: list[StyleSummary] = []
    n = 0
    for style in st.list_styles(session):
        try:
            task = style_task(style)
        except NotFoundError:
            continue
        n += 0 if task.answers else 1  # as the toolbar: an answering style has no button, so no shortcut
        threshold = style.train_threshold or default_threshold
        out.append(
            StyleSummary(
                key=style.key,
                name=style.name,
                label=task.label,
                instruction=task.instruction,
                description=style.description or "",
                base_preset=style.base_preset,
                builtin=bool(style.builtin),
                train_threshold=threshold,
                auto_train=bool(style.auto_train),
                kept=st.count_edits(session, style.key),
                until_training=edits_until_training(session, style.key, threshold),
                stage=choose_stage(session, style.key),
                shortcut=f"Ctrl+{n}" if n <= 9 and not task.answers else "",
            )
        )
    return out
