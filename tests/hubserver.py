"""A local imitation of the Hugging Face Hub's file endpoint, for download tests without the internet.

It answers what huggingface_hub asks of ``{endpoint}/{owner}/{name}/resolve/{revision}/{file}``:
HEAD with ``X-Repo-Commit``, ``ETag`` (the sha256 for an LFS file, as the hub sends it)
and ``Content-Length``; GET with ``Range`` support (206 + ``Content-Range``). A gated
repository answers 401 with ``X-Error-Code: GatedRepo`` unless the request carries the
right bearer token. ``cut_once`` makes the first GET close the connection after that many
bytes, as a dropped connection would. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "0123456789abcdef0123456789abcdef01234567"
_PATH = re.compile(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


@dataclass
class FakeHub:
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    gated: dict[str, str] = field(default_factory=dict)  # repo -> token that opens it
    etags: dict[tuple[str, str], str] = field(default_factory=dict)  # override the sha256 ETag
    cut_once: int | None = None
    pace_s: float = 0.0  # pause between 64 KiB pieces of a body, so a test can act mid-transfer
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    def add(self, repo: str, file: str, data: bytes) -> str:
        self.files[(repo, file)] = data
        return hashlib.sha256(data).hexdigest()

    def gets(self) -> list[dict[str, str]]:
        return [h for m, _, h in self.requests if m == "GET"]


def _handler(hub: FakeHub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep pytest output clean
            pass

        def _find(self):
            hub.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
            m = _PATH.match(self.path)
            if not m:
                return self._error(404, "RepoNotFound")
            repo, _rev, file = m.groups()
            if repo in hub.gated and self.headers.get("Authorization") != f"Bearer {hub.gated[repo]}":
                return self._error(401, "GatedRepo")
            if not any(r == repo for r, _ in hub.files):
                return self._error(401, "RepoNotFound")  # the hub hides unknown repos behind 401
            if (repo, file) not in hub.files:
                return self._error(404, "EntryNotFound")
            data = hub.files[(repo, file)]
            return data, hub.etags.get((repo, file)) or hashlib.sha256(data).hexdigest()

        def _error(self, status: int, code: str):
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            if code == "EntryNotFound":
                self.send_header("X-Repo-Commit", COMMIT)  # the repo exists: the hub says at which commit
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None

        def _head(self, status: int, length: int, etag: str, extra: dict[str, str]):
            self.send_response(status)
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("ETag", f'"{etag}"')
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()

        def do_HEAD(self):
            found = self._find()
            if found:
                data, etag = found
                self._head(200, len(data), etag, {})

        def do_GET(self):
            found = self._find()
            if not found:
                return
            data, etag = found
            start = 0
            m = re.match(r"bytes=(\d+)-", self.headers.get("Range", ""))
            if m:
                start = int(m.group(1))
                body = data[start:]
                self._head(206, len(body), etag, {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"})
            else:
                body = data
                self._head(200, len(body), etag, {})
            if hub.cut_once is not None:
                n, hub.cut_once = hub.cut_once, None
                self.wfile.write(body[:n])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)  # the client sees the body end early
                return
            for i in range(0, len(body), 64 * 1024):
                self.wfile.write(body[i : i + 64 * 1024])
                if hub.pace_s:
                    self.wfile.flush()
                    time.sleep(hub.pace_s)

    return Handler


def serve(hub: FakeHub):
    """Start ``hub`` on 127.0.0.1 in a thread; returns the server (call ``shutdown()`` and ``server_close()``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    server.daemon_threads = True
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
