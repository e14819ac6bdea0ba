"""Is typing ever blocked by the live checker? Type into the real editor and watch the GUI thread.

    python -m draftwheel.ui.typing_probe --doc draft.txt [--chars 300] [--interval-ms 40]

Opens the real main window (offscreen unless a display is set) on a throw-away data folder (no
model is loaded), puts ``--doc`` in the editor and waits until the live layer has checked it all.
Then it types ``--chars`` characters at the end, one key every ``--interval-ms``, with a pause
after every eight words (so checks run while typing goes on), twice: with live checking off,
then on. A 5 ms heartbeat timer on the GUI thread records every gap; the worst gap beyond its
period is the worst stall the user could feel. Prints one JSON object (``draftwheel bench rules``
runs this in its own process: the bench layer does not import the widgets).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HEARTBEAT_MS = 5
TYPED = (
    "Me and him goes to the store yesterday and buyed three apple. Their was alot of peoples "
    "there, so we waits for a hour. I has finished the report but it need more works before friday. "
)


def _wait(app, cond, seconds: float) -> bool:
    end = time.perf_counter() + seconds
    while not cond() and time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)
    return bool(cond())


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _type(app, window, chars: int, interval_ms: int) -> dict:
    """Type ``chars`` characters at the end of the document; the heartbeat's and the keys' timings."""
    from PySide6.QtTest import QTest

    from draftwheel.ui.qt import Qt, QTextCursor, QTimer

    editor = window.editor
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    text = (TYPED * (chars // len(TYPED) + 1))[:chars]
    beats: list[float] = []
    keys: list[float] = []
    latencies: list[float] = []
    heart = QTimer()
    heart.setTimerType(Qt.TimerType.PreciseTimer)
    heart.setInterval(HEARTBEAT_MS)
    heart.timeout.connect(lambda: beats.append(time.perf_counter()))
    live = window.live_check
    state: dict[str, Any] = {"i": 0, "words": 0, "paused_at": None}

    def typed_paragraph_checked() -> bool:
        return live.highlighter.live.lookup(editor.textCursor().block().text()) is not None

    def step() -> None:
        if state["paused_at"] is not None and live.highlighter.enabled and typed_paragraph_checked():
            latencies.append((time.perf_counter() - state["paused_at"]) * 1000)
        state["paused_at"] = None
        if state["i"] >= len(text):
            return
        ch = text[state["i"]]
        state["i"] += 1
        t0 = time.perf_counter()
        QTest.keyClicks(editor, ch)
        keys.append((time.perf_counter() - t0) * 1000)
        delay = interval_ms
        if ch == " ":
            state["words"] += 1
            if state["words"] % 8 == 0:
                delay = 700  # a pause: the debounce fires and the paragraph is checked
                state["paused_at"] = time.perf_counter()
        QTimer.singleShot(delay, step)

    heart.start()
    QTimer.singleShot(interval_ms, step)
    _wait(app, lambda: state["i"] >= len(text), 600)
    _wait(app, lambda: not live.highlighter.live.busy and live.in_flight == 0 and not live.timer.isActive(), 60)
    heart.stop()
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(beats)]
    return {
        "keys": len(keys),
        "worst_stall_ms": round(max(gaps, default=0.0) - HEARTBEAT_MS, 1),
        "stall_p99_ms": round(_pct(gaps, 0.99) - HEARTBEAT_MS, 2),
        "stalls_over_50ms": sum(1 for g in gaps if g - HEARTBEAT_MS > 50),
        "seconds": round(beats[-1] - beats[0], 1) if len(beats) > 1 else 0.0,
        "key_p50_ms": round(statistics.median(keys), 3) if keys else 0.0,
        "key_max_ms": round(max(keys, default=0.0), 2),
        "underline_after_pause_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doc", required=True, help="text file put in the editor first")
    parser.add_argument("--chars", type=int, default=300)
    parser.add_argument("--interval-ms", type=int, default=40)
    args = parser.parse_args(argv)
    if "DISPLAY" not in os.environ and "WAYLAND_DISPLAY" not in os.environ:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="draftwheel-typing-"))
    from draftwheel.config import Settings, app_paths
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.qt import QApplication
    from draftwheel.ui.services import Services

    app = QApplication.instance() or QApplication(sys.argv[:1])
    services = Services(app_paths(home), Settings(auto_train=False, welcome_dismissed=True))
    window = MainWindow(services, offer_restore=False)
    window.resize(1200, 800)
    window.show()
    live = window.live_check
    doc = Path(args.doc).read_text(encoding="utf-8")
    t0 = time.perf_counter()
    window.editor.setPlainText(doc)
    set_ms = (time.perf_counter() - t0) * 1000
    checked = _wait(
        app,
        lambda: not live.timer.isActive() and not live.highlighter.live.busy and live.in_flight == 0,
        300,
    )
    whole_doc_s = time.perf_counter() - t0
    result: dict = {
        "document_words": len(doc.split()),
        "document_checked": checked,
        "document_in_editor_s": round(whole_doc_s, 2),
        "set_text_ms": round(set_ms, 1),
    }
    live.set_enabled(False)
    result["off"] = _type(app, window, args.chars, args.interval_ms)
    live.set_enabled(True)
    _wait(app, lambda: not live.highlighter.live.busy and live.in_flight == 0 and not live.timer.isActive(), 120)
    result["on"] = _type(app, window, args.chars, args.interval_ms)
    result["paragraphs_checked"] = live.highlighter.live.checked
    result["stale_answers_dropped"] = live.highlighter.live.dropped
    window.editor.document().setModified(False)
    window.close()
    services.shutdown()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
