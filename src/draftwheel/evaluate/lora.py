"""Find a personal adapter for LoRA-mode evaluation (the adapter registry's own checks)."""

from __future__ import annotations

from draftwheel.config import AppPaths
from draftwheel.engine.base import AdapterRef
from draftwheel.models.catalogue import ModelEntry


def find_adapter(paths: AppPaths, name: str, model: ModelEntry) -> AdapterRef:
    """The registered adapter ``name`` as an :class:`AdapterRef`; refused if made for another base."""
    from draftwheel.models import adapters

    info = adapters.get_adapter(paths, name)  # NotFoundError listing the known ones
    adapters.check_base(info, model)
    return adapters.adapter_ref(info)
