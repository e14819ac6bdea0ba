"""What the window works with: paths, settings and the worker threads.

Kept outside the window so the threads (and the loaded model) outlive any one
window: tests open several windows on one engine, and a window destroyed
without closing cannot take a running thread down with it.
"""

from __future__ import annotations

from draftwheel.config import AppPaths, Settings, app_paths, load_settings, save_settings
from draftwheel.errors import DraftwheelError
from draftwheel.workers.engine_worker import EngineWorker
from draftwheel.workers.store_worker import StoreWorker
from draftwheel.workers.training_worker import TrainingWorker


class Services:
    def __init__(self, paths: AppPaths | None = None, settings: Settings | None = None):
        self.paths = paths or app_paths()
        self.settings_error: str | None = None
        if settings is None:
            try:
                settings = load_settings(self.paths)
            except DraftwheelError as exc:
                # A broken settings file must not stop the window: run on defaults and say so.
                self.settings_error = str(exc)
                settings = Settings()
        self.settings = settings
        self.engine = EngineWorker(self.paths)
        self.store = StoreWorker(self.paths)
        self.training = TrainingWorker(self.paths)

    def start(self) -> None:
        """Load the model in the background; the window is already showing."""
        self.engine.load(self.settings)
        self.training.watch(False)  # slow polling: announces promoted adapters

    def save_settings(self, settings: Settings) -> None:
        save_settings(settings, self.paths)
        self.settings = settings

    def shutdown(self) -> None:
        self.training.shutdown()
        self.engine.shutdown()
        self.store.shutdown()
