"""Task presets: the instructions the app offers, read from data files.

Each preset is one JSON file in ``resources/prompts/`` (packaged as
``draftwheel/resources/prompts/``)::

    {"name": "grammar", "label": "Fix grammar", "order": 1, "shortcut": "Ctrl+1",
     "instruction": "Correct grammar, spelling and punctuation. Change nothing else.",
     "demos": [{"input": "He go to the libary ...", "output": "He went to the library ..."}, ...]}

``demos`` are the built-in demonstrations, shown in this order, so a base
model sees the pattern before the user has any edits of their own (chosen on
a dev split: docs/evaluation.md, "Presets on the bundled model"). An older
file with a single ``demo`` (an object, or an [input, output] list) still
loads, as a list of one. ``order`` sorts the menu. A packager may add files;
a file that cannot be read is skipped with a warning.

``"personal": true`` marks a preset whose demonstrations are the user's own
pairs (grounded from their documents, then their kept edits): it ships none,
since any built-in example would pull the model towards a voice that is not
the user's. ``"answers": true`` marks a preset whose output answers its input
(question -> the author's answer) rather than revising it: it is trained and
used by "Ask my writing", not offered as a toolbar style, and revising with
it skips the revision guard (an answer shares few words with its question).
``"unit": "paragraph"`` revises a whole paragraph at once instead of sentence
by sentence: the grounded pairs both personal presets learn from are whole
passages, so the model sees at inference what it was shown and trained on.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from draftwheel.config.paths import resources_dir
from draftwheel.errors import DraftwheelError, NotFoundError

log = logging.getLogger(__name__)

PRESETS_SUBDIR = "prompts"


@dataclass(frozen=True)
class Task:
    name: str
    label: str
    instruction: str
    shortcut: str = ""
    demos: tuple[tuple[str, str], ...] = ()  # (input, revision) pairs, in prompt order
    personal: bool = False  # no built-in demonstrations: the user's own pairs are its examples
    answers: bool = False  # the output answers the input (not a revision of it)
    paragraph_units: bool = False  # revised a paragraph at a time (default: sentence by sentence)

    @property
    def demo(self) -> tuple[str, str] | None:
        """The first demonstration (older callers knew only one)."""
        return self.demos[0] if self.demos else None


@dataclass(frozen=True)
class Example:
    input: str
    output: str


def presets_dir() -> Path:
    return resources_dir() / PRESETS_SUBDIR


def read_preset(file: Path) -> tuple[int, Task]:
    """(menu order, task) from one preset file; ValueError/KeyError/TypeError when it is malformed."""
    raw = json.loads(file.read_text(encoding="utf-8"))
    listed = raw["demos"] if "demos" in raw else [raw["demo"]] if raw.get("demo") else []
    if not isinstance(listed, list):
        raise TypeError("demos must be a list")
    demos = tuple(_pair(d) for d in listed)
    for key in ("name", "label", "instruction"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise ValueError(f"{key} must be a non-empty string")
    task = Task(
        raw["name"],
        raw["label"],
        raw["instruction"],
        str(raw.get("shortcut", "")),
        demos,
        personal=bool(raw.get("personal", False)),
        answers=bool(raw.get("answers", False)),
        paragraph_units=raw.get("unit", "sentence") == "paragraph",
    )
    return int(raw.get("order", 1000)), task


def _pair(demo: object) -> tuple[str, str]:
    """One demonstration: ``{"input": ..., "output": ...}`` or ``[input, output]``."""
    if isinstance(demo, dict):
        pair = (str(demo["input"]), str(demo["output"]))
    elif isinstance(demo, list | tuple) and len(demo) == 2:
        pair = (str(demo[0]), str(demo[1]))
    else:
        raise TypeError(f"a demonstration is an object with input and output; got {demo!r}")
    if not pair[0].strip() or not pair[1].strip():
        raise ValueError("a demonstration's input and output must not be empty")
    return pair


@lru_cache(maxsize=1)
def _load_tasks() -> dict[str, Task]:
    folder = presets_dir()
    found: list[tuple[int, str, Task]] = []
    for file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            order, task = read_preset(file)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            log.warning("%s: skipping a damaged prompt preset (%s)", file, exc)
            continue
        found.append((order, task.name, task))
    if not found:
        raise DraftwheelError(
            f"No prompt presets in {folder}.", "The installation is incomplete; reinstall Draftwheel."
        )
    return {name: task for _order, name, task in sorted(found, key=lambda t: (t[0], t[1]))}


def tasks() -> dict[str, Task]:
    """The preset tasks by name, in menu order."""
    return dict(_load_tasks())


def custom_task(instruction: str) -> Task:
    return Task("custom", "Custom", instruction.strip())


def resolve_task(name: str | None = None, instruction: str | None = None) -> Task:
    if instruction:
        return custom_task(instruction)
    name = name or "grammar"
    known = _load_tasks()
    if name not in known:
        raise NotFoundError(
            f"Unknown task {name!r}.",
            f"Use one of {', '.join(known)}, or give your own with --instruction TEXT.",
        )
    return known[name]
