"""Tools › Models…, offscreen with real widgets, against a local imitation of the hub (no internet).

Download a catalogue model with the progress bar moving, switch to it (the
engine is asked to load it; the dialog stays usable), remove it, cancel a
download midway (the partial stays for next time), and a gated model's message.
The engine here only records what it is asked to load: loading is the engine
worker's, tested elsewhere.
"""

from __future__ import annotations

import pytest

from faultlib import make_tiny_model_gguf, no_outside_network
from hubserver import FakeHub, serve

pytestmark = pytest.mark.gui


class RecordingEngine:
    def __init__(self):
        self.loaded: list[str] = []

    def load(self, settings) -> None:
        self.loaded.append(settings.model)


class Services:
    def __init__(self, paths):
        from draftwheel.config import load_settings

        self.paths = paths
        self.engine = RecordingEngine()
        self._load = load_settings

    @property
    def settings(self):
        return self._load(self.paths)

    def update_settings(self, **changes):
        from draftwheel.config import update_settings

        return update_settings(self.paths, **changes)


@pytest.fixture
def paths(tmp_path, monkeypatch):
    from draftwheel.config import app_paths
    from draftwheel.config.paths import ENV_HOME

    monkeypatch.setenv(ENV_HOME, str(tmp_path / "home"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return app_paths()


@pytest.fixture
def hub(tmp_path, paths):
    from draftwheel.config import update_settings
    from draftwheel.models.curated import find_offer

    fake = FakeHub()
    data = make_tiny_model_gguf(tmp_path / "t.gguf", name="tiny it").read_bytes()
    for name in ("gemma3-1b-it", "qwen3-1.7b"):
        offer = find_offer(name)
        fake.add(offer.repo, offer.file, data)
    server = serve(fake)
    update_settings(paths, hub_endpoint=fake.url)
    with no_outside_network() as attempts:
        yield fake
    server.shutdown()
    server.server_close()
    assert attempts == []


@pytest.fixture
def dialog(qtbot, paths, hub):
    from draftwheel.ui.model_manager import ModelManagerDialog

    dlg = ModelManagerDialog(Services(paths))
    qtbot.addWidget(dlg)
    dlg.show()
    yield dlg
    dlg.downloads.cancel()
    dlg.downloads.stop()


def _select(table, text: str) -> None:
    for r in range(table.rowCount()):
        if text in table.item(r, 0).text():
            table.selectRow(r)
            return
    raise AssertionError(f"{text!r} not in {[table.item(r, 0).text() for r in range(table.rowCount())]}")


def _installed(dlg) -> list[str]:
    return [r.name for r in dlg.installed]


def test_download_switch_and_remove_a_catalogue_model(qtbot, dialog, paths):
    assert _installed(dialog) == ["gemma3-270m"] and dialog.catalogue_table.rowCount() >= 10
    assert dialog.recommendation.text()  # a recommendation, or why there is none
    values: list[int] = []
    dialog.bar.valueChanged.connect(values.append)
    _select(dialog.catalogue_table, "Gemma 3 1B")
    assert dialog.download_btn.isEnabled()
    dialog.download_btn.click()
    assert not dialog.download_btn.isEnabled() and dialog.cancel_btn.isEnabled()
    qtbot.waitUntil(lambda: "Downloaded gemma3-1b-it" in dialog.status.text(), timeout=30_000)
    assert values and values[-1] == 1000  # the bar reached the end
    assert "gemma3-1b-it" in _installed(dialog)
    assert "(installed)" in dialog.catalogue_table.item(0, 0).text()

    _select(dialog.installed_table, "gemma3-1b-it")
    dialog.use_btn.click()
    assert dialog.services.engine.loaded == ["gemma3-1b-it"]
    assert dialog.services.settings.model == "gemma3-1b-it"
    _select(dialog.installed_table, "gemma3-1b-it")
    assert not dialog.remove_btn.isEnabled()  # the model in use is not removed

    _select(dialog.installed_table, "gemma3-270m")
    dialog.use_btn.click()
    _select(dialog.installed_table, "gemma3-1b-it")
    file = paths.models_dir / "google_gemma-3-1b-it-Q4_K_M.gguf"
    assert file.exists()
    dialog.remove_btn.click()
    assert _installed(dialog) == ["gemma3-270m"] and not file.exists()


def test_cancel_keeps_the_partial_and_a_gated_model_says_what_to_do(qtbot, dialog, paths, hub, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "DOWNLOAD_CHUNK_SIZE", 64 * 1024)  # Cancel acts between pieces
    hub.pace_s = 0.05
    _select(dialog.catalogue_table, "Qwen3 1.7B")
    dialog.download_btn.click()
    qtbot.waitUntil(lambda: dialog.bar.value() > 0, timeout=30_000)
    dialog.cancel_btn.click()
    qtbot.waitUntil(lambda: "cancelled" in dialog.status.text(), timeout=30_000)
    assert list((paths.models_dir / ".downloads").iterdir())  # resumable next time
    assert "qwen3-1.7b" not in _installed(dialog)

    hub.pace_s = 0.0
    hub.gated["bartowski/Qwen_Qwen3-1.7B-GGUF"] = "secret"
    _select(dialog.catalogue_table, "Qwen3 1.7B")
    dialog.download_btn.click()
    qtbot.waitUntil(lambda: dialog.message_box is not None, timeout=30_000)
    assert "gated" in dialog.message_box.text() and "draftwheel models token" in dialog.message_box.text()


def test_speed_is_what_this_machine_measured_per_model(qtbot, paths, hub):
    from draftwheel.store import log_edit, open_store
    from draftwheel.ui.model_manager import ModelManagerDialog

    store = open_store(paths)
    try:
        with store.session() as s, s.begin():
            for tokens, ms in ((40, 2000), (60, 2000)):  # 100 tokens in 4 s
                log_edit(
                    s,
                    task="grammar",
                    input_text="a",
                    final_text="b",
                    outcome="accepted",
                    model="gemma3-270m",
                    output_tokens=tokens,
                    latency_ms=ms,
                )
            log_edit(s, task="grammar", input_text="a", final_text="b", outcome="accepted", model="gemma3-270m")
    finally:
        store.close()
    dlg = ModelManagerDialog(Services(paths))
    qtbot.addWidget(dlg)
    assert dlg.installed_table.item(0, 3).text() == "25 tokens/s"
    assert dlg.installed_table.item(0, 4).text() == "in use"
    dlg.downloads.stop()


def test_tools_menu_opens_the_model_manager_on_the_real_services(qtbot, tmp_path, monkeypatch):
    """Through the window: Tools › Models… opens the manager, and Use goes to the real engine worker
    (the window reports the load starting; the test model, with no tokenizer, then fails to load
    and the window says so, still usable)."""
    from draftwheel.config import Settings, app_paths
    from draftwheel.config.paths import ENV_HOME
    from draftwheel.models import Catalogue
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    home = tmp_path / "home"
    monkeypatch.setenv(ENV_HOME, str(home))
    services = Services(app_paths(home), Settings(auto_train=False, n_threads=1))
    Catalogue(services.paths).add(make_tiny_model_gguf(tmp_path / "tiny-it.gguf", n_blocks=1, dim=16), "tiny")
    w = MainWindow(services, offer_restore=False)
    try:
        w.show()
        assert w.models_act.text() == "&Models…"
        w.models_act.trigger()
        dlg = w.models_dialog
        assert dlg.isVisible() and "tiny" in _installed(dlg)
        loads: list[str] = []
        failed: list[str] = []
        services.engine.loading.connect(loads.append)
        services.engine.load_failed.connect(failed.append)
        _select(dlg.installed_table, "tiny")
        dlg.use_btn.click()
        assert services.settings.model == "tiny" and loads and "tiny" in loads[0]
        qtbot.waitUntil(lambda: bool(failed) or services.engine.ready, timeout=60_000)
        dlg.close()
    finally:
        w.editor.document().setModified(False)
        w.close()
        w.deleteLater()
        services.shutdown()
