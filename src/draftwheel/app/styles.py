"""The window's styles, in plain Python: the toolbar's styles and their shortcuts, "New style…" from
the custom instruction, the Styles dialog's create / edit / rename / delete (the same store and
flywheel functions as ``draftwheel styles``), the adapter switcher's choices for the current style,
and the status line "style · stage · N edits until training".

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
class StyleForm:
    """What the Styles dialog's form holds. ``threshold`` None: the setting's; ``base_preset`` None: none."""

    name: str
    instruction: str = ""
    description: str = ""
    base_preset: str | None = None
    threshold: int | None = None
    auto_train: bool = True


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


def status_line(label: str, stage: str, remaining: int) -> str:
    """ "Work e-mail · few-shot · 12 edits until training" (``stage``: zero | few | lora)."""
    tail = "training is due" if remaining <= 0 else f"{remaining} edit{'s' * (remaining != 1)} until training"
    return f"{label} · {STAGE_WORDS.get(stage, 'zero-shot')} · {tail}"


# The flywheel's hints name `draftwheel` commands; in the window, what to do there instead.
_WINDOW_HINTS = (
    ("draftwheel adapters use", "Choose another adapter (or Automatic) in the toolbar's Adapter box first."),
    (
        "draftwheel train --cancel",
        "Wait for the training to finish, or cancel it in the Training panel (Ctrl+Shift+T).",
    ),
    ("draftwheel styles", ""),
)


def window_text(exc: DraftwheelError) -> str:
    """A refusal's message with a hint for the window (not the command line)."""
    hint = exc.hint or ""
    for command, instead in _WINDOW_HINTS:
        if command in hint:
            hint = instead
            break
    return f"{exc.message} {hint}".strip()


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

        # An answering preset ("Answer from my writing") is a style of "Ask my writing", not a revision.
        presets = [t for t in tasks().values() if not t.answers]
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
        return self._entry(task)

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
            stage = choose_stage(s, key, "auto", base_sha256)
            more = edits_until_training(s, key, self.default_threshold)
        return status_line(name, stage, more)

    # -- the Styles dialog ------------------------------------------------------------------------
    def summaries(self):
        """Every style with its counters (``flywheel.styles.StyleSummary``), built-in ones first."""
        from draftwheel.flywheel.styles import summaries

        with self._store() as store, store.session() as s, s.begin():
            return summaries(s, self.default_threshold)

    def create(self, form: StyleForm) -> ToolbarStyle:
        """A new style from the dialog's form (as ``draftwheel styles add``); its toolbar entry."""
        from draftwheel.flywheel.styles import create, style_task

        if not form.base_preset and not (form.instruction or "").strip():
            raise InputError(
                "A style needs an instruction: what should the model do with your text?",
                "Write one, e.g. “Rewrite as a short, friendly work e-mail”, or pick a preset to start from.",
            )
        with self._store() as store, store.session() as s, s.begin():
            style, _adopted = create(
                s,
                name=form.name,
                instruction=form.instruction.strip() or None,
                description=form.description,
                base_preset=form.base_preset,
                train_threshold=form.threshold,
                auto_train=form.auto_train,
            )
            task = style_task(style)
        return self._entry(task)

    def update(self, key: str, form: StyleForm) -> ToolbarStyle:
        """Rename and change a style in one transaction (nothing changes if any part is refused).
        A built-in style keeps its name and instruction: only its training settings change."""
        from draftwheel.flywheel.styles import rename, style_task
        from draftwheel.store import get_style, update_style

        with self._store() as store, store.session() as s, s.begin():
            style = get_style(s, key)
            fields: dict = {"train_threshold": form.threshold, "auto_train": form.auto_train}
            if not style.builtin:
                if " ".join(form.name.split()) != style.name:
                    rename(s, key, form.name)
                fields.update(instruction=form.instruction, description=form.description)
                fields["base_preset"] = form.base_preset
            task = style_task(update_style(s, key, **fields))
        return self._entry(task)

    def rename(self, key: str, new_name: str) -> ToolbarStyle:
        """Rename a user style (its key, edits and adapters stay); refused for a built-in one."""
        from draftwheel.flywheel.styles import rename, style_task

        with self._store() as store, store.session() as s, s.begin():
            task = style_task(rename(s, key, new_name))
        return self._entry(task)

    def form_of(self, key: str) -> StyleForm:
        """The style as the form shows it: its own threshold (None: it follows the setting)."""
        from draftwheel.flywheel.styles import style_task
        from draftwheel.store import get_style

        with self._store() as store, store.session() as s:
            style = get_style(s, key)
            task = style_task(style)
            return StyleForm(
                name=task.label,
                instruction=style.instruction or task.instruction,
                description=style.description or "",
                base_preset=style.base_preset,
                threshold=style.train_threshold,
                auto_train=bool(style.auto_train),
            )

    def check_delete(self, key: str, adapter_in_use: str = "") -> tuple[str, int]:
        """(name, edits) of a style that may be deleted now; else DraftwheelError saying why not
        (built-in, its adapter in use, training now). Asked before the confirmation."""
        from draftwheel.flywheel.styles import check_deletable
        from draftwheel.store import count_edits, get_style

        with self._store() as store, store.session() as s:
            style = get_style(s, key)
            check_deletable(self.paths, s, style, adapter_in_use)
            return style.name, count_edits(s, style.key, outcomes=None)

    def delete(self, key: str, delete_edits: bool = False, adapter_in_use: str = "") -> dict:
        """Delete a user style (checked again); its edits stay unless ``delete_edits``."""
        from draftwheel.flywheel.styles import delete

        with self._store() as store, store.session() as s, s.begin():
            return delete(self.paths, s, key, delete_edits=delete_edits, adapter_in_use=adapter_in_use)

    def _entry(self, task: Task) -> ToolbarStyle:
        entry = next((e for e in self.toolbar() if e.key == task.name), None)
        return entry or ToolbarStyle(task, "", False)

    # -- "What it has learned" --------------------------------------------------------------------
    def learned(self, key: str, text: str = "", k: int = 4, token_budget: int = 1200) -> Learned:
        """What the style ``key`` has learned (as ``draftwheel styles learned``): the changes the user
        makes again and again, its stage history with held-out scores, and the few-shot examples it
        would use for ``text`` (the current paragraph)."""
        from draftwheel.flywheel.learned import learned_changes, stage_history
        from draftwheel.flywheel.policy import choose_stage, edits_until_training
        from draftwheel.flywheel.retrieve import retrieve_examples
        from draftwheel.flywheel.styles import task_for_key
        from draftwheel.store import count_edits

        with self._store() as store, store.session() as s:
            task = task_for_key(s, key)
            examples = retrieve_examples(s, task, text, k=k, token_budget=token_budget) if text.strip() else []
            return Learned(
                key=key,
                label=task.label,
                kept=count_edits(s, key),
                stage=choose_stage(s, key),
                until_training=edits_until_training(s, key, self.default_threshold),
                changes=[c.text() for c in learned_changes(s, key)],
                history=[_history_row(h) for h in stage_history(s, key)],
                examples=[(e.input, e.output) for e in examples],
                text=text,
            )


