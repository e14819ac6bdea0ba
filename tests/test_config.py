import json
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


def test_bad_settings_file_is_set_aside_with_a_clear_notice(paths):
    """The one behaviour for a damaged file (more in test_settings_update.py): kept aside, defaults, told once."""
    from draftwheel.config import take_settings_notices

    take_settings_notices()
    for raw, why in (
        ("{not json", "not valid JSON"),
        (json.dumps({"temperature": "hot"}), "temperature"),
        (json.dumps({"backend": "cuda"}), "backend"),
    ):
        paths.settings_file.write_text(raw, encoding="utf-8")
        assert load_settings(paths) == Settings()
        (notice,) = take_settings_notices()
        assert why in notice and "settings.json.damaged-" in notice
    with pytest.raises(DraftwheelError, match="'temperature' must be float"):
        Settings().updated(temperature="hot")


def test_unknown_setting_is_ignored(paths):
    paths.settings_file.write_text(json.dumps({"colour": "blue", "fewshot_k": 2}), encoding="utf-8")
    assert load_settings(paths).fewshot_k == 2
