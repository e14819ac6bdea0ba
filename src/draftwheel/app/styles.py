"""The window's styles, in plain Python: the toolbar's styles and their shortcuts, "New style…" from
the custom instruction, the adapter switcher's choices for the current style, and the status line
"style · stage · N edits until training".

Each call opens the store for a moment (the window calls these on user actions, not per keystroke).
A store that cannot be opened leaves the presets, so the window always has its five styles.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from draftwheel.config.paths import AppPaths
from draftwheel.errors import DraftwheelError, InputError
from draftwheel.prompts import Task, tasks

log = logging.getLogger(__name__)

MAX_SHORTCUTS = 9  # Ctrl+1 … Ctrl+9
AUTOMATIC = ""  # the switcher's choice for "the style's promoted adapter, if any"
STAGE_WORDS = {"zero": "zero-shot", "few": "few-shot", "lora": "personal adapter"}
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


@dataclass(frozen=True)
class ToolbarStyle:
    """One style's toolbar entry: its prompt task (``name`` = the style's key), shortcut, kind."""

    task: Task
    shortcut: str
    builtin: bool

    @property
    def key(self) -> str:
        return self.task.name


def suggested_name(instruction: str) -> str:
    """A style name from an instruction's first words (as migration 0004 named custom instructions)."""
    name = ""
    for w in _WORD.findall(instruction or "")[:5]:
        if len(name) + len(w) + 1 > 40:
            break
        name = f"{name} {w}".strip()
    return (name[:1].upper() + name[1:]) if name else "My style"


def for_style(choices: list, key: str, chosen: str = "") -> list:
    """The switcher's adapters for the current style ``key``: those of that style, plus the one chosen
    now if it belongs to another (so the box can still show what is in use). ``choices`` are objects
    with ``name`` and ``task`` (the workers' ``AdapterChoice``)."""
    return [c for c in choices if c.task == key or (chosen and c.name == chosen)]


class StylesController:
    def __init__(self, paths: AppPaths, default_threshold: int = 100):
        self.paths = paths
        self.default_threshold = default_threshold

    def _store(self):
        from draftwheel.store import open_store

        return open_store(self.paths)

    # -- the toolbar --------------------------------------------------------------------------
    def toolbar(self) -> list[ToolbarStyle]:
        """Built-in styles first (the presets, in menu order), then the user's; Ctrl+1 … Ctrl+9 for the first nine."""
        from draftwheel.flywheel.styles import style_task, sync_builtins
        from draftwheel.store import list_styles

        presets = list(tasks().values())
        found: list[tuple[Task, bool]] = []
        try:
            with self._store() as store, store.session() as s, s.begin():
                sync_builtins(s)
                rows = list_styles(s)
                builtin = {r.key for r in rows if r.builtin}
                found = [(p, True) for p in presets if p.name in builtin]
                found += [(style_task(r), False) for r in rows if not r.builtin]
        except DraftwheelError as exc:
            log.warning("styles: the store is unavailable, showing the presets only (%s)", exc)
            found = [(p, True) for p in presets]
        return [
            ToolbarStyle(task, (builtin and task.shortcut) or (f"Ctrl+{n}" if n <= MAX_SHORTCUTS else ""), builtin)
            for n, (task, builtin) in enumerate(found, start=1)
        ]

    def new_style_from(self, instruction: str, name: str | None = None) -> ToolbarStyle:
        """ "New style…": the current custom instruction becomes a style (its earlier edits join it).

        ``name`` defaults to the instruction's first words, made unique with " 2", " 3"…
        """
        from draftwheel.flywheel.styles import create, style_task
        from draftwheel.store import find_style

        if not (instruction or "").strip():
            raise InputError(
                "Type an instruction first: a new style starts from the custom instruction.",
                "Write what the model should do in the instruction box, then choose New style….",
            )
        with self._store() as store, store.session() as s, s.begin():
            wanted = name or suggested_name(instruction)
            if name is None:
                base, n = wanted, 2
                while find_style(s, wanted) is not None:
                    wanted, n = f"{base} {n}", n + 1
            style, _adopted = create(s, name=wanted, instruction=instruction)
            task = style_task(style)
        entry = next((e for e in self.toolbar() if e.key == task.name), None)
        return entry or ToolbarStyle(task, "", False)

    # -- the adapter switcher ---------------------------------------------------------------------
    def adapter_choices(self, key: str, base_sha256: str | None = None) -> list[tuple[str, str]]:
        """(label, choice) for the switcher: "Automatic", "Base model", then this style's adapters
        (for this base model, if given), newest first; a promoted one is marked."""
        from draftwheel.models.adapter_info import BASE_NAME
        from draftwheel.models.adapter_registry import list_adapters

        choices = [("Automatic", AUTOMATIC), ("Base model", BASE_NAME)]
        mine = [a for a in list_adapters(self.paths, key) if not base_sha256 or a.base_sha256 == base_sha256]
        for a in sorted(mine, key=lambda a: a.created_at, reverse=True):
            choices.append((f"{a.name} (promoted)" if a.promoted else a.name, a.name))
        return choices

    # -- the status bar ---------------------------------------------------------------------------
    def status_text(self, key: str, base_sha256: str | None = None) -> str:
        """e.g. "Work e-mail · few-shot · 12 edits until training"."""
        from draftwheel.flywheel.policy import UNTRAINABLE_TASKS, choose_stage, edits_until_training
        from draftwheel.flywheel.styles import label

        if key in UNTRAINABLE_TASKS:
            return "Custom instruction · not trained (make it a style with New style…)"
        with self._store() as store, store.session() as s:
            name = label(s, key)
            stage = STAGE_WORDS.get(choose_stage(s, key, "auto", base_sha256), "zero-shot")
            more = edits_until_training(s, key, self.default_threshold)
        tail = "training is due" if more == 0 else f"{more} edit{'s' * (more != 1)} until training"
        return f"{name} · {stage} · {tail}"
