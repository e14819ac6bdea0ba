import json
import os
import stat

import pytest

from draftwheel.config import Settings, app_paths, load_settings, save_settings
from draftwheel.errors import DraftwheelError


def test_home_override_and_private_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTWHEEL_HOME", str(tmp_path / "profile"))
    paths = app_paths()
    assert paths.home == (tmp_path / "profile").resolve()
    assert stat.S_IMODE(paths.home.stat().st_mode) == 0o700


def test_settings_round_trip(paths):
    s = load_settings(paths)
    assert s == Settings()
    save_settings(s.updated(temperature=0.7, n_threads=3), paths)
    again = load_settings(paths)
    assert again.temperature == 0.7 and again.n_threads == 3
    assert stat.S_IMODE(paths.settings_file.stat().st_mode) == 0o600


def test_bad_settings_file_is_a_clear_error(paths):
    paths.settings_file.write_text("{not json", encoding="utf-8")
    with pytest.raises(DraftwheelError, match="not valid JSON"):
        load_settings(paths)
    paths.settings_file.write_text(json.dumps({"temperature": "hot"}), encoding="utf-8")
    with pytest.raises(DraftwheelError, match="'temperature' must be float"):
        load_settings(paths)
    paths.settings_file.write_text(json.dumps({"backend": "cuda"}), encoding="utf-8")
    with pytest.raises(DraftwheelError, match="must be one of"):
        load_settings(paths)


def test_unknown_setting_is_ignored(paths):
    paths.settings_file.write_text(json.dumps({"colour": "blue", "fewshot_k": 2}), encoding="utf-8")
    assert load_settings(paths).fewshot_k == 2
