"""Personal adapters for the switcher, from the adapter registry (:mod:`draftwheel.models.adapters`).

The switcher's choice is "" (automatic: the task's promoted adapter for the
loaded model, else the base model), ``"base"`` (never an adapter) or an
adapter's name. Runs on worker threads (it reads adapter folders).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from draftwheel.config import AppPaths
from draftwheel.engine.base import AdapterRef
from draftwheel.models.adapter_info import BASE_NAME as BASE


@dataclass(frozen=True)
class AdapterChoice:
    name: str
    path: Path  # the adapter GGUF
    task: str = ""
    promoted: bool = False

    def ref(self) -> AdapterRef:
        return AdapterRef(self.name, self.path)


def list_choices(paths: AppPaths) -> list[AdapterChoice]:
    from draftwheel.models import adapters as registry

    return [
        AdapterChoice(a.name, Path(registry.adapter_ref(a).path), a.task, a.promoted)
        for a in registry.list_adapters(paths)
    ]


def resolve_choice(paths: AppPaths, model, choice: str, task: str) -> AdapterRef | None:
    """The adapter ``choice`` means for ``task`` on ``model`` (a catalogue entry); None: the base model."""
    from draftwheel.models import adapters as registry

    if choice == BASE:
        return None
    if not choice:
        info = registry.promoted_for(paths, task, model.sha256) if task else None
    else:
        info = registry.get_adapter(paths, choice)
        registry.check_base(info, model, paths)
    return registry.adapter_ref(info) if info is not None else None
