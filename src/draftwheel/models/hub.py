"""Talking to a Hugging Face Hub (or a mirror): endpoint, offline mode, token, errors.

Nothing here runs unless the user asked for a download. The endpoint is the
``hub_endpoint`` setting, else ``HF_ENDPOINT``, else huggingface.co; it is
passed to every call explicitly because huggingface_hub reads ``HF_ENDPOINT``
once, at import. The token comes from the OS keyring only (``draftwheel models
token``): we never let the library pick up a token from other places, so what
is sent is what the user stored here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from draftwheel.config import Settings
from draftwheel.config.secrets import get_hub_token
from draftwheel.errors import DraftwheelError, NotFoundError

DEFAULT_ENDPOINT = "https://huggingface.co"
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_TRUE = {"1", "ON", "YES", "TRUE"}
CHUNK_BYTES = 2**20
GATED = "this model is gated: accept its license on the hub and store a token with `draftwheel models token`"


def hub_endpoint(settings: Settings) -> str:
    return (settings.hub_endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE), read now: the library reads it only at import."""
    return any(os.environ.get(k, "").strip().upper() in _TRUE for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def refuse_if_offline() -> None:
    if offline():
        raise DraftwheelError(
            "HF_HUB_OFFLINE is set, so nothing is downloaded.",
            "Unset it to download, or add a GGUF you already have with 'draftwheel models add PATH'.",
        )


def check_repo(repo: str, file: str) -> None:
    if not _REPO_RE.match(repo) or ".." in repo:
        raise DraftwheelError(f"{repo!r} is not a hub repository (owner/name).")
    parts = file.split("/")
    if not file.lower().endswith(".gguf") or any(p in ("", ".", "..") for p in parts):
        raise DraftwheelError(f"{file!r} is not a GGUF file name in the repository (it must end in .gguf).")


def quiet_library() -> None:
    """Turn huggingface_hub's telemetry off before any request.

    With telemetry on, building a request's User-Agent fetches an "agent
    harnesses" list from huggingface.co (whatever endpoint is set) and reports
    the torch version: a connection the user did not ask for, and one that
    bypasses a mirror. The library reads the flag at each call, from its
    constants module; the environment variable covers an import after this.
    """
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    import huggingface_hub.constants

    huggingface_hub.constants.HF_HUB_DISABLE_TELEMETRY = True
    # The library reads its body in 10 MB pieces; progress and Cancel act between pieces, so a slow
    # link would show a frozen bar and ignore Cancel for many seconds. 1 MiB keeps both responsive.
    huggingface_hub.constants.DOWNLOAD_CHUNK_SIZE = min(huggingface_hub.constants.DOWNLOAD_CHUNK_SIZE, CHUNK_BYTES)


def token_for(endpoint: str) -> str | bool:
    """The stored token, or False: False tells huggingface_hub not to look for one elsewhere."""
    return get_hub_token(endpoint) or False


@dataclass(frozen=True)
class RemoteFile:
    url: str  # where to GET it (after the hub's redirect)
    size: int | None
    sha256: str | None  # the hub's LFS sha256 (its ETag) when it sends one
    etag: str
    same_host: bool  # the GET goes to the endpoint itself, so it may carry the token


def remote_file(endpoint: str, repo: str, file: str, revision: str, token: str | bool) -> RemoteFile:
    """One HEAD request for the file's size, sha256 and final location."""
    from urllib.parse import urlsplit

    quiet_library()
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(repo, file, revision=revision, endpoint=endpoint)
    try:
        meta = get_hf_file_metadata(url, token=token, endpoint=endpoint)
    except Exception as exc:
        raise hub_error(exc, repo, file, endpoint) from None
    etag = meta.etag or ""
    sha = etag if re.fullmatch(r"[0-9a-f]{64}", etag) else None
    location = meta.location or url
    return RemoteFile(location, meta.size, sha, etag, urlsplit(location).netloc == urlsplit(endpoint).netloc)


def hub_error(exc: BaseException, repo: str, file: str, endpoint: str) -> BaseException:
    """A user-facing error for a failed hub call; anything unexpected is returned as it is."""
    import httpx2
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, RepositoryNotFoundError

    if isinstance(exc, (httpx2.ConnectError, httpx2.TimeoutException)):
        return DraftwheelError(
            f"Could not reach {endpoint} ({type(exc).__name__}).",
            "Check the connection, or the hub_endpoint setting / HF_ENDPOINT if you use a mirror.",
        )
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        code = exc.response.headers.get("X-Error-Code") if exc.response is not None else None
        if status in (401, 403) and code != "RepoNotFound":
            return DraftwheelError(f"{repo}: {GATED} (HTTP {status}).")
        if isinstance(exc, EntryNotFoundError) or code == "EntryNotFound":
            return NotFoundError(f"{repo} has no file {file!r}.", "Check the file name on the repository's page.")
        if isinstance(exc, RepositoryNotFoundError) or status in (401, 404):
            return NotFoundError(
                f"No repository {repo!r} at {endpoint} (or it is private).",
                "Check the name; for a private one store a token with `draftwheel models token`.",
            )
        return DraftwheelError(f"The hub answered HTTP {status} for {repo}/{file}.", "Try again later.")
    return exc
