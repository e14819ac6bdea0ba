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


def import_adapter(
    paths: AppPaths, file: str | Path, name: str | None = None, task: str | None = None, style: str | None = None
) -> AdapterInfo:
    """Import an adapter into a style: ``style`` (a name or key) if given, else ``task``, else the style
    its file describes — found by name, or made from the file's definition when there is none yet."""
    key = _style_key(paths, style) if style else task
    info = adapter_archive.import_adapter(paths, file, name, key)
    if key is None and info.style:
        try:
            wanted = _adopt_style(paths, info.style)
        except DraftwheelError:
            delete(paths, info.name)  # nothing half-imported
            raise
        if wanted != info.task:
            info = adapter_registry.update_adapter(paths, info.name, task=wanted)
    return _mirror(paths, "add", info)


def _style_key(paths: AppPaths, name: str) -> str:
    from draftwheel.flywheel.styles import resolve_in

    return resolve_in(paths, style=name).name


def _adopt_style(paths: AppPaths, definition: dict[str, Any]) -> str:
    """The key of the style an imported adapter belongs to; made from ``definition`` if it is new here."""
    from draftwheel.flywheel.styles import create, sync_builtins
    from draftwheel.prompts import tasks

    key = str(definition.get("key") or "")
    if definition.get("builtin") or key in tasks():
        return key or "grammar"
    name = str(definition.get("name") or key or "Imported style")
    store = st.open_store(paths)
    try:
        with store.session() as s, s.begin():
            sync_builtins(s)
            found = st.find_style(s, name)
            if found is not None:
                return found.key
            style, _ = create(
                s,
                name=name,
                instruction=str(definition.get("instruction") or ""),
                description=str(definition.get("description") or ""),
                base_preset=definition.get("base_preset") or None,
            )
            return style.key
    finally:
        store.close()


def export_adapter(paths: AppPaths, name: str, file: str | Path) -> Path:
    """Export with the current definition of the adapter's style (if the store knows it)."""
    info = adapter_registry.get_adapter(paths, name)
    return adapter_archive.export_adapter(paths, name, file, style=style_definition(paths, info.task) or None)


def style_definition(paths: AppPaths, key: str) -> dict[str, Any]:
    """The definition of the style ``key`` as the store has it now; {} when it has none."""
    from draftwheel.flywheel.styles import definition

    try:
        store = st.open_store(paths)
    except DraftwheelError:
        return {}
    try:
        with store.session() as s:
            style = st.style_by_key(s, key)
            return definition(style) if style is not None else {}
    except DraftwheelError:
        return {}
    finally:
        store.close()


def copy_to_style(paths: AppPaths, name: str, style: str, new_name: str | None = None) -> AdapterInfo:
    """A copy of adapter ``name`` that belongs to ``style`` (not promoted, no scores): the other style
    starts from it (use it there with ``adapters use``; its next training is scored against it)."""
    import dataclasses

    from draftwheel.models.adapter_info import now_iso

    source = adapter_registry.get_adapter(paths, name)
    key = _style_key(paths, style)
    target = new_name or f"{source.name}-{key}"[:64]
    adapter_registry.ensure_name_free(paths, target)
    info = dataclasses.replace(
        source,
        name=target,
        task=key,
        promoted=False,
        scores={},
        source="copied",
        created_at=now_iso(),
        style=style_definition(paths, key),
    )
    mlx = source.folder / "mlx"
    return register_copy(
        paths, info, source.gguf, peft_dir=source.peft_dir, extra={"mlx": mlx} if mlx.is_dir() else None
    )


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
