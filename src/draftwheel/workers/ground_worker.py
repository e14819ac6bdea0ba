"""Grounded generation for the app: folder import, the run and pair review off the GUI thread.

Import, profile and review calls run on this worker's own thread (they touch
files and the store, never the engine). A run with the local model is
submitted to the *engine* thread (:class:`~draftwheel.workers.engine_worker.EngineWorker`)
so llama.cpp is only ever entered from there, between suggestions; a run
against a remote endpoint runs here and leaves the engine free. Progress
arrives as the ``progress`` signal (queued from whichever thread runs the job);
``cancel()`` sets the run's :class:`CancelToken`.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from draftwheel.config import AppPaths
from draftwheel.engine.base import CancelToken
from draftwheel.errors import Cancelled, DraftwheelError, ModelFileError
from draftwheel.workers.qt import Signal
from draftwheel.workers.thread import ThreadWorker

if TYPE_CHECKING:
    from draftwheel.ground.profile import AuthorProfile

LOCAL = "local"


@dataclass(frozen=True)
class GroundRequest:
    folder: str
    n_pairs: int
    profile: AuthorProfile | None
    generator: str = LOCAL  # LOCAL, or "endpoint"
    endpoint: str = ""
    model: str = ""
    protocol: str = "openai"  # what the endpoint speaks: "openai" or "anthropic" (settings.remote_protocol)


# -- plain functions, run on a worker thread ------------------------------------------------


def import_preview(folder: str, paths: AppPaths) -> dict:
    """Import ``folder`` and propose a profile: {"result": ImportResult, "profile": AuthorProfile, "profile_path"}.

    An existing saved profile (the one the CLI also uses) is offered first, so
    the user's earlier edits are kept; otherwise one is computed from the passages.
    """
    from draftwheel.ground.documents import import_folder
    from draftwheel.ground.pipeline import default_profile_path
    from draftwheel.ground.profile import compute_profile, load_profile

    result = import_folder(folder)
    saved = default_profile_path(paths)
    profile = None
    if saved.exists():
        try:
            profile = load_profile(saved)
        except DraftwheelError:
            profile = None  # a broken saved profile: offer a fresh one instead
    if profile is None and result.passages:
        profile = compute_profile(result.passages)
    return {"result": result, "profile": profile, "profile_path": saved}


def parse_profile_text(text: str):
    """The profile the user edited: JSON as saved, or plain text describing the voice.

    Parsed with the same rules as ``--profile FILE`` (so the same messages);
    DraftwheelError for a bad one.
    """
    from draftwheel.ground.profile import load_profile

    with tempfile.TemporaryDirectory(prefix="draftwheel-profile-") as tmp:
        suffix = ".json" if text.lstrip().startswith("{") else ".txt"
        path = Path(tmp) / f"profile{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            return load_profile(path)
        except DraftwheelError as exc:
            # The temporary file name means nothing to the user.
            raise DraftwheelError(
                exc.message.replace(f"{path}: ", "").replace(str(path), "the profile"), exc.hint
            ) from None


def save_profile(profile, paths: AppPaths) -> Path:
    from draftwheel.ground.pipeline import default_profile_path

    path = default_profile_path(paths)
    profile.save(path)  # atomic
    return path


def _run(request: GroundRequest, paths: AppPaths, generator, emit_progress, cancel: CancelToken):
    from draftwheel.ground.pipeline import GroundOptions, run_ground

    try:
        return run_ground(
            request.folder,
            paths,
            generator,
            options=GroundOptions(n_pairs=request.n_pairs),
            profile=request.profile,
            on_progress=emit_progress,
            cancel=cancel,
        )
    except Cancelled:
        raise DraftwheelError("Cancelled before any pair was generated; nothing was stored.") from None


def run_endpoint(request: GroundRequest, paths: AppPaths, emit_progress, cancel: CancelToken):
    from draftwheel.ground.llm import endpoint_generator

    generator = endpoint_generator(request.endpoint, request.model, protocol=request.protocol)
    return _run(request, paths, generator, emit_progress, cancel)


def run_on_engine(host, request: GroundRequest, emit_progress, cancel: CancelToken):
    """Runs ON THE ENGINE THREAD with the loaded engine, base model (pairs must not echo an adapter's habits)."""
    from draftwheel.ground.llm import LocalGenerator

    engine = host.engine
    if engine is None:
        raise ModelFileError(
            "The local model is not loaded yet.", "Wait for it to load, or choose a model in Settings."
        )
    if engine.adapter is not None:
        engine.use_adapter(None)  # the next suggestion re-applies the adapter it needs
    return _run(request, host.paths, LocalGenerator(engine, seed=host.settings.seed), emit_progress, cancel)


def pending_pairs(paths: AppPaths, ids: list[int] | None = None) -> list[dict]:
    """Pending grounded pairs as plain dicts (only ``ids`` when given), oldest first."""
    from draftwheel.ground.storage import list_pairs, pair_record
    from draftwheel.store import open_store

    with open_store(paths) as store, store.session() as s:
        rows = [pair_record(e) for e in list_pairs(s, ("pending",))]
    if ids is not None:
        wanted = set(ids)
        rows = [r for r in rows if r["id"] in wanted]
    return rows


def apply_review(paths: AppPaths, **verdicts) -> dict:
    """``draftwheel.ground.storage.review`` in one transaction; returns the counts."""
    from draftwheel.ground.storage import review
    from draftwheel.store import open_store

    with open_store(paths) as store:
        return review(store, **verdicts)


class GroundWorker(ThreadWorker):
    """GUI-thread handle: the wizard talks to this only."""

    progress = Signal(object)  # draftwheel.ground.generate.Progress
    finished = Signal(object)  # GroundResult
    failed = Signal(str)

    def __init__(self, paths: AppPaths, engine_worker=None, parent=None):
        super().__init__("draftwheel-ground", parent)
        self.paths = paths
        self.engine_worker = engine_worker
        self.cancel_token: CancelToken | None = None
        # A local run reports progress from the engine thread, which outlives this worker: after
        # shutdown() it must not touch this (possibly deleted) object, so emits go through a gate.
        self._gate = threading.Lock()
        self._open = True

    @property
    def running_job(self) -> bool:
        return self.cancel_token is not None

    def _emit_progress(self, progress) -> None:  # any thread
        with self._gate:
            if self._open:
                self.progress.emit(progress)  # queued to the wizard

    def start(self, request: GroundRequest) -> None:
        self.cancel_token = token = CancelToken()
        emit = self._emit_progress
        if request.generator == LOCAL:
            if self.engine_worker is None:
                self._failed("The local model is not available in this window.")
                return
            # cancel_with: quitting the app (the engine worker's stop) cancels the run too.
            self.engine_worker.submit(
                run_on_engine,
                self.engine_worker.host,
                request,
                emit,
                token,
                on_done=self._done,
                on_error=self._failed,
                cancel_with=token,
            )
        else:
            self.submit(
                run_endpoint,
                request,
                self.paths,
                emit,
                token,
                on_done=self._done,
                on_error=self._failed,
                cancel_with=token,
            )

    def cancel(self) -> None:
        if self.cancel_token is not None:
            self.cancel_token.cancel()

    def _done(self, result) -> None:
        self.cancel_token = None
        self.finished.emit(result)

    def _failed(self, message: str) -> None:
        self.cancel_token = None
        self.failed.emit(message)

    def shutdown(self) -> None:
        """Cancel the run, stop progress reports and join this worker's thread (an endpoint run
        ends at its next cancel check; a local run on the engine thread within one token)."""
        self.cancel()
        with self._gate:
            self._open = False
        self.stop()
