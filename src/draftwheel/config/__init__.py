"""Typed settings, app paths and secrets."""

from draftwheel.config.paths import AppPaths, app_paths, data_home
from draftwheel.config.settings import (
    Settings,
    load_settings,
    save_settings,
    take_settings_notices,
    update_settings,
)

__all__ = [
    "AppPaths",
    "Settings",
    "app_paths",
    "data_home",
    "load_settings",
    "save_settings",
    "take_settings_notices",
    "update_settings",
]
