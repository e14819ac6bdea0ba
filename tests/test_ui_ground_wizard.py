"""The grounded-generation wizard, offscreen, on a real store and real documents.

Generation is driven through the wizard against a real OpenAI-compatible HTTP
server on loopback (the one from test_ground_endpoint.py), an Anthropic-compatible
one (test_ground_messages_api.py) and, in a slow test, with the real bundled
model on the engine thread.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_ground_cli import memory_keyring  # noqa: F401  (fixture)
from test_ground_documents import make_sample_folder
from test_ground_endpoint import _url, chat_server  # noqa: F401  (chat_server is a fixture)
from test_ground_messages_api import KEY, messages_server  # noqa: F401  (messages_server is a fixture)

pytestmark = pytest.mark.gui


def _services(paths, **settings):
    from draftwheel.config import Settings
    from draftwheel.ui.services import Services

    return Services(paths, Settings(auto_train=False, n_threads=2, n_ctx=2048, **settings))


@pytest.fixture
def make_wizard(qtbot):
    made = []

    def make(services):
        from draftwheel.ui.ground_wizard import GroundWizard

        w = GroundWizard(services)
        qtbot.addWidget(w)
        w.show()
        made.append((w, services))
        return w

    yield make
    for w, services in made:
        w.close()
        services.shutdown()


def _rows(table) -> dict[str, tuple[str, str]]:
    return {
        table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text()) for r in range(table.rowCount())
    }


def _import(qtbot, w, folder) -> None:
    w.folder_edit.setText(str(folder))
    w.import_btn.click()
    qtbot.waitUntil(lambda: not w.busy and w.files_table.rowCount() > 0, timeout=60_000)


def _stored(paths) -> dict[int, object]:
    from draftwheel.store import list_edits, open_store

    with open_store(paths) as store, store.session() as s:
        return {
            e.id: (e.outcome, e.final_text, bool(e.include_in_training), e.output_text)
            for e in list_edits(s, origin="grounded")
        }


def test_folder_import_lists_every_file_and_why_it_was_not_read(qtbot, tmp_path, paths, make_wizard):
    w = make_wizard(_services(paths))
    w.folder_edit.setText(str(tmp_path / "nowhere"))
    w.import_btn.click()
    qtbot.waitUntil(lambda: "no such folder" in w.message.text(), timeout=30_000)
    w.next_btn.click()  # nothing imported yet: the wizard stays on step 1 and says why
    assert w.tabs.currentIndex() == 0 and "Import a folder first" in w.message.text()

    folder = make_sample_folder(tmp_path / "docs")
    _import(qtbot, w, folder)
    rows = _rows(w.files_table)
    for name in ("bread.docx", "more-bread.pdf", "notes/garden.txt", "remote.md"):
        assert rows[name][0] == "read" and "passage(s)" in rows[name][1]
    assert rows["locked.pdf"][0] == "unreadable" and "encrypted" in rows["locked.pdf"][1]
    assert rows["latin1.txt"][0] == "unreadable" and "not UTF-8" in rows["latin1.txt"][1]
    assert rows["photo.png"] == ("skipped", "unsupported type .png")
    assert rows["empty.md"] == ("skipped", "empty file")
    assert "5 file(s) not used" in w.import_summary.text()

    # Step 2: the computed profile is shown as a form (not JSON); what the user types there is used.
    w.next_btn.click()
    assert w.tabs.currentIndex() == 1
    assert w.vocabulary_edit.text() and not w.vocabulary_edit.text().lstrip().startswith(("{", "["))
    w.voice_edit.setPlainText("Short, dry sentences about bread and gardens.")
    w.next_btn.click()
    assert w.tabs.currentIndex() == 2
    saved = json.loads((paths.home / "ground" / "profile.json").read_text(encoding="utf-8"))
    assert saved["voice"] == "Short, dry sentences about bread and gardens."

    # An empty folder: every step explains itself, nothing crashes.
    (tmp_path / "empty").mkdir()
    w.tabs.setCurrentIndex(0)
    _import_empty = tmp_path / "empty"
    w.folder_edit.setText(str(_import_empty))
    w.import_btn.click()
    qtbot.waitUntil(lambda: "No readable passages" in w.message.text(), timeout=30_000)
    assert w.imported is None and w.files_table.rowCount() == 0


def test_generate_through_the_wizard_on_an_endpoint_then_review(qtbot, tmp_path, paths, chat_server, make_wizard):
    w = make_wizard(_services(paths, remote_endpoint=_url(chat_server), remote_model="test-model"))
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    _import(qtbot, w, folder)
    w.next_btn.click()
    w.next_btn.click()
    assert w.tabs.currentIndex() == 2
    # The local model is the default; the configured endpoint is offered.
    assert w.generator_combo.currentData() == "local" and w.generator_combo.count() == 2
    w.generator_combo.setCurrentIndex(1)
    w.pairs_spin.setValue(4)
    seen = []
    w.worker.progress.connect(lambda p: seen.append((p.stage, p.done, p.total)))
    w.run_btn.click()
    assert w.busy and w.cancel_btn.isEnabled() and not w.run_btn.isEnabled()  # returned at once: GUI not blocked
    qtbot.waitUntil(lambda: not w.busy and w.pairs_table.rowCount() == 4, timeout=120_000)
    assert w.tabs.currentIndex() == 3
    assert any(s == "generate" for s, _d, _t in seen)
    assert w.progress.value() == w.progress.maximum()
    report = w.report_view.toPlainText()
    assert "Grounding pass rate: 100%" in report and "Duplicates removed: 0" in report and "Pairs kept: 4" in report
    assert "Pairs per kind:" in report and "Pairs per theme:" in report
    assert all(r["model"] and r["outcome"] == "pending" for r in w.pairs)
    ids = [r["id"] for r in w.pairs]
    assert set(_stored(paths)) == set(ids)

    def select(row: int) -> None:
        w.pairs_table.selectRow(row)
        assert w.selected_pair()["id"] == w.pairs[row]["id"]

    # Accept the first pending pair (it leaves the pending list).
    select(0)
    first = w.pairs[0]["id"]
    w.accept_btn.click()
    qtbot.waitUntil(lambda: w.pairs_table.rowCount() == 3, timeout=30_000)
    outcome, final, included, output = _stored(paths)[first]
    assert outcome == "accepted" and final == output and included
    # Edit the next one.
    select(0)
    second = w.pairs[0]["id"]
    w.answer_edit.setPlainText("My own corrected answer.")
    w.edit_btn.click()
    qtbot.waitUntil(lambda: w.pairs_table.rowCount() == 2, timeout=30_000)
    assert _stored(paths)[second][:2] == ("edited", "My own corrected answer.")
    # An empty edit is refused with a message, nothing changes.
    select(0)
    w.answer_edit.setPlainText("   ")
    w.edit_btn.click()
    assert "empty" in w.message.text() and _stored(paths)[w.pairs[0]["id"]][0] == "pending"
    # Reject one.
    third = w.pairs[0]["id"]
    w.reject_btn.click()
    qtbot.waitUntil(lambda: w.pairs_table.rowCount() == 1, timeout=30_000)
    assert _stored(paths)[third][0] == "rejected" and not _stored(paths)[third][2]
    # "Use for training" on the last one.
    last = w.pairs[0]["id"]
    w.pairs_table.cellWidget(0, 5).setChecked(False)
    qtbot.waitUntil(lambda: not _stored(paths)[last][2], timeout=30_000)
    assert _stored(paths)[last][0] == "pending"


def test_cancel_stops_the_run_and_keeps_what_was_finished(qtbot, tmp_path, paths, chat_server, make_wizard):
    w = make_wizard(_services(paths, remote_endpoint=_url(chat_server), remote_model="m"))
    _import(qtbot, w, make_sample_folder(tmp_path / "docs", bad_files=False))
    w.next_btn.click()
    w.next_btn.click()
    w.generator_combo.setCurrentIndex(1)
    w.pairs_spin.setValue(200)  # far more than this folder can give: only Cancel ends it early

    def cancel_on_first_item(p) -> None:
        if p.stage == "generate" and w.cancel_btn.isEnabled():
            w.cancel_btn.click()

    w.worker.progress.connect(cancel_on_first_item)
    w.run_btn.click()
    qtbot.waitUntil(lambda: not w.busy, timeout=120_000)
    report = w.result.report
    assert report.cancelled and report.attempted < 20
    assert "Cancelled" in w.report_view.toPlainText()
    qtbot.waitUntil(lambda: w.pairs_table.rowCount() == report.kept == len(_stored(paths)), timeout=30_000)


def test_endpoint_that_is_down_is_a_message_not_a_crash(qtbot, tmp_path, paths, make_wizard):
    from test_ground_endpoint import _down_url

    w = make_wizard(_services(paths, remote_endpoint=_down_url(), remote_model="m"))
    _import(qtbot, w, make_sample_folder(tmp_path / "docs", bad_files=False))
    w.next_btn.click()
    w.next_btn.click()
    w.generator_combo.setCurrentIndex(1)
    w.pairs_spin.setValue(2)
    w.run_btn.click()
    qtbot.waitUntil(lambda: not w.busy, timeout=120_000)
    assert "unreachable" in w.report_view.toPlainText()
    assert w.pairs_table.rowCount() == 0 and _stored(paths) == {}


@pytest.mark.slow  # generates with the bundled model on the engine thread
def test_an_anthropic_compatible_endpoint_through_the_wizard_refusals_then_pairs(
    qtbot, tmp_path, paths, messages_server, make_wizard, memory_keyring
):
    from draftwheel.config.secrets import set_api_key

    url = f"http://127.0.0.1:{messages_server.server_address[1]}"
    set_api_key(url, KEY)
    w = make_wizard(_services(paths, remote_endpoint=url, remote_model="claude-test", remote_protocol="anthropic"))
    _import(qtbot, w, make_sample_folder(tmp_path / "docs", bad_files=False))
    w.next_btn.click()
    w.next_btn.click()
    assert w.generator_combo.itemText(1) == f"Endpoint (Anthropic-compatible): claude-test at {url}"
    w.generator_combo.setCurrentIndex(1)
    w.pairs_spin.setValue(2)
    # The model refuses everything: each item says so, nothing is stored.
    messages_server.mode = "refusal"
    w.run_btn.click()
    qtbot.waitUntil(lambda: not w.busy, timeout=120_000)
    report = w.report_view.toPlainText()
    assert "endpoint refused (stop_reason refusal)" in report and "failed in a row" in report
    assert w.pairs_table.rowCount() == 0 and _stored(paths) == {}
    # It answers: the pairs arrive for review, the key went in x-api-key only.
    messages_server.mode = "good"
    w.tabs.setCurrentIndex(2)
    w.run_btn.click()
    qtbot.waitUntil(lambda: not w.busy and w.pairs_table.rowCount() == 2, timeout=120_000)
    assert len(_stored(paths)) == 2
    assert all(r["headers"]["x-api-key"] == KEY and r["path"] == "/v1/messages" for r in messages_server.requests)


def test_generate_with_the_local_model_through_the_wizard(qtbot, tmp_path, paths, make_wizard):
    services = _services(paths)
    services.start()
    qtbot.waitUntil(lambda: services.engine.ready, timeout=300_000)
    w = make_wizard(services)
    _import(qtbot, w, make_sample_folder(tmp_path / "docs", bad_files=False))
    w.next_btn.click()
    w.next_btn.click()
    assert w.generator_combo.count() == 1 and w.generator_combo.currentData() == "local"
    w.pairs_spin.setValue(1)
    w.run_btn.click()
    assert w.busy
    qtbot.waitUntil(lambda: not w.busy, timeout=300_000)
    assert w.result is not None, w.message.text()
    report = w.result.report
    assert report.generator.startswith("local:") and report.attempted >= 1
    assert "Grounding pass rate:" in w.report_view.toPlainText()
    # The review list is loaded from the store right after the run finishes.
    qtbot.waitUntil(lambda: w.pairs_table.rowCount() == report.kept == len(_stored(paths)), timeout=30_000)
    for pair in w.pairs:
        assert pair["model"] and pair["source_doc"] and pair["outcome"] == "pending"


def test_tools_menu_opens_the_wizard(qtbot, paths):
    from draftwheel.ui.ground_wizard import GroundWizard
    from draftwheel.ui.main_window import MainWindow

    services = _services(paths)
    window = MainWindow(services, offer_restore=False)
    window.show()
    try:
        assert window.ground_act.text() == "Training pairs from my documents…"
        window.ground_act.trigger()
        assert isinstance(window.ground_wizard, GroundWizard) and window.ground_wizard.isVisible()
        assert window.ground_wizard.tabs.currentIndex() == 0
        window.ground_wizard.close()
    finally:
        window.editor.document().setModified(False)
        window.close()
        window.deleteLater()
        services.shutdown()
