"""Adapters in and out of single files: export to .zip/.tar(.gz), import from those or a bare LoRA GGUF."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import io
import json
import lzma
import os
import shutil
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, NoReturn

from draftwheel.config.paths import AppPaths
from draftwheel.errors import DraftwheelError
from draftwheel.models.adapter_gguf import check_adapter_gguf, matching_base, rank_of
from draftwheel.models.adapter_info import GGUF_FILE, JSON_FILE, AdapterInfo, check_name
from draftwheel.models.adapter_registry import create_adapter, disk_error, get_adapter, root
from draftwheel.models.gguf_info import GGUF_MAGIC

_MAX_MEMBER = 8 << 30  # bytes; an adapter of a 270M-8B model is far below this
# What reading a damaged .zip / .tar(.gz/.bz2/.xz) raises (gzip.BadGzipFile is an OSError; a full
# disk while unpacking is an OSError too, so OSError itself is left to the caller's disk handling).
_ARCHIVE_DAMAGE = (
    zipfile.BadZipFile,
    tarfile.TarError,
    EOFError,
    ValueError,
    zlib.error,
    gzip.BadGzipFile,
    lzma.LZMAError,
    NotImplementedError,
)
_NOT_AN_ADAPTER_HINT = "Give a file made by 'draftwheel adapters export', or an adapter .gguf."


def _raise_write_error(exc: BaseException, what: str, where: Path) -> NoReturn:
    error = disk_error(exc, what, where)
    if error is None:
        raise exc
    raise error from None


def export_adapter(paths: AppPaths, name: str, file: str | Path, style: dict[str, Any] | None = None) -> Path:
    """Write ``adapter.json`` + ``adapter.gguf`` into one .zip (default) or .tar/.tar.gz file.

    ``style``: the current definition of the adapter's style, written into the exported
    ``adapter.json`` (default: the one recorded when the adapter was made).
    """
    info = get_adapter(paths, name)
    if style:
        info = dataclasses.replace(info, style=dict(style))
    out = Path(file).expanduser()
    if out.is_dir():
        out = out / f"{info.name}.zip"
    if not out.parent.is_dir():
        raise DraftwheelError(f"{out.parent}: no such folder.", "Create it first or choose another file.")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    manifest = json.dumps(info.to_json(), indent=2, ensure_ascii=False).encode("utf-8")
    try:
        if out.name.endswith((".tar", ".tar.gz", ".tgz")):
            _write_tar(tmp, "w:gz" if out.name.endswith("gz") else "w", manifest, info.gguf)
        else:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(JSON_FILE, manifest)
                zf.write(info.gguf, GGUF_FILE)
        os.replace(tmp, out)
    except OSError as exc:
        _raise_write_error(exc, f"export adapter {name!r} to {out}", out.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _copy(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)


def _write_tar(file: Path, mode: Literal["w:gz", "w"], manifest: bytes, gguf: Path) -> None:
    with tarfile.open(file, mode) as tar:
        ti = tarfile.TarInfo(JSON_FILE)
        ti.size, ti.mtime = len(manifest), int(time.time())
        tar.addfile(ti, io.BytesIO(manifest))
        tar.add(gguf, arcname=GGUF_FILE)


def _extract(file: Path, dest: Path) -> dict | None:
    """Unpack the json and gguf of an exported archive into ``dest``; returns the json (or None)."""

    def take(members: Iterable[tuple[str, int, Callable[[], Any]]]) -> None:
        for member_name, size, opener in members:
            base = Path(member_name).name
            if base not in (JSON_FILE, GGUF_FILE) and not base.endswith(".gguf"):
                continue
            if size > _MAX_MEMBER:
                raise DraftwheelError(f"{file}: {member_name} is too large for an adapter ({size} bytes).")
            target = dest / (JSON_FILE if base == JSON_FILE else GGUF_FILE)
            if target.exists():
                raise DraftwheelError(f"{file}: the archive holds more than one {target.name}.")
            with opener() as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)

    try:
        if zipfile.is_zipfile(file):
            with zipfile.ZipFile(file) as zf:
                take((i.filename, i.file_size, functools.partial(zf.open, i)) for i in zf.infolist() if not i.is_dir())
        else:
            with tarfile.open(file) as tar:
                take((m.name, m.size, functools.partial(tar.extractfile, m)) for m in tar.getmembers() if m.isfile())
    except _ARCHIVE_DAMAGE as exc:
        raise DraftwheelError(
            f"{file}: the adapter archive is damaged ({type(exc).__name__}: {exc}).", "Export it again."
        ) from None
    if not (dest / GGUF_FILE).exists():
        raise DraftwheelError(f"{file}: the archive holds no adapter.gguf.", _NOT_AN_ADAPTER_HINT)
    if not (dest / JSON_FILE).exists():
        return None
    try:
        raw = json.loads((dest / JSON_FILE).read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        return raw
    except (ValueError, UnicodeDecodeError) as exc:
        raise DraftwheelError(f"{file}: its adapter.json is damaged ({exc}).", "Export it again.") from None


def _is_tar(file: Path) -> bool:
    try:
        return tarfile.is_tarfile(file)
    except (OSError, *_ARCHIVE_DAMAGE):  # a truncated .tar.gz raises EOFError here
        return False


def _stage(file: Path, stage: Path) -> dict | None:
    """Put the adapter GGUF of ``file`` at ``stage/adapter.gguf``; returns its adapter.json (None: a bare GGUF)."""
    with open(file, "rb") as f:
        magic = f.read(4)
    if magic == GGUF_MAGIC:
        check_adapter_gguf(file, file)  # refuse a model GGUF before copying gigabytes
        shutil.copyfile(file, stage / GGUF_FILE)
        return None
    if zipfile.is_zipfile(file) or _is_tar(file):
        return _extract(file, stage)
    raise DraftwheelError(f"{file}: not an adapter (neither a GGUF nor a .zip/.tar export).", _NOT_AN_ADAPTER_HINT)


def _describe(paths: AppPaths, file: Path, stage: Path, raw: dict | None, task: str | None) -> AdapterInfo:
    """The staged adapter's description, its base model checked against the catalogue."""
    staged = stage / GGUF_FILE
    ginfo = check_adapter_gguf(staged, file)
    arch = ginfo.architecture
    if raw is None:
        base = matching_base(staged, arch, paths, None)
        alpha = float(ginfo.metadata.get("adapter.lora.alpha", 0.0) or 0.0)
        return AdapterInfo(
            name=file.stem,
            task=task or "grammar",
            base_model=base.name,
            base_sha256=base.sha256,
            architecture=arch,
            rank=rank_of(staged),
            alpha=alpha,
            folder=stage,
        )
    try:
        meta = AdapterInfo.from_json(raw, stage)
    except (ValueError, TypeError) as exc:
        raise DraftwheelError(f"{file}: its adapter.json is incomplete ({exc}).", "Export it again.") from None
    if meta.architecture != arch:
        raise DraftwheelError(f"{file}: adapter.json says {meta.architecture} but the GGUF is {arch}.")
    try:
        base = matching_base(staged, arch, paths, meta.base_sha256)
    except DraftwheelError as exc:
        style = meta.style.get("name") if isinstance(meta.style, dict) else None
        if not style:
            raise
        raise DraftwheelError(
            f"{file}: the style “{style}” was trained on base model {meta.base_model or '?'}: {exc.message}",
            exc.hint,
        ) from None
    return dataclasses.replace(meta, base_model=meta.base_model or base.name)


def import_adapter(paths: AppPaths, file: str | Path, name: str | None = None, task: str | None = None) -> AdapterInfo:
    """Add an adapter from an exported archive or a bare llama.cpp LoRA GGUF.

    Refuses damaged files, model GGUFs, and adapters whose base model (sha256
    and architecture) is not in the catalogue, naming the base they need.
    """
    file = Path(file).expanduser()
    if not file.is_file():
        raise DraftwheelError(f"{file}: no such file.")
    folder = root(paths)
    stage = folder / f".import.{os.getpid()}.tmp"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        stage.mkdir(mode=0o700)
        meta = _describe(paths, file, stage, _stage(file, stage), task)
        new_name = check_name(name or meta.name)
        meta = dataclasses.replace(meta, name=new_name, promoted=False, source="imported", task=task or meta.task)
        if (folder / new_name).exists():
            raise DraftwheelError(f"An adapter named {new_name!r} already exists.", "Pass --name to choose another.")
        staged = stage / GGUF_FILE
        return create_adapter(paths, meta, functools.partial(_copy, staged))
    except OSError as exc:
        _raise_write_error(exc, f"import {file}", folder)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
