"""Python's cyclic garbage collector runs on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate. When a worker thread collects
a cycle that holds a Qt object's wrapper, PySide defers the C++ deletion to the GUI thread, which
then destroys the object while holding the GIL; if the worker meanwhile holds a Qt lock and waits
for the GIL (a signal into Python, an overridden virtual), both wait for ever. Seen as a hang of
the test suite: gdb showed the GUI thread in ``QObject::~QObject`` under
``BindingManager::runDeletionInMainThread`` and a worker thread in ``take_gil`` under
``Sbk_GetPyOverride``. So automatic collection is switched off and a timer on the GUI thread
collects, by the collector's own thresholds. Reference counting frees everything else at once,
as before.
"""

from __future__ import annotations

import gc

from draftwheel.ui.qt import QApplication, QObject, QTimer

INTERVAL_MS = 250


class MainThreadGC(QObject):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(INTERVAL_MS)

    def check(self) -> None:
        """Collect the generation the collector itself would, had it been left on."""
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if c0 < t0:
            return
        generation = 2 if (c1 >= t1 and c2 >= t2) else 1 if c1 >= t1 else 0
        gc.collect(generation)


def install(app: QApplication) -> MainThreadGC:
    """Once per application; kept as the application's child (it lives as long as the app)."""
    found = app.findChild(MainThreadGC)
    return found if isinstance(found, MainThreadGC) else MainThreadGC(app)
