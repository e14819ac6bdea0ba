"""Personal LoRA adapters on disk: the registry.

Each adapter is a folder ``AppPaths.adapters_dir/<name>/`` holding

* ``adapter.gguf`` — the llama.cpp LoRA (what the engine applies);
* ``adapter.json`` — what it is: base model name and sha256, architecture,
  rank, alpha, target modules, data size, steps, task, scores, created_at,
  promoted;
* ``peft/`` (optional) — the PEFT folder it came from, for further training
  and MLX conversion.

The folder is the source of truth. It is built under a temporary name
(``.<name>.<pid>.tmp``) and renamed into place only when complete, so a
killed run or a full disk never leaves a half-written adapter in the list;
the list skips temporary folders and folders without a valid
``adapter.json`` + ``adapter.gguf``. When the store (issue 3) is available,
adds, renames, deletes and promotions are mirrored into its ``adapters``
table (``path`` = the folder); a store failure is logged, never fatal.

API: :func:`list_adapters`, :func:`get_adapter`, :func:`create_adapter`,
:func:`rename`, :func:`delete`, :func:`export_adapter`, :func:`import_adapter`,
:func:`adapter_ref`, :func:`check_base`, :func:`promote`, :func:`promoted_for`,
:func:`update_adapter`, :func:`sync_store`, :func:`choose_adapter`, :func:`ensure_name_free`,
:func:`gguf_header` (a fast header reader).
"""

from __future__ import annotations

import dataclasses
import errno
import gzip
import json
import logging
import lzma
import os
import re
import shutil
import tarfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from draftwheel.config.atomic import atomic_write_text
from draftwheel.config.paths import AppPaths, private_dir
from draftwheel.errors import DraftwheelError, ModelFileError, NotFoundError
from draftwheel.models.catalogue import Catalogue, ModelEntry
from draftwheel.models.gguf_info import GGUF_MAGIC, parse_header, read_gguf

log = logging.getLogger(__name__)

GGUF_FILE = "adapter.gguf"
JSON_FILE = "adapter.json"
PEFT_DIR = "peft"
SCHEMA = 1
BASE_NAME = "base"  # ``adapters use base`` means: no adapter
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
_MAX_MEMBER = 8 << 30  # bytes; an adapter of a 270M-8B model is far below this


@dataclass
class AdapterInfo:
    name: str
    task: str
    base_model: str  # catalogue name of the base at training time
    base_sha256: str
    architecture: str
    rank: int
    alpha: float
    target_modules: list[str] = field(default_factory=list)
    n_train: int = 0  # training pairs
    n_heldout: int = 0
    steps: int = 0
    scores: dict[str, Any] = field(default_factory=dict)  # e.g. {"adapter": {...}, "baseline": {...}}
    training: dict[str, Any] = field(default_factory=dict)  # loss, tokens/s, seconds ...
    created_at: str = ""  # ISO 8601, UTC
    promoted: bool = False
    source: str = "trained"  # trained | imported
    schema: int = SCHEMA
    folder: Path = field(default=Path("."), compare=False)

    @property
    def gguf(self) -> Path:
        return self.folder / GGUF_FILE

    @property
    def peft_dir(self) -> Path | None:
        p = self.folder / PEFT_DIR
        return p if (p / "adapter_config.json").is_file() else None

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("folder")
        return d

    @classmethod
    def from_json(cls, raw: dict[str, Any], folder: Path) -> "AdapterInfo":
        names = {f.name for f in dataclasses.fields(cls)} - {"folder"}
        missing = [k for k in ("name", "task", "base_sha256", "architecture", "rank", "alpha") if k not in raw]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        info = cls(**{k: v for k, v in raw.items() if k in names}, folder=folder)
        if not isinstance(info.name, str) or not isinstance(info.base_sha256, str):
            raise ValueError("name and base_sha256 must be strings")
        info.rank, info.alpha = int(info.rank), float(info.alpha)
        return info


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def check_name(name: str) -> str:
    name = (name or "").strip()
    if name.lower() == BASE_NAME:
        raise DraftwheelError(f"{name!r} is reserved (it means the base model without an adapter).",
                              "Choose another name.")
    if not _NAME_RE.match(name):
        raise DraftwheelError(f"{name!r} is not a usable adapter name.",
                              "Use up to 64 letters, digits, spaces, dots, dashes or underscores.")
    return name


