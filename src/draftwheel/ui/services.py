"""What the window works with: paths, settings and the worker threads.

Kept outside the window so the threads (and the loaded model) outlive any one
window: tests open several windows on one engine, and a window destroyed
without closing cannot take a running thread down with it.
"""

from __future__ import annotations

import os
import weakref

from draftwheel.config import (
    AppPaths,
    Settings,
    app_paths,
    load_settings,
    save_settings,
    take_settings_notices,
    update_settings,
)
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import QObject, QtCore, Signal
from draftwheel.workers.engine_worker import EngineWorker
from draftwheel.workers.rules_worker import RulesWorker
from draftwheel.workers.store_worker import StoreWorker
from draftwheel.workers.training_worker import TrainingWorker


def _signature(path) -> tuple[int, int, int] | None:
    """(inode, size, mtime ns) of the settings file; every write replaces it, so any change shows."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class SettingsWatch(QObject):
    """Emits ``changed(Settings)`` when settings.json changes on disk (e.g. ``draftwheel privacy
    pause`` while the window is open), so widgets showing a setting follow it.

    The data folder is watched, not the file: every write replaces the file by
    rename, which a watch on the file itself would not survive.
    """

    changed = Signal(object)

    def __init__(self, services: Services):
        super().__init__()
        # A weak reference: a Services <-> watch cycle would be freed by the cyclic garbage
        # collector, which may run on a worker thread, and a QObject must die on its own thread.
        self._services = weakref.ref(services)
        self._last = services.settings
        self._watcher = QtCore.QFileSystemWatcher([str(services.paths.home)], self)
        self._watcher.directoryChanged.connect(self._check)

    def _check(self, _folder: str = "") -> None:
        services = self._services()
        if services is None:
            return
        # Compared with what was last announced, not with the file: the property may have
        # re-read the new file already, and the widgets still need to hear of it.
        now = services.settings
        if now != self._last:
            self._last = now
            self.changed.emit(now)


class Services:
    def __init__(self, paths: AppPaths | None = None, settings: Settings | None = None):
        """``settings``, when given (tests, screenshots), become the data folder's settings."""
        self.paths = paths or app_paths()
        self.settings_error: str | None = None
        if settings is not None:
            save_settings(settings, self.paths)
        self._settings = Settings()
        self._seen: tuple[int, int, int] | None = None
        self._reload()
        self.watch = SettingsWatch(self)
        self.engine = EngineWorker(self.paths)
        self.store = StoreWorker(self.paths)
        self.training = TrainingWorker(self.paths)
        self.rules = RulesWorker()  # the editor's live spelling and grammar checker

    @property
    def settings(self) -> Settings:
        """The settings as they are on disk now: a change made by the CLI while the window is
        open is seen at the next use, and never written back over."""
        if self.settings_stale():
            self._reload()
        return self._settings

    def settings_stale(self) -> bool:
        return _signature(self.paths.settings_file) != self._seen

    def _reload(self) -> None:
        sig = _signature(self.paths.settings_file)
        try:
            self._settings = load_settings(self.paths)
        except (OSError, DraftwheelError) as exc:
            # An unreadable file (permissions) must not stop the window: keep what was known and say so.
            self.settings_error = str(exc)
        notices = take_settings_notices()
        if notices:
            self.settings_error = " ".join(notices)  # a damaged file was set aside: tell the user once
            sig = _signature(self.paths.settings_file)
        self._seen = sig

    def start(self) -> None:
        """Load the model in the background; the window is already showing."""
        self.engine.load(self.settings)
        self.training.watch(False)  # slow polling: announces promoted adapters

    def update_settings(self, **changes) -> Settings:
        """Change only these keys on the current file (see config.update_settings)."""
        self._settings = update_settings(self.paths, **changes)
        self._seen = _signature(self.paths.settings_file)
        return self._settings

    def save_settings(self, settings: Settings) -> None:
        """Store what ``settings`` changes relative to the current settings, and nothing else, so
        keys another process changed since ``settings`` was made are not put back."""
        current = self.settings
        changes = {k: v for k, v in settings.to_dict().items() if getattr(current, k) != v}
        if changes:
            self.update_settings(**changes)

    def shutdown(self) -> None:
        self.rules.shutdown()
        self.training.shutdown()
        self.engine.shutdown()
        self.store.shutdown()
