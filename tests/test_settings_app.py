"""The running app and the CLI share settings.json without undoing each other (real window, model, store)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from faultlib import child_env

pytestmark = pytest.mark.gui


def _cli(home, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "draftwheel", "--home", str(home), *argv],
        capture_output=True,
        text=True,
        env=child_env(home),
        timeout=300,
    )


def _record(text: str, final: str) -> dict:
    return {
        "task": "grammar",
        "instruction": "Fix",
        "input_text": text,
        "output_text": final,
        "final_text": final,
        "outcome": "accepted",
        "model": "gemma3-270m",
        "adapter": None,
        "stage": "zero",
        "latency_ms": 5.0,
        "prompt_tokens": 10,
        "output_tokens": 4,
        "origin": "app",
    }


@pytest.fixture
def app_window(qtbot, paths):
    from draftwheel.config import Settings
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    services = Services(paths, Settings(auto_train=False, n_threads=2, n_ctx=2048))
    window = MainWindow(services, offer_restore=False)
    window.show()
    yield window, services
    window.editor.document().setModified(False)
    window.close()
    window.deleteLater()
    services.shutdown()


def test_cli_pause_survives_an_adapter_switch_in_the_app(qtbot, home, paths, app_window):
    """Regression: the app wrote back the settings it read at start-up on every adapter switch, so
    `draftwheel privacy pause` given while it ran was undone by choosing "Base model"."""
    from draftwheel.workers.engine_worker import BASE

    window, services = app_window
    services.start()
    qtbot.waitUntil(lambda: services.engine.ready, timeout=300_000)
    assert not window.pause_act.isChecked()

    r = _cli(home, "privacy", "pause")
    assert r.returncode == 0 and "logging: paused" in r.stdout, r.stderr
    r = _cli(home, "privacy", "redact", "on")
    assert r.returncode == 0, r.stderr

    index = window.adapter_box.findData(BASE)
    assert index >= 0
    window.adapter_box.setCurrentIndex(index)
    with qtbot.waitSignal(services.engine.adapter_changed, timeout=120_000):
        window.adapter_box.activated.emit(index)  # what a click on "Base model" sends
    on_disk = json.loads(paths.settings_file.read_text())
    assert on_disk["adapter"] == BASE
    assert on_disk["logging_paused"] is True and on_disk["redact"] is True
    assert "logging: paused; redaction: on" in _cli(home, "privacy", "status").stdout
    # The window follows the CLI's change (switches show it) and the store honours it.
    qtbot.waitUntil(lambda: window.pause_act.isChecked() and window.data_view.pause_box.isChecked(), timeout=10_000)
    with qtbot.waitSignal(services.store.logged, timeout=10_000) as logged:
        services.store.log_outcome(_record("teh cat", "the cat"))
    assert logged.args[0] is None  # paused: nothing stored

    # And the other way: resuming in the app keeps the CLI's redaction and adapter choice.
    window.set_logging_paused(False)
    on_disk = json.loads(paths.settings_file.read_text())
    assert (on_disk["logging_paused"], on_disk["redact"], on_disk["adapter"]) == (False, True, BASE)


def test_damaged_settings_file_in_the_app(qtbot, paths):
    """Regression: with a damaged settings.json every log re-read it and failed, so no edit was
    stored for the whole session. Now: set aside, defaults, told once, every log stored."""
    from draftwheel.ui.services import Services

    paths.settings_file.write_text('{"logging_paused": fals', encoding="utf-8")
    services = Services(paths)
    try:
        assert services.settings_error and "damaged" in services.settings_error
        assert list(paths.home.glob("settings.json.damaged-*"))
        ids = []
        for i in range(3):
            with qtbot.waitSignal(services.store.logged, timeout=10_000) as logged:
                services.store.log_outcome(_record(f"teh cat {i}", f"the cat {i}"))
            ids.append(logged.args[0])
        assert all(isinstance(i, int) for i in ids), ids
    finally:
        services.shutdown()
    again = Services(paths)  # told once: the next start has nothing to report
    try:
        assert again.settings_error is None
    finally:
        again.shutdown()
