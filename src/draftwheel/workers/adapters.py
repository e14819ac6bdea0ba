"""Personal adapters the switcher offers, from the adapter registry.

Uses :mod:`draftwheel.models.adapters` (the registry) when it is installed;
otherwise the ``*.gguf`` files in the adapters folder, so the switcher still
works with adapters a user copied in by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from draftwheel.config import AppPaths
from draftwheel.engine.base import AdapterRef
from draftwheel.errors import NotFoundError


@dataclass(frozen=True)
class AdapterChoice:
    name: str
    path: Path
    task: str = ""
    promoted: bool = False

    def ref(self) -> AdapterRef:
        return AdapterRef(self.name, self.path)


def list_choices(paths: AppPaths) -> list[AdapterChoice]:
    try:
        from draftwheel.models import adapters as registry
    except ImportError:
        registry = None
    if registry is not None and hasattr(registry, "list_adapters"):
        out = []
        for a in registry.list_adapters(paths):
            ref = registry.adapter_ref(a) if hasattr(registry, "adapter_ref") else None
            path = Path(ref.path) if ref is not None else Path(getattr(a, "path"))
            out.append(AdapterChoice(getattr(a, "name"), path, getattr(a, "task", "") or "",
                                     bool(getattr(a, "promoted", False))))
        return out
    folder = Path(paths.adapters_dir)
    files = sorted(folder.glob("*.gguf")) + sorted(folder.glob("*/*.gguf"))
    return [AdapterChoice(f.stem if f.parent == folder else f.parent.name, f) for f in files]


def find_adapter(paths: AppPaths, name: str) -> AdapterRef:
    for choice in list_choices(paths):
        if choice.name == name:
            return choice.ref()
    raise NotFoundError(f"No personal adapter named {name!r}.", "Choose another one in the toolbar.")