@dataclass(frozen=True)
class Learned:
    """The "What it has learned" view of one style, as words and rows (no store objects)."""

    key: str
    label: str
    kept: int  # kept edits of the style
    stage: str  # zero | few | lora, now
    until_training: int
    changes: list[str]  # "don't → do not, 37 times"
    history: list[tuple[str, str, str, str, str]]  # (when, stage, GLEU, chrF, note), oldest first
    examples: list[tuple[str, str]]  # (input, kept text), most similar last
    text: str  # the paragraph the examples are for

    def summary(self) -> str:
        return (
            f"“{self.label}”: {self.kept} kept edit{'s' * (self.kept != 1)} · "
            + status_line(self.label, self.stage, self.until_training).split(" · ", 1)[1]
        )


def stage_words(stage: str) -> str:
    """ "zero" → "zero-shot", "adapter:work-e-mail-2026…" → "adapter work-e-mail-2026…"."""
    if stage.startswith("adapter:"):
        return f"adapter {stage.split(':', 1)[1]}"
    return STAGE_WORDS.get(stage, stage)


def _history_row(h) -> tuple[str, str, str, str, str]:
    note = "promoted" if h.promoted else ""
    if h.n_heldout:
        note = f"{note}, {h.n_heldout} held out" if note else f"{h.n_heldout} held out"
    return (h.when[:16].replace("T", " "), stage_words(h.stage), f"{h.gleu:.2f}", f"{h.chrf:.2f}", note)