def ensure_name_free(paths: AppPaths, name: str) -> str:
    """Check ``name`` before long work (training) that ends by creating an adapter of that name."""
    name = check_name(name)
    if (paths.adapters_dir / name).exists():
        raise DraftwheelError(f"An adapter named {name!r} already exists.",
                              "Choose another name, or delete or rename that adapter first.")
    return name


def _root(paths: AppPaths) -> Path:
    return private_dir(paths.adapters_dir)


def _disk_error(exc: OSError, what: str) -> DraftwheelError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DraftwheelError(f"The disk is full: could not {what}.",
                               "Free some disk space and try again; no adapter was added or changed.")
    return DraftwheelError(f"Could not {what}: {exc.strerror or exc}.")


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
    root = _root(paths)
    out = [info for d in sorted(root.iterdir()) if (info := _read_folder(d)) is not None]
    if task:
        out = [a for a in out if a.task == task]
    return sorted(out, key=lambda a: (a.created_at, a.name))


def get_adapter(paths: AppPaths, name: str) -> AdapterInfo:
    folder = _root(paths) / name
    info = _read_folder(folder) if name and "/" not in name and not name.startswith(".") else None
    if info is None:
        known = ", ".join(a.name for a in list_adapters(paths)) or "none yet"
        raise NotFoundError(f"No adapter named {name!r}.", f"Adapters: {known}. See 'draftwheel adapters list'.")
    return info


def adapter_ref(adapter: AdapterInfo, scale: float = 1.0):
    """The engine's handle for ``adapter``."""
    from draftwheel.engine.base import AdapterRef

    return AdapterRef(name=adapter.name, path=adapter.gguf, scale=scale)


def base_models(paths: AppPaths) -> list[ModelEntry]:
    try:
        return Catalogue(paths).list()
    except DraftwheelError:
        return []


def check_base(adapter: AdapterInfo, model: ModelEntry, paths: AppPaths | None = None) -> None:
    """Refuse ``adapter`` on ``model`` unless it was made for that very base."""
    if adapter.architecture != model.architecture or (adapter.base_sha256 and model.sha256
                                                      and adapter.base_sha256 != model.sha256):
        raise DraftwheelError(
            f"Adapter {adapter.name!r} needs the base model {adapter.base_model or 'unknown'} "
            f"({adapter.architecture}, sha256 {adapter.base_sha256[:12]}), "
            f"but the model in use is {model.name} ({model.architecture}, sha256 {model.sha256[:12]}).",
            _base_hint(adapter, paths),
        )


def _base_hint(adapter: AdapterInfo, paths: AppPaths | None) -> str:
    if paths is not None:
        for m in base_models(paths):
            if m.sha256 == adapter.base_sha256:
                return f"Switch to model {m.name!r} (draftwheel revise --model {m.name})."
    return "Add that model with 'draftwheel models add PATH' and use it, or train a new adapter for this one."


# -- the store mirror ---------------------------------------------------------

def _with_store(paths: AppPaths, what: str, fn: Callable[[Any, Any], None]) -> None:
    """Run ``fn(store_module, session)`` in one transaction; log (never raise) store trouble."""
    try:
        import draftwheel.store as st
    except ImportError:
        return
    try:
        store = st.open_store(paths)
    except DraftwheelError as exc:
        log.warning("adapters: store not updated (%s): %s", what, exc)
        return
    try:
        with store.session() as s, s.begin():
            fn(st, s)
    except DraftwheelError as exc:
        log.warning("adapters: store not updated (%s): %s", what, exc)
    except Exception as exc:  # the folder is the source of truth; the mirror must not break it
        log.warning("adapters: store not updated (%s): %s: %s", what, type(exc).__name__, exc)
    finally:
        store.close()


def _row_fields(a: AdapterInfo) -> dict[str, Any]:
    return dict(task=a.task, base_model_sha256=a.base_sha256, base_model_name=a.base_model, path=str(a.folder),
                rank=a.rank, alpha=a.alpha, n_train=a.n_train, steps=a.steps, scores=dict(a.scores))


