"""Accepting a grounded voice pair in the grounding wizard asks the flywheel's threshold trigger, as a
kept edit in the editor does (real wizard offscreen, real store, real training worker and policy)."""

from __future__ import annotations

import pytest

from voice_pairs import VOICE_PAIRS, store_voice_pairs

pytestmark = pytest.mark.gui


def test_an_accepted_voice_pair_reaches_the_training_trigger(qtbot, paths):
    from draftwheel.config import Settings
    from draftwheel.ui.ground_wizard import GroundWizard
    from draftwheel.ui.services import Services

    (pair_id,) = store_voice_pairs(paths, VOICE_PAIRS[:1], accept=False)
    # due at once (threshold 1), but one pair is too few to train: the policy says so, nothing starts
    services = Services(paths, Settings(auto_train=True, train_threshold=1, n_threads=1))
    decided: list[dict] = []
    services.training.decided.connect(decided.append)
    w = GroundWizard(services)
    qtbot.addWidget(w)
    try:
        w.show()
        w.reload_pairs()
        qtbot.waitUntil(lambda: w.pairs_table.rowCount() == 1, timeout=30_000)
        w.pairs_table.selectRow(0)
        assert w.selected_pair()["id"] == pair_id
        w.accept_btn.click()
        qtbot.waitUntil(lambda: bool(decided), timeout=60_000)
        assert decided[0]["task"] == "voice" and decided[0]["action"] == "refuse"
        assert "In my voice" in decided[0]["message"] and "too few examples" in decided[0]["message"]
    finally:
        w.close()
        services.shutdown()
