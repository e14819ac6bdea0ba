"""Take the README's model manager screenshot: the real dialog on a throw-away data folder.

    QT_QPA_PLATFORM=offscreen python -m draftwheel.ui.screenshot_models docs/model_manager.png

Nothing is downloaded: the progress bar and the status line are set by hand to
show a download midway, as it looks in use.
"""

from __future__ import annotations

import os
import sys
import tempfile


class _Services:
    """What the dialog reads: the data folder and its settings (no engine: nothing is switched)."""

    def __init__(self, paths):
        self.paths = paths
        self.engine = None

    @property
    def settings(self):
        from draftwheel.config import load_settings

        return load_settings(self.paths)


def main(out: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["DRAFTWHEEL_HOME"] = tempfile.mkdtemp(prefix="draftwheel-shot-")
    from draftwheel.config import app_paths
    from draftwheel.ui.model_manager import ModelManagerDialog
    from draftwheel.ui.qt import QApplication

    app = QApplication.instance() or QApplication([])
    dlg = ModelManagerDialog(_Services(app_paths()))
    recommended = next((i for i, r in enumerate(dlg.offered) if r.recommended), 0)
    dlg.catalogue_table.selectRow(recommended)
    dlg.downloads.current = dlg.offered[recommended].offer.name  # staged: as if it were downloading
    dlg._update_buttons()
    total = dlg.offered[recommended].offer.size_bytes
    dlg.bar.setRange(0, 1000)
    dlg.bar.setValue(415)
    dlg.status.setText(f"Downloading {dlg.downloads.current}: {total * 0.415 / 1e6:.0f} of {total / 1e6:.0f} MB")
    dlg.resize(1400, 470)
    dlg.show()
    app.processEvents()
    ok = dlg.grab().save(out)
    dlg.downloads.current = None
    dlg.downloads.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/model_manager.png"))