def _mirror_upsert(st, s, a: AdapterInfo) -> None:
    try:
        st.get_adapter(s, a.name)
        st.update_adapter(s, a.name, **_row_fields(a))
    except NotFoundError:
        st.add_adapter(s, name=a.name, **_row_fields(a))
    if a.promoted:
        st.promote_adapter(s, a.name)
    else:
        st.demote_adapter(s, a.name)


def sync_store(paths: AppPaths) -> None:
    """Make the store's adapters table match the folders (rows added, updated, removed)."""
    adapters = {a.name: a for a in list_adapters(paths)}

    def fn(st, s):
        for row in st.list_adapters(s):
            if row.name not in adapters:
                st.delete_adapter(s, row.name)
        for a in adapters.values():
            _mirror_upsert(st, s, a)

    _with_store(paths, "sync", fn)


# -- building and changing ----------------------------------------------------

def _write_json(folder: Path, info: AdapterInfo) -> None:
    atomic_write_text(folder / JSON_FILE, json.dumps(info.to_json(), indent=2, ensure_ascii=False) + "\n")


def _fsync_tree(folder: Path) -> None:
    if os.name != "posix":
        return
    for p in [folder, *folder.rglob("*")]:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create_adapter(paths: AppPaths, info: AdapterInfo, write_gguf: Callable[[Path], None],
                   peft_dir: str | Path | None = None) -> AdapterInfo:
    """Build ``adapters_dir/<info.name>/`` atomically and register it.

    ``write_gguf(path)`` writes the adapter GGUF at ``path`` (inside the temp
    folder). ``peft_dir`` is copied to ``peft/`` when given.
    """
    name = check_name(info.name)
    root = _root(paths)
    final = root / name
    if final.exists():
        raise DraftwheelError(f"An adapter named {name!r} already exists.", "Choose another name, or delete it first.")
    remove_stale_temps(paths)
    tmp = root / f".{name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(mode=0o700)
        write_gguf(tmp / GGUF_FILE)
        _check_adapter_gguf(tmp / GGUF_FILE)
        if peft_dir is not None:
            shutil.copytree(peft_dir, tmp / PEFT_DIR)
        info = dataclasses.replace(info, name=name, created_at=info.created_at or now_iso(), folder=final)
        _write_json(tmp, info)
        _fsync_tree(tmp)
        os.rename(tmp, final)
    except OSError as exc:
        raise _disk_error(exc, f"write adapter {name!r} to {root}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _with_store(paths, "add", lambda st, s: _mirror_upsert(st, s, info))
    return info


def remove_stale_temps(paths: AppPaths) -> None:
    """Delete temp folders left by processes that no longer run."""
    for tmp in _root(paths).glob(".*.tmp"):
        try:
            pid = int(tmp.name.rsplit(".", 2)[-2])
            os.kill(pid, 0)
            continue  # its writer still runs
        except (ValueError, ProcessLookupError):
            pass
        except PermissionError:
            continue
        shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)


def update_adapter(paths: AppPaths, name: str, **changes: Any) -> AdapterInfo:
    """Change fields of ``adapter.json`` (e.g. scores, promoted) and mirror them."""
    info = get_adapter(paths, name)
    info = dataclasses.replace(info, **changes)
    try:
        _write_json(info.folder, info)
    except OSError as exc:
        raise _disk_error(exc, f"update adapter {name!r}") from None
    _with_store(paths, "update", lambda st, s: _mirror_upsert(st, s, info))
    return info


def rename(paths: AppPaths, old: str, new: str) -> AdapterInfo:
    info = get_adapter(paths, old)
    new = check_name(new)
    if new == old:
        return info
    target = _root(paths) / new
    if target.exists():
        raise DraftwheelError(f"An adapter named {new!r} already exists.", "Choose another name.")
    try:
        os.rename(info.folder, target)
        info = dataclasses.replace(info, name=new, folder=target)
        _write_json(target, info)
    except OSError as exc:
        raise _disk_error(exc, f"rename adapter {old!r}") from None

    def fn(st, s):
        try:
            st.rename_adapter(s, old, new)
        except NotFoundError:
            pass
        _mirror_upsert(st, s, info)

    _with_store(paths, "rename", fn)
    _rename_setting(paths, old, new)
    return info


