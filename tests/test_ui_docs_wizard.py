"""The grounding wizard as a user meets it: centred over the window at a size that fits, the author
profile as a form, progress in words, and a Cancel that says it cancelled. Real widgets offscreen,
real documents, a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_ground_documents import make_sample_folder
from test_ground_endpoint import _url, chat_server  # noqa: F401  (a fixture, requested below by name)

pytestmark = pytest.mark.gui


def _services(home, **settings):
    from draftwheel.config import Settings, app_paths, save_settings
    from draftwheel.ui.services import Services

    paths = app_paths(home)
    paths.ensure()
    save_settings(Settings(auto_train=False, n_threads=1, **settings), paths)
    return Services(paths)


@pytest.fixture
def window_and_wizard(qtbot, tmp_path, monkeypatch, request):
    from draftwheel.config.paths import ENV_HOME
    from draftwheel.ui.main_window import MainWindow

    server = request.getfixturevalue("chat_server")  # a real OpenAI-compatible server on loopback
    home = tmp_path / "home"
    monkeypatch.setenv(ENV_HOME, str(home))
    services = _services(home, remote_endpoint=_url(server), remote_model="m")
    w = MainWindow(services, offer_restore=False)
    w.resize(760, 540)
    w.move(20, 120)  # room above and below it on the offscreen screen for the taller wizard
    w.show()
    qtbot.waitExposed(w)
    w.ground_act.trigger()
    wizard = w.ground_wizard
    qtbot.waitExposed(wizard)
    yield w, wizard
    try:
        wizard.close()
    except RuntimeError:
        pass
    w.close()
    services.shutdown()


def test_wizard_opens_centred_over_the_window_and_fits_the_screen(qtbot, window_and_wizard):
    w, wizard = window_and_wizard
    screen = w.screen().availableGeometry()
    frame = wizard.frameGeometry()
    assert screen.contains(frame), (screen, frame)  # the offscreen screen is 800x600: 900x640 would not fit
    assert frame.width() >= 0.8 * min(900, screen.width()) and frame.height() >= 0.8 * min(640, screen.height())
    centre, want = frame.center(), w.frameGeometry().center()
    assert abs(centre.x() - want.x()) <= 2 and abs(centre.y() - want.y()) <= 2, (centre, want)


def test_profile_is_a_form_and_progress_and_cancel_speak_plainly(qtbot, tmp_path, window_and_wizard):
    from draftwheel.ui.ground_wizard import progress_words

    _w, wizard = window_and_wizard
    wizard.folder_edit.setText(str(make_sample_folder(tmp_path / "docs", bad_files=False)))
    wizard.import_btn.click()
    qtbot.waitUntil(lambda: not wizard.busy and wizard.imported is not None, timeout=60_000)
    wizard.next_btn.click()
    # The computed profile as fields a writer understands, not JSON.
    assert wizard.vocabulary_edit.text() and "{" not in wizard.vocabulary_edit.text()
    assert not wizard.voice_edit.toPlainText().lstrip().startswith("{")
    wizard.author_edit.setText("Ana")
    wizard.positions_edit.setPlainText("Bread needs time.\nGardens need patience.")
    wizard.next_btn.click()
    assert wizard.profile.author == "Ana" and wizard.profile.positions == [
        "Bread needs time.",
        "Gardens need patience.",
    ]
    assert wizard.profile.stats  # what was measured from the documents is kept

    wizard.generator_combo.setCurrentIndex(1)  # the loopback endpoint
    wizard.pairs_spin.setValue(200)  # more than this folder gives: only Cancel ends it early
    said: list[str] = []

    def on_progress(p) -> None:
        said.append(progress_words(p))
        if p.stage == "generate" and wizard.cancel_btn.isEnabled():
            wizard.cancel_btn.click()

    wizard.worker.progress.connect(on_progress)
    wizard.run_btn.click()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=120_000)
    assert any(s.startswith("Reading your documents:") and " of " in s for s in said)
    assert any(s.startswith("Writing pairs:") and "kept so far" in s for s in said)
    assert wizard.progress_label.text().startswith("Cancelled.")
    assert wizard.message.text().startswith("Cancelled.")
