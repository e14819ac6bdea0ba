"""The one thread that owns the inference engine.

Every engine call (loading, generation, adapter switches) runs on this
worker's thread, one after another, so llama.cpp is never entered from two
threads and an adapter switch can never land in the middle of a suggestion.
Generation streams text through the ``chunk`` signal; a
:class:`~draftwheel.engine.base.CancelToken` set from the GUI thread stops it
within one token.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from draftwheel.config import AppPaths, Settings
from draftwheel.engine.base import AdapterRef, CancelToken, Engine
from draftwheel.engine.prompts import Task
from draftwheel.engine.revise import ReviseOptions, revise_text
from draftwheel.errors import DraftwheelError, ModelFileError
from draftwheel.models.adapter_info import BASE_NAME as BASE  # the switcher's "Base model": no adapter
from draftwheel.workers.qt import Signal
from draftwheel.workers.thread import ThreadWorker

if TYPE_CHECKING:
    from draftwheel.models.catalogue import ModelEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineStatus:
    model: str
    backend: str
    adapter: str | None
    n_threads: int
    n_ctx: int
    load_seconds: float = 0.0
    choice: str = ""  # the switcher: "" automatic (the task's promoted adapter), "base", or an adapter name


@dataclass
class Suggestion:
    """A finished (or cancelled) generation, with what the store needs to log it."""

    job: int
    original: str
    text: str  # the suggestion, whole
    task: str
    instruction: str
    stage: str  # zero | few | lora
    model: str
    adapter: str | None
    latency_ms: float  # request to last token
    prompt_tokens: int
    output_tokens: int
    tokens_per_s: float
    finish_reason: str
    n_examples: int = 0
    # (source, the model's attempt, why it was not used) for units that kept their source text.
    rejected: list[tuple[str, str, str]] = field(default_factory=list)
    all_rejected: bool = False  # no unit's answer passed the check: there is no good suggestion
    meaning: float = 1.0  # how faithfully the suggestion keeps the text's meaning (engine.meaning, 0..1)
    # (source, its revision, meaning score) for units offered with a borderline score ("may change your meaning").
    warned: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return self.finish_reason == "cancelled"


@dataclass
class RevisionJob:
    id: int
    text: str
    task: Task
    cancel: CancelToken = field(default_factory=CancelToken)


def _flywheel_revise():
    """``draftwheel.flywheel.revise_with_flywheel`` when that layer is installed."""
    try:
        from draftwheel.flywheel import revise_with_flywheel
    except ImportError:
        return None
    return revise_with_flywheel


class EngineHost:
    """Plain-Python state of the engine thread: the engine, its settings, a store handle."""

    def __init__(self, paths: AppPaths):
        self.paths = paths
        self.settings = Settings()
        self.engine: Engine | None = None
        self.entry: ModelEntry | None = None  # the loaded model's catalogue entry
        self.model_name = ""
        self.choice = ""  # see EngineStatus.choice
        self._store = None

    # -- loading ---------------------------------------------------------
    def load(self, settings: Settings) -> EngineStatus:
        from draftwheel.engine import load_engine
        from draftwheel.models import Catalogue

        t0 = time.perf_counter()
        self.close_engine()
        self.settings = settings
        entry = Catalogue(self.paths).get(settings.model)
        try:
            self.engine = load_engine(entry, settings)
        except ImportError as exc:
            raise DraftwheelError(
                f"The inference library could not be imported ({exc}).",
                "Reinstall Draftwheel with its dependencies (llama-cpp-python).",
            ) from None
        self.model_name = entry.name
        self.entry = entry
        self.choice = settings.adapter
        if self.choice not in ("", BASE):
            try:
                self.engine.use_adapter(self._resolve(""))
            except DraftwheelError as exc:
                log.warning("adapter %s not applied: %s", settings.adapter, exc)
                self.choice = ""
        return self.status(time.perf_counter() - t0)

    def status(self, load_seconds: float = 0.0) -> EngineStatus:
        if self.engine is None:
            raise ModelFileError("No model is loaded.", "Choose a model in Settings.")
        info = self.engine.info
        return EngineStatus(
            self.model_name, info.backend, info.adapter, info.n_threads, info.n_ctx, load_seconds, self.choice
        )

    def update_settings(self, settings: Settings) -> None:
        """Settings that apply to the next request only (temperature, few-shot size...)."""
        self.settings = settings

    def _resolve(self, task: str) -> AdapterRef | None:
        """The adapter the switcher's choice means for ``task`` (None: the base model); the flywheel decides."""
        from draftwheel.flywheel.policy import choose_adapter
        from draftwheel.models.adapter_info import adapter_ref

        info = choose_adapter(self.paths, self.entry, task, choice=self.choice)
        return adapter_ref(info) if info is not None else None

    # -- store (read by the flywheel for few-shot examples) ----------------
    def store(self):
        if self._store is None:
            from draftwheel.store.db import open_store

            self._store = open_store(self.paths)
        return self._store

    # -- work --------------------------------------------------------------
    def choose_adapter(self, choice: str) -> EngineStatus:
        """Switch now: ``choice`` is "" (automatic), "base" or an adapter name."""
        if self.engine is None:
            raise ModelFileError(
                "No model is loaded yet, so no adapter can be applied.", "Wait for the model to finish loading."
            )
        old = self.choice
        self.choice = choice
        try:
            # Automatic resolves per task at the next suggestion; until then the base model.
            self._apply(self._resolve("") if choice not in ("", BASE) else None)
        except DraftwheelError:
            self.choice = old
            raise
        return self.status()

    def _apply(self, want: AdapterRef | None) -> None:
        engine = self.engine
        assert engine is not None
        current = engine.adapter
        have = (str(current.path), current.scale) if current else None
        if have != ((str(want.path), want.scale) if want else None):
            engine.use_adapter(want)

    def revise(self, job: RevisionJob, on_text) -> Suggestion:
        if self.engine is None:
            raise ModelFileError("No model is loaded.", "Wait for it to load, or choose a model in Settings.")
        engine = self.engine
        t0 = time.perf_counter()
        want = self._resolve(job.task.name)
        self._apply(want)
        flywheel = _flywheel_revise()
        if flywheel is not None:
            # The flywheel reads the stage off the applied adapter (lora) or its policy (zero/few).
            result, stage = flywheel(
                engine, self.store(), self.settings, job.text, job.task, "auto", job.cancel, on_text
            )
        else:
            options = ReviseOptions(
                temperature=self.settings.temperature,
                seed=self.settings.seed,
                max_new_tokens=self.settings.max_new_tokens,
                prompt_style=self.settings.prompt_style,
            )
            result = revise_text(engine, job.text, job.task, options, cancel=job.cancel, on_text=on_text)
            stage = "lora" if engine.adapter is not None else "zero"
        adapter = engine.adapter
        return Suggestion(
            job=job.id,
            original=job.text,
            text=result.text,
            task=job.task.name,
            instruction=job.task.instruction,
            stage=stage,
            model=self.model_name,
            adapter=adapter.name if adapter else None,
            latency_ms=(time.perf_counter() - t0) * 1000.0,
            prompt_tokens=result.n_prompt_tokens,
            output_tokens=result.n_generated,
            tokens_per_s=result.tokens_per_s,
            finish_reason=result.finish_reason,
            n_examples=result.n_examples,
            rejected=result.rejected_units,
            all_rejected=result.all_rejected,
            meaning=result.meaning,
            warned=[(u.source, u.output, u.meaning) for u in result.warned_units],
        )

    def close_engine(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    def close(self) -> None:
        self.close_engine()
        if self._store is not None:
            self._store.close()
            self._store = None


class EngineWorker(ThreadWorker):
    """GUI-thread handle of the engine thread; everything it reports arrives as a signal."""

    loading = Signal(str)  # what is happening, for the status bar
    loaded = Signal(object)  # EngineStatus
    load_failed = Signal(str)
    chunk = Signal(int, str)  # job id, new text
    revised = Signal(object)  # Suggestion
    revise_failed = Signal(int, str)  # job id, message
    adapter_changed = Signal(object)  # EngineStatus
    adapter_failed = Signal(str)

    def __init__(self, paths: AppPaths, parent=None):
        super().__init__("draftwheel-engine", parent)
        self.host = EngineHost(paths)  # touched only on the engine thread from now on
        self._job_ids = 0
        self.current: RevisionJob | None = None
        self.status: EngineStatus | None = None
        self.loaded.connect(self._remember)
        self.adapter_changed.connect(self._remember)

    def _remember(self, status: EngineStatus) -> None:
        self.status = status

    @property
    def ready(self) -> bool:
        return self.status is not None

    def load(self, settings: Settings) -> None:
        self.status = None
        self.loading.emit(f"Loading the model {settings.model}…")
        self.submit(self.host.load, settings, on_done=self.loaded.emit, on_error=self.load_failed.emit)

    def update_settings(self, settings: Settings) -> None:
        self.submit(self.host.update_settings, settings)

    def choose_adapter(self, choice: str) -> None:
        """ "" automatic (the task's promoted adapter), "base", or an adapter name; applied on the engine thread."""
        self.submit(
            self.host.choose_adapter, choice, on_done=self.adapter_changed.emit, on_error=self.adapter_failed.emit
        )

    def revise(self, text: str, task: Task) -> RevisionJob:
        self._job_ids += 1
        job = RevisionJob(self._job_ids, text, task)
        self.current = job
        emit_chunk = self.chunk.emit

        def on_text(piece: str, _id=job.id) -> None:  # runs on the engine thread
            if piece:
                emit_chunk(_id, piece)

        self.submit(
            self.host.revise,
            job,
            on_text,
            on_done=self._finished,
            on_error=functools.partial(self._failed, job.id),
            cancel_with=job.cancel,
        )
        return job

    def _finished(self, suggestion: Suggestion) -> None:
        if self.current is not None and self.current.id == suggestion.job:
            self.current = None
        self.revised.emit(suggestion)

    def _failed(self, job_id: int, message: str) -> None:
        if self.current is not None and self.current.id == job_id:
            self.current = None
        self.revise_failed.emit(job_id, message)

    def cancel(self) -> None:
        if self.current is not None:
            self.current.cancel.cancel()

    def shutdown(self) -> None:
        self.cancel()
        self.submit(self.host.close)
        self.stop()