def delete(paths: AppPaths, name: str) -> None:
    info = get_adapter(paths, name)
    # Rename first so the list never shows a half-deleted adapter.
    trash = info.folder.with_name(f".{name}.{os.getpid()}.deleting.tmp")
    os.rename(info.folder, trash)
    shutil.rmtree(trash, ignore_errors=True)

    def fn(st, s):
        try:
            st.delete_adapter(s, name)
        except NotFoundError:
            pass

    _with_store(paths, "delete", fn)
    _rename_setting(paths, name, "")


def _rename_setting(paths: AppPaths, old: str, new: str) -> None:
    """Keep ``Settings.adapter`` pointing at the same adapter (or clear it)."""
    from draftwheel.config import load_settings, save_settings

    try:
        settings = load_settings(paths)
        if settings.adapter == old:
            save_settings(settings.updated(adapter=new), paths)
    except DraftwheelError as exc:
        log.warning("adapters: settings not updated: %s", exc)


def promoted_for(paths: AppPaths, task: str, base_sha256: str | None = None) -> AdapterInfo | None:
    for a in reversed(list_adapters(paths, task)):
        if a.promoted and (not base_sha256 or a.base_sha256 == base_sha256):
            return a
    return None


def promote(paths: AppPaths, name: str) -> AdapterInfo:
    """Make ``name`` the promoted adapter of its task and base; the previous one steps down."""
    info = get_adapter(paths, name)
    for other in list_adapters(paths, info.task):
        if other.promoted and other.name != name and other.base_sha256 == info.base_sha256:
            other.promoted = False
            _write_json(other.folder, other)
    info.promoted = True
    _write_json(info.folder, info)

    def fn(st, s):
        _mirror_upsert(st, s, info)
        st.promote_adapter(s, name)

    _with_store(paths, "promote", fn)
    return info


# -- checking adapter files ---------------------------------------------------

def _check_adapter_gguf(path: Path, shown: str | Path | None = None):
    """Header checks for an adapter GGUF; returns its GGUFInfo. ``shown``: the file name the user knows."""
    shown = shown or path.name
    try:
        meta, tensors = gguf_header(path)  # fast: a model given by mistake has a 262k-entry vocabulary
    except ModelFileError as exc:
        raise ModelFileError(str(exc.message).replace(str(path), str(shown)), exc.hint) from None
    if meta.get("general.type", "model") != "adapter":
        raise ModelFileError(f"{shown}: this GGUF is a model, not a LoRA adapter.",
                             "Add models with 'draftwheel models add'; adapters come from training or an export.")
    try:
        info = read_gguf(path, what="adapter")
    except ModelFileError as exc:
        raise ModelFileError(str(exc.message).replace(str(path), str(shown)), exc.hint) from None
    if info.metadata.get("adapter.type") != "lora":
        raise ModelFileError(f"{shown}: adapter type {info.metadata.get('adapter.type')!r} is not a LoRA.")
    bad = [n for n in tensors if not n.endswith((".lora_a", ".lora_b"))]
    if bad:
        raise ModelFileError(f"{shown}: unexpected tensor {bad[0]!r} in a LoRA adapter.")
    return info


def _matching_base(gguf_path: Path, arch: str, paths: AppPaths, want_sha: str | None) -> ModelEntry:
    """The catalogue model this adapter fits; a clear error naming the base it needs otherwise."""
    models = base_models(paths)
    if want_sha:
        for m in models:
            if m.sha256 == want_sha and m.architecture == arch:
                return m
        raise DraftwheelError(
            f"This adapter was made for another base model ({arch}, sha256 {want_sha[:12]}), "
            f"which is not in your catalogue ({', '.join(m.name for m in models) or 'empty'}).",
            "Add that base model with 'draftwheel models add PATH', then import the adapter again.",
        )
    same_arch = [m for m in models if m.architecture == arch]
    if not same_arch:
        raise DraftwheelError(
            f"This adapter needs a {arch} base model; none of your models is one "
            f"({', '.join(f'{m.name} ({m.architecture})' for m in models) or 'no models'}).",
            "Add a matching base model with 'draftwheel models add PATH' first.",
        )
    want = _shapes(gguf_path)
    for m in same_arch:
        if m.file.exists() and _fits(want, _shapes(m.file)):
            return m
    raise DraftwheelError(
        f"This {arch} adapter does not fit any of your {arch} models ({', '.join(m.name for m in same_arch)}): "
        "its tensor shapes belong to another model size.",
        "Add the base model it was trained on with 'draftwheel models add PATH' first.",
    )


