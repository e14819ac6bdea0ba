"""Personal LoRA adapters on disk: list, look up, create, change, delete, promote.

The folder is the source of truth (layout in :mod:`draftwheel.models.adapter_info`).
It is built under a temporary name (``.<name>.<pid>.tmp``) and renamed into
place only when complete, so a killed run or a full disk never leaves a
half-written adapter in the list; the list skips temporary folders and
folders without a valid ``adapter.json`` + ``adapter.gguf``.

These functions change folders (and follow a rename or delete in the
``adapter`` setting) only; :mod:`draftwheel.flywheel.adapters` wraps them to
mirror each change into the store's ``adapters`` table.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, overload

from draftwheel.config.atomic import atomic_write_text, fsync_tree, sweep_stale_temps
from draftwheel.config.paths import AppPaths, private_dir
from draftwheel.config.settings import update_settings
from draftwheel.errors import DraftwheelError, NotFoundError, write_error
from draftwheel.models.adapter_gguf import check_adapter_gguf, check_base
from draftwheel.models.adapter_info import (
    GGUF_FILE,
    JSON_FILE,
    PEFT_DIR,
    AdapterInfo,
    check_name,
    is_base,
    now_iso,
)
from draftwheel.models.catalogue import ModelEntry

log = logging.getLogger(__name__)

# Temp folders of this module: ".<name>.<pid>.tmp", ".<name>.<pid>.deleting.tmp", ".import.<pid>.tmp".
_TEMP_RE = re.compile(r"^\..+\.(\d+)(?:\.deleting)?\.tmp$")
_FULL_HINT = "Free some disk space and try again; no adapter was added or changed."


def root(paths: AppPaths) -> Path:
    return private_dir(paths.adapters_dir)


@overload
def disk_error(exc: OSError, what: str, where: Path) -> DraftwheelError: ...
@overload
def disk_error(exc: BaseException, what: str, where: Path) -> DraftwheelError | None: ...
def disk_error(exc: BaseException, what: str, where: Path) -> DraftwheelError | None:
    return write_error(exc, where, what, _FULL_HINT)


def ensure_name_free(paths: AppPaths, name: str) -> str:
    """Check ``name`` before long work (training) that ends by creating an adapter of that name."""
    name = check_name(name)
    if (paths.adapters_dir / name).exists():
        raise DraftwheelError(
            f"An adapter named {name!r} already exists.", "Choose another name, or delete or rename that adapter first."
        )
    return name


def _read_folder(folder: Path) -> AdapterInfo | None:
    """The adapter in ``folder``, or None if it is not a complete adapter folder."""
    if folder.name.startswith(".") or not folder.is_dir():
        return None
    try:
        raw = json.loads((folder / JSON_FILE).read_text(encoding="utf-8"))
        info = AdapterInfo.from_json(raw, folder)
    except (OSError, ValueError, TypeError) as exc:
        if (folder / JSON_FILE).exists():
            log.warning("%s: ignoring adapter folder with a damaged %s (%s)", folder, JSON_FILE, exc)
        return None
    if not (folder / GGUF_FILE).is_file():
        log.warning("%s: ignoring adapter folder without %s", folder, GGUF_FILE)
        return None
    info.name = folder.name  # the folder name wins over a hand-edited json
    return info


def list_adapters(paths: AppPaths, task: str | None = None) -> list[AdapterInfo]:
    """Complete adapters, oldest first; temp folders and damaged folders are skipped."""
    out = [info for d in sorted(root(paths).iterdir()) if (info := _read_folder(d)) is not None]
    if task:
        out = [a for a in out if a.task == task]
    return sorted(out, key=lambda a: (a.created_at, a.name))


def get_adapter(paths: AppPaths, name: str) -> AdapterInfo:
    folder = root(paths) / name
    info = _read_folder(folder) if name and "/" not in name and not name.startswith(".") else None
    if info is None:
        known = ", ".join(a.name for a in list_adapters(paths)) or "none yet"
        raise NotFoundError(f"No adapter named {name!r}.", f"Adapters: {known}. See 'draftwheel adapters list'.")
    return info


def promoted_for(paths: AppPaths, task: str, base_sha256: str | None = None) -> AdapterInfo | None:
    for a in reversed(list_adapters(paths, task)):
        if a.promoted and (not base_sha256 or a.base_sha256 == base_sha256):
            return a
    return None


def choose_adapter(
    paths: AppPaths, model: ModelEntry, task: str, explicit: str | None = None, setting: str = "", mode: str = "auto"
) -> AdapterInfo | None:
    """The adapter a revision should run with, checked against ``model``.

    ``explicit`` (``--adapter NAME``; ``base`` = none) wins, then the adapter
    chosen with ``draftwheel adapters use`` (``setting``), then, in ``auto`` or
    ``lora`` mode, the task's promoted adapter for this base model.
    """
    name = explicit if explicit is not None else (setting or None)
    if name is not None:
        if is_base(name) or not name.strip():
            return None
        info = get_adapter(paths, name)
        check_base(info, model, paths)
        return info
    if mode in ("auto", "lora"):
        return promoted_for(paths, task, model.sha256)
    return None


def remove_stale_temps(paths: AppPaths) -> None:
    """Delete temp folders left by processes that no longer run."""
    sweep_stale_temps(root(paths), _TEMP_RE)


def write_json(folder: Path, info: AdapterInfo) -> None:
    atomic_write_text(folder / JSON_FILE, json.dumps(info.to_json(), indent=2, ensure_ascii=False) + "\n")


def create_adapter(
    paths: AppPaths, info: AdapterInfo, write_gguf: Callable[[Path], None], peft_dir: str | Path | None = None
) -> AdapterInfo:
    """Build ``adapters_dir/<info.name>/`` atomically.

    ``write_gguf(path)`` writes the adapter GGUF at ``path`` (inside the temp
    folder). ``peft_dir`` is copied to ``peft/`` when given.
    """
    name = check_name(info.name)
    folder = root(paths)
    final = folder / name
    if final.exists():
        raise DraftwheelError(f"An adapter named {name!r} already exists.", "Choose another name, or delete it first.")
    remove_stale_temps(paths)
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(mode=0o700)
        write_gguf(tmp / GGUF_FILE)
        check_adapter_gguf(tmp / GGUF_FILE)
        if peft_dir is not None:
            shutil.copytree(peft_dir, tmp / PEFT_DIR)
        info = dataclasses.replace(info, name=name, created_at=info.created_at or now_iso(), folder=final)
        write_json(tmp, info)
        fsync_tree(tmp)
        os.rename(tmp, final)
    except Exception as exc:
        error = disk_error(exc, f"write adapter {name!r} to {folder}", folder)
        if error is None:
            raise
        raise error from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return info


def update_adapter(paths: AppPaths, name: str, **changes: Any) -> AdapterInfo:
    """Change fields of ``adapter.json`` (e.g. scores, promoted)."""
    info = dataclasses.replace(get_adapter(paths, name), **changes)
    try:
        write_json(info.folder, info)
    except OSError as exc:
        raise disk_error(exc, f"update adapter {name!r}", info.folder) from None
    return info


def rename(paths: AppPaths, old: str, new: str) -> AdapterInfo:
    info = get_adapter(paths, old)
    new = check_name(new)
    if new == old:
        return info
    target = root(paths) / new
    if target.exists():
        raise DraftwheelError(f"An adapter named {new!r} already exists.", "Choose another name.")
    try:
        os.rename(info.folder, target)
        info = dataclasses.replace(info, name=new, folder=target)
        write_json(target, info)
    except OSError as exc:
        raise disk_error(exc, f"rename adapter {old!r}", target.parent) from None
    _follow_in_settings(paths, old, new)
    return info


def delete(paths: AppPaths, name: str) -> None:
    info = get_adapter(paths, name)
    # Rename first so the list never shows a half-deleted adapter.
    trash = info.folder.with_name(f".{name}.{os.getpid()}.deleting.tmp")
    os.rename(info.folder, trash)
    shutil.rmtree(trash, ignore_errors=True)
    _follow_in_settings(paths, name, "")


def promote(paths: AppPaths, name: str) -> AdapterInfo:
    """Make ``name`` the promoted adapter of its task and base; the previous one steps down."""
    info = get_adapter(paths, name)
    for other in list_adapters(paths, info.task):
        if other.promoted and other.name != name and other.base_sha256 == info.base_sha256:
            other.promoted = False
            write_json(other.folder, other)
    info.promoted = True
    write_json(info.folder, info)
    return info


def _follow_in_settings(paths: AppPaths, old: str, new: str) -> None:
    """Keep ``Settings.adapter`` pointing at the same adapter (or clear it)."""
    try:
        update_settings(paths, only_if={"adapter": old}, adapter=new)
    except DraftwheelError as exc:
        log.warning("adapters: settings not updated: %s", exc)
