"""The adapter registry as the app and the CLI change it: folders, mirrored into the store.

Adapter folders (:mod:`draftwheel.models.adapter_registry`) are the source of
truth; the store's ``adapters`` table mirrors them (``path`` = the folder) so
the stage policy and the data views can query adapters with the edits. Every
change here is made on disk first, then mirrored in one transaction; a store
failure is logged, never fatal, and :func:`sync_store` repairs the table.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import draftwheel.store as st
from draftwheel.config.paths import AppPaths
from draftwheel.errors import DraftwheelError, NotFoundError
from draftwheel.models import adapter_archive, adapter_registry
from draftwheel.models.adapter_info import AdapterInfo

log = logging.getLogger(__name__)


def _with_store(paths: AppPaths, what: str, fn: Callable[[Any], None]) -> None:
    """Run ``fn(session)`` in one store transaction; log (never raise) store trouble."""
    try:
        store = st.open_store(paths)
    except DraftwheelError as exc:
        log.warning("adapters: store not updated (%s): %s", what, exc)
        return
    try:
        with store.session() as s, s.begin():
            fn(s)
    except DraftwheelError as exc:
        log.warning("adapters: store not updated (%s): %s", what, exc)
    except Exception as exc:  # the folder is the source of truth; the mirror must not break it
        log.warning("adapters: store not updated (%s): %s: %s", what, type(exc).__name__, exc)
    finally:
        store.close()


def _row_fields(a: AdapterInfo) -> dict[str, Any]:
    return dict(
        task=a.task,
        base_model_sha256=a.base_sha256,
        base_model_name=a.base_model,
        path=str(a.folder),
        rank=a.rank,
        alpha=a.alpha,
        n_train=a.n_train,
        steps=a.steps,
        scores=dict(a.scores),
    )


def _upsert(s, a: AdapterInfo) -> None:
    try:
        st.get_adapter(s, a.name)
        st.update_adapter(s, a.name, **_row_fields(a))
    except NotFoundError:
        st.add_adapter(s, name=a.name, **_row_fields(a))
    if a.promoted:
        st.promote_adapter(s, a.name)
    else:
        st.demote_adapter(s, a.name)


def _forget(s, name: str) -> None:
    try:
        st.delete_adapter(s, name)
    except NotFoundError:
        pass


def _mirror(paths: AppPaths, what: str, info: AdapterInfo) -> AdapterInfo:
    _with_store(paths, what, lambda s: _upsert(s, info))
    return info


def sync_store(paths: AppPaths) -> None:
    """Make the store's adapters table match the folders (rows added, updated, removed)."""
    adapters = {a.name: a for a in adapter_registry.list_adapters(paths)}

    def fn(s):
        for row in st.list_adapters(s):
            if row.name not in adapters:
                st.delete_adapter(s, row.name)
        for a in adapters.values():
            _upsert(s, a)

    _with_store(paths, "sync", fn)


def create_adapter(
    paths: AppPaths, info: AdapterInfo, write_gguf: Callable[[Path], None], peft_dir: str | Path | None = None
) -> AdapterInfo:
    return _mirror(paths, "add", adapter_registry.create_adapter(paths, info, write_gguf, peft_dir))


def import_adapter(paths: AppPaths, file: str | Path, name: str | None = None, task: str | None = None) -> AdapterInfo:
    return _mirror(paths, "add", adapter_archive.import_adapter(paths, file, name, task))


def update_adapter(paths: AppPaths, name: str, **changes: Any) -> AdapterInfo:
    return _mirror(paths, "update", adapter_registry.update_adapter(paths, name, **changes))


def promote(paths: AppPaths, name: str) -> AdapterInfo:
    info = adapter_registry.promote(paths, name)

    def fn(s):
        _upsert(s, info)
        st.promote_adapter(s, name)  # steps the others of its task and base down in the table too

    _with_store(paths, "promote", fn)
    return info


def rename(paths: AppPaths, old: str, new: str) -> AdapterInfo:
    info = adapter_registry.rename(paths, old, new)
    if info.name == old:
        return info

    def fn(s):
        try:
            st.rename_adapter(s, old, info.name)
        except NotFoundError:
            pass
        _upsert(s, info)

    _with_store(paths, "rename", fn)
    return info


def delete(paths: AppPaths, name: str) -> None:
    adapter_registry.delete(paths, name)
    _with_store(paths, "delete", lambda s: _forget(s, name))


def register_copy(
    paths: AppPaths, info: AdapterInfo, gguf: Path, peft_dir: Path | None = None, extra: dict[str, Path] | None = None
) -> AdapterInfo:
    """Register an adapter whose GGUF already exists (e.g. an MLX training's export).

    ``extra`` ({subfolder name: source folder}, e.g. ``{"mlx": ...}``) is copied
    into the adapter folder afterwards under a temporary name and renamed, so
    the folder never holds half a subfolder.
    """

    def write(path: Path) -> None:
        shutil.copyfile(gguf, path)

    created = create_adapter(paths, info, write, peft_dir=peft_dir)
    for sub, source in (extra or {}).items():
        tmp = created.folder / f".{sub}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            shutil.copytree(source, tmp)
            os.replace(tmp, created.folder / sub)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return created