def _shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """{tensor name: ggml shape ne} of a GGUF (ne[0] is the innermost dimension)."""
    return gguf_header(path)[1]


def gguf_header(path: str | Path) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """(scalar and string metadata, {tensor name: ne}) of a GGUF, read from its header only.

    A damaged header is a :class:`ModelFileError`.
    """
    import struct

    path = Path(path)
    try:
        header = parse_header(path)
    except (OSError, ValueError, struct.error) as exc:
        raise ModelFileError(f"{path}: the GGUF header is damaged or truncated ({exc}).",
                             "Copy the file again.") from None
    return header.metadata, {name: t.dims for name, t in header.tensors.items()}


def _fits(adapter_shapes: dict[str, tuple[int, ...]], base_shapes: dict[str, tuple[int, ...]]) -> bool:
    for name, shape in adapter_shapes.items():
        base_name, _, part = name.rpartition(".")
        ne = base_shapes.get(base_name)
        if ne is None or len(ne) != 2 or len(shape) != 2:
            return False
        if part == "lora_a" and shape[0] != ne[0]:  # ne = [in, r]
            return False
        if part == "lora_b" and shape[1] != ne[1]:  # ne = [r, out]
            return False
    return True


# -- export / import ----------------------------------------------------------

def export_adapter(paths: AppPaths, name: str, file: str | Path) -> Path:
    """Write ``adapter.json`` + ``adapter.gguf`` into one .zip (default) or .tar/.tar.gz file."""
    info = get_adapter(paths, name)
    out = Path(file).expanduser()
    if out.is_dir():
        out = out / f"{info.name}.zip"
    if not out.parent.is_dir():
        raise DraftwheelError(f"{out.parent}: no such folder.", "Create it first or choose another file.")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    manifest = json.dumps(info.to_json(), indent=2, ensure_ascii=False).encode("utf-8")
    try:
        if out.name.endswith((".tar", ".tar.gz", ".tgz")):
            mode = "w:gz" if out.name.endswith(("gz",)) else "w"
            with tarfile.open(tmp, mode) as tar:
                ti = tarfile.TarInfo(JSON_FILE)
                ti.size, ti.mtime = len(manifest), int(time.time())
                import io

                tar.addfile(ti, io.BytesIO(manifest))
                tar.add(info.gguf, arcname=GGUF_FILE)
        else:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(JSON_FILE, manifest)
                zf.write(info.gguf, GGUF_FILE)
        os.replace(tmp, out)
    except OSError as exc:
        raise _disk_error(exc, f"export adapter {name!r} to {out}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out


# What reading a damaged .zip / .tar(.gz/.bz2/.xz) raises (gzip.BadGzipFile is an OSError; a full
# disk while unpacking is an OSError too, so OSError itself is left to the caller's disk handling).
_ARCHIVE_DAMAGE = (zipfile.BadZipFile, tarfile.TarError, EOFError, ValueError, zlib.error, gzip.BadGzipFile,
                   lzma.LZMAError, NotImplementedError)


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
                take((i.filename, i.file_size, lambda i=i: zf.open(i)) for i in zf.infolist() if not i.is_dir())
        else:
            with tarfile.open(file) as tar:
                take((m.name, m.size, lambda m=m: tar.extractfile(m)) for m in tar.getmembers() if m.isfile())
    except _ARCHIVE_DAMAGE as exc:
        raise DraftwheelError(f"{file}: the adapter archive is damaged ({type(exc).__name__}: {exc}).",
                              "Export it again.") from None
    if not (dest / GGUF_FILE).exists():
        raise DraftwheelError(f"{file}: the archive holds no adapter.gguf.",
                              "Give a file made by 'draftwheel adapters export', or an adapter .gguf.")
    if not (dest / JSON_FILE).exists():
        return None
    try:
        raw = json.loads((dest / JSON_FILE).read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        return raw
    except (ValueError, UnicodeDecodeError) as exc:
        raise DraftwheelError(f"{file}: its adapter.json is damaged ({exc}).", "Export it again.") from None


def import_adapter(paths: AppPaths, file: str | Path, name: str | None = None, task: str | None = None) -> AdapterInfo:
    """Add an adapter from an exported archive or a bare llama.cpp LoRA GGUF.

    Refuses damaged files, model GGUFs, and adapters whose base model (sha256
    and architecture) is not in the catalogue, naming the base they need.
    """
    file = Path(file).expanduser()
    if not file.is_file():
        raise DraftwheelError(f"{file}: no such file.")
    with open(file, "rb") as f:
        magic = f.read(4)
    root = _root(paths)
    stage = root / f".import.{os.getpid()}.tmp"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        stage.mkdir(mode=0o700)
        if magic == GGUF_MAGIC:
            _check_adapter_gguf(file, file)  # refuse a model GGUF before copying gigabytes
            shutil.copyfile(file, stage / GGUF_FILE)
            raw = None
        elif zipfile.is_zipfile(file) or _is_tar(file):
            raw = _extract(file, stage)
        else:
            raise DraftwheelError(f"{file}: not an adapter (neither a GGUF nor a .zip/.tar export).",
                                  "Give a file made by 'draftwheel adapters export', or an adapter .gguf.")
        ginfo = _check_adapter_gguf(stage / GGUF_FILE, file)
        arch = ginfo.architecture
        if raw is not None:
            try:
                meta = AdapterInfo.from_json(raw, stage)
            except (ValueError, TypeError) as exc:
                raise DraftwheelError(f"{file}: its adapter.json is incomplete ({exc}).", "Export it again.") from None
            if meta.architecture != arch:
                raise DraftwheelError(f"{file}: adapter.json says {meta.architecture} but the GGUF is {arch}.")
            base = _matching_base(stage / GGUF_FILE, arch, paths, meta.base_sha256)
        else:
            base = _matching_base(stage / GGUF_FILE, arch, paths, None)
            alpha = float(ginfo.metadata.get("adapter.lora.alpha", 0.0) or 0.0)
            meta = AdapterInfo(name=file.stem, task=task or "grammar", base_model=base.name, base_sha256=base.sha256,
                               architecture=arch, rank=_rank_of(stage / GGUF_FILE), alpha=alpha, folder=stage)
        new_name = check_name(name or meta.name)
        meta = dataclasses.replace(meta, name=new_name, promoted=False, source="imported",
                                   task=task or meta.task, base_model=meta.base_model or base.name)
        if (root / new_name).exists():
            raise DraftwheelError(f"An adapter named {new_name!r} already exists.", "Pass --name to choose another.")
        staged = stage / GGUF_FILE
        return create_adapter(paths, meta, lambda p: shutil.copyfile(staged, p))
    except OSError as exc:
        raise _disk_error(exc, f"import {file}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _is_tar(file: Path) -> bool:
    try:
        return tarfile.is_tarfile(file)
    except (OSError, *_ARCHIVE_DAMAGE):  # a truncated .tar.gz raises EOFError here
        return False


def _rank_of(gguf_path: Path) -> int:
    for name, dims in gguf_header(gguf_path)[1].items():
        if name.endswith(".lora_a") and len(dims) == 2:
            return int(dims[1])  # ne = [in, r]
    return 0


def choose_adapter(paths: AppPaths, model: ModelEntry, task: str, explicit: str | None = None,
                   setting: str = "", mode: str = "auto") -> AdapterInfo | None:
    """The adapter a revision should run with, checked against ``model``.

    ``explicit`` (``--adapter NAME``; ``base`` = none) wins, then the adapter
    chosen with ``draftwheel adapters use`` (``setting``), then, in ``auto`` or
    ``lora`` mode, the task's promoted adapter for this base model.
    """
    name = explicit if explicit is not None else (setting or None)
    if name is not None:
        if name.strip().lower() == BASE_NAME or not name.strip():
            return None
        info = get_adapter(paths, name)
        check_base(info, model, paths)
        return info
    if mode in ("auto", "lora"):
        return promoted_for(paths, task, model.sha256)
    return None
