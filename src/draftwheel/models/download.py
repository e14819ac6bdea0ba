"""Download a GGUF from a hub into the data folder's ``models/`` and register it.

huggingface_hub's ``hf_hub_download`` (2.x) writes to a temporary name unique
to each process and deletes it on failure, so an interrupted multi-gigabyte
download would start over. We use the library for the request that finds the
file (endpoint, token, redirects, its error types) and for the transfer itself
(``http_get`` with ``resume_size``: a Range request, retries, a progress bar),
but keep the partial file ourselves, in ``models/.downloads/``, named after
the remote ETag so a file changed on the hub is never resumed into.

Order of things: refuse when offline, check the name is free, one HEAD
request, check free disk space, transfer, check the sha256 (the curated
list's, else the hub's LFS sha256), move into ``models/``, register. Only a
verified, readable GGUF is registered; a mismatch or a non-GGUF file is
deleted, and an interrupted transfer leaves only the partial file.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from draftwheel.config.paths import AppPaths, private_dir
from draftwheel.errors import Cancelled, DraftwheelError, write_error
from draftwheel.models import hub
from draftwheel.models.catalogue import BUNDLED_NAME, Catalogue, ModelEntry
from draftwheel.models.gguf_info import sha256_file

PARTIAL_DIR = ".downloads"
DISK_MARGIN = 64 * 2**20  # keep this much free after the download
Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


@dataclass(frozen=True)
class Source:
    repo: str
    file: str
    revision: str = "main"
    sha256: str | None = None  # known in advance (curated list or --sha256)
    size_bytes: int | None = None  # used for the disk check when the hub does not say
    name: str | None = None  # catalogue name; default from the file name


def model_name(source: Source) -> str:
    stem = Path(source.file).name.removesuffix(".gguf").removesuffix(".GGUF")
    return source.name or re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-").lower()[:64]


def partial_path(paths: AppPaths, source: Source, etag: str) -> Path:
    tag = re.sub(r"[^A-Za-z0-9]", "", etag)[:16] or "noetag"
    return paths.models_dir / PARTIAL_DIR / f"{Path(source.file).name}.{tag}.part"


def _progress_class(on_progress: Progress | None, cancel: threading.Event | None, visible: bool):
    """A tqdm class for ``http_get``: draws the CLI bar if ``visible``, reports bytes, and stops on ``cancel``."""
    from tqdm import tqdm

    class Bar(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = not visible
            super().__init__(*args, **kwargs)
            self.done = int(kwargs.get("initial") or 0)
            self.expected = kwargs.get("total")

        def update(self, n=1):
            if cancel is not None and cancel.is_set():
                raise Cancelled("download cancelled")
            super().update(n)
            self.done += int(n or 0)
            if on_progress is not None:
                on_progress(self.done, self.expected)

    return Bar


def check_disk(folder: Path, needed: int | None) -> None:
    if not needed:
        return
    free = shutil.disk_usage(folder).free
    if free < needed + DISK_MARGIN:
        raise DraftwheelError(
            f"Not enough disk space in {folder}: the download needs {needed / 1e9:.2f} GB, {free / 1e9:.2f} GB is free.",
            "Free some space and run the download again (a partial download resumes).",
        )


def download(
    paths: AppPaths,
    source: Source,
    endpoint: str,
    token: str | bool = False,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
    show_bar: bool = False,
) -> ModelEntry:
    """Download ``source`` from ``endpoint`` and register it; returns the new catalogue entry.

    Raises DraftwheelError with a message for the user, ``Cancelled`` when
    ``cancel`` was set (the partial file stays, to resume), and lets
    KeyboardInterrupt through the same way.
    """
    hub.refuse_if_offline()
    hub.check_repo(source.repo, source.file)
    name = model_name(source)
    catalogue = Catalogue(paths)
    if name == BUNDLED_NAME or any(e.name == name for e in catalogue.list()):
        raise DraftwheelError(f"A model named {name!r} already exists.", "Pass --name to choose another.")
    target = private_dir(paths.models_dir) / Path(source.file).name
    if target.exists():
        raise DraftwheelError(f"{target} already exists.", f"Register it with 'draftwheel models add {target}'.")
    remote = hub.remote_file(endpoint, source.repo, source.file, source.revision, token)
    part = partial_path(paths, source, remote.etag)
    private_dir(part.parent)
    have = part.stat().st_size if part.exists() else 0
    total = remote.size or source.size_bytes
    check_disk(part.parent, (total - have) if total else None)
    _transfer(remote, part, have, token, _progress_class(on_progress, cancel, show_bar), source, endpoint)
    expected = source.sha256 or remote.sha256
    if expected:
        got = sha256_file(part)
        if got != expected:
            part.unlink(missing_ok=True)
            raise DraftwheelError(
                f"{source.repo}/{source.file}: the sha256 does not match (expected {expected[:12]}…, got {got[:12]}…); "
                "the downloaded file was deleted.",
                "Try again; if it happens again the file on the hub differs from the one listed.",
            )
    os.replace(part, target)
    try:
        return catalogue.add(target, name, sha256=expected)
    except DraftwheelError as exc:
        target.unlink(missing_ok=True)  # not a usable model: nothing half-registered, nothing left behind
        raise DraftwheelError(f"{exc.message} The downloaded file was deleted.", exc.hint) from None


def _transfer(remote, part: Path, have: int, token, bar, source: Source, endpoint: str) -> None:
    from huggingface_hub import utils as hf_utils
    from huggingface_hub.file_download import http_get

    headers = hf_utils.build_hf_headers(token=token)
    if not remote.same_host:
        headers.pop("authorization", None)  # a CDN link is signed; the token stays with the hub
    # O_APPEND + 0600: the partial grows across runs and is private like the rest of the data folder.
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        with os.fdopen(fd, "ab") as f:
            http_get(remote.url, f, resume_size=have, headers=headers, expected_size=remote.size, tqdm_class=bar)
    except (Cancelled, KeyboardInterrupt):
        raise
    except OSError as exc:
        if (
            err := write_error(exc, part.parent, f"write {part.name}", "Free some disk space and run it again.")
        ) is not None:
            raise err from None
        if "Consistency check failed" in str(exc):
            part.unlink(missing_ok=True)  # more or fewer bytes than announced: not resumable
            raise DraftwheelError(
                f"{source.repo}/{source.file}: the server sent a different size than it announced; "
                "the partial file was deleted.",
                "Run the download again.",
            ) from None
        raise hub.hub_error(exc, source.repo, source.file, endpoint) from None
    except Exception as exc:
        err2 = hub.hub_error(exc, source.repo, source.file, endpoint)
        if err2 is exc:
            raise
        raise DraftwheelError(f"{err2} The partial download was kept; run the same command to resume.") from None
