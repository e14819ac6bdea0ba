"""The Settings dialog checks each field where it is entered and stores only what the user changed."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.gui


def _start(home, **changes):
    """The app's services on a data folder whose settings.json holds these values."""
    from draftwheel.config import Settings, app_paths, save_settings
    from draftwheel.ui.services import Services

    paths = app_paths(home)
    paths.ensure()
    values = {"auto_train": False, "n_threads": 1, "train_threshold": 100, **changes}
    save_settings(Settings(**values), paths)
    return Services(paths)


@pytest.fixture
def services(qapp, tmp_path, monkeypatch):
    from draftwheel.config.paths import ENV_HOME

    home = tmp_path / "home"
    monkeypatch.setenv(ENV_HOME, str(home))
    svc = _start(home)
    yield svc
    svc.shutdown()


@pytest.fixture
def dialog(qtbot, services):
    from draftwheel.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(services)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def _stored(services) -> dict:
    return json.loads(services.paths.settings_file.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "field, bad, allowed",
    [
        ("threads", "cores+1", "0 (automatic) to"),
        ("temperature", 3.0, "0 (always the same suggestion) to 2"),
        ("threshold", 0, "at least 8"),
        ("endpoint", "localhost:8080/v1", "https://api.example.com/v1"),
    ],
)
def test_an_invalid_field_says_what_is_allowed_and_nothing_is_saved(qtbot, dialog, services, field, bad, allowed):
    from draftwheel.app.settings_form import machine_cores

    before = services.paths.settings_file.read_bytes()
    widget = {
        "threads": dialog.threads,
        "temperature": dialog.temperature,
        "threshold": dialog.threshold,
        "endpoint": dialog.endpoint,
    }[field]
    key = {
        "threads": "n_threads",
        "temperature": "temperature",
        "threshold": "train_threshold",
        "endpoint": "remote_endpoint",
    }[field]
    if field == "endpoint":
        widget.setText(bad)
    else:
        widget.setValue(machine_cores() + 1 if bad == "cores+1" else bad)
    note = dialog.problems[key]
    assert note.isVisible() and allowed in note.text()
    assert not dialog.save_btn.isEnabled()
    assert dialog.save() is False and dialog.isVisible()
    assert services.paths.settings_file.read_bytes() == before  # nothing saved, silently or otherwise


def test_valid_fields_save_only_the_changed_keys(qtbot, dialog, services):
    from draftwheel.config.settings import update_settings

    saved = []
    dialog.saved.connect(lambda old, new: saved.append((old, new)))
    # Meanwhile the CLI pauses logging (`draftwheel privacy pause`): the dialog must not put it back.
    update_settings(services.paths, logging_paused=True)
    dialog.temperature.setValue(0.7)
    dialog.endpoint.setText("http://127.0.0.1:8080/v1")
    assert not any(n.isVisible() for n in dialog.problems.values()) and dialog.save_btn.isEnabled()
    assert dialog.save() is True
    stored = _stored(services)
    assert stored["temperature"] == 0.7 and stored["remote_endpoint"] == "http://127.0.0.1:8080/v1"
    assert stored["logging_paused"] is True and stored["n_threads"] == 1
    assert saved and saved[0][1].temperature == 0.7


def test_a_value_out_of_range_in_the_file_is_shown_not_clamped(qtbot, qapp, tmp_path):
    from draftwheel.app.settings_form import machine_cores
    from draftwheel.ui.settings_dialog import SettingsDialog

    services = _start(tmp_path / "other", n_threads=machine_cores() + 8)  # e.g. copied from a bigger machine
    dlg = SettingsDialog(services)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.threads.value() == machine_cores() + 8
    assert dlg.problems["n_threads"].isVisible() and not dlg.save_btn.isEnabled()
    dlg.threads.setValue(0)
    assert dlg.save_btn.isEnabled() and dlg.save()
    assert _stored(services)["n_threads"] == 0
    services.shutdown()


def test_the_endpoint_protocol_is_chosen_and_saved(qtbot, dialog, services):
    box = dialog.protocol
    assert box.currentData() == "openai" and box.count() == 2  # the default, as before there was a choice
    assert [box.itemText(i) for i in range(box.count())] == [
        "OpenAI-compatible (chat/completions)",
        "Anthropic-compatible (Messages API)",
    ]
    dialog.endpoint.setText("https://api.anthropic.com")
    dialog.remote_model.setText("claude-test")
    box.setCurrentIndex(box.findData("anthropic"))
    assert dialog.save() is True
    stored = _stored(services)
    assert stored["remote_protocol"] == "anthropic" and stored["remote_endpoint"] == "https://api.anthropic.com"
    # Opened again, the dialog shows what was saved.
    from draftwheel.ui.settings_dialog import SettingsDialog

    again = SettingsDialog(services)
    qtbot.addWidget(again)
    assert again.protocol.currentData() == "anthropic"
