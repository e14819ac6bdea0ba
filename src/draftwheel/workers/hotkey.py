"""The global shortcut and key simulation, through pynput (the optional ``anywhere`` extra).

pynput's listener runs on its own thread; ``pressed`` is a Qt signal, so the press arrives on
the GUI thread as a queued call. Key simulation (Ctrl+C to copy a selection, Ctrl+V to paste the
revision back) goes to whichever window has the keyboard focus, which is the user's application
once the popup has closed.
"""

from __future__ import annotations

from typing import Any

from draftwheel.workers.qt import QObject, Signal


def pynput_problem() -> str | None:
    """Why pynput cannot be used here (not installed, no display), or None."""
    try:
        from pynput import keyboard  # noqa: F401
    except Exception as exc:  # ImportError, or Xlib's display errors raised at import
        return f"The global shortcut needs pynput (pip install 'draftwheel[anywhere]'): {exc}"
    return None


class GlobalHotkey(QObject):
    pressed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._listener: Any = None
        self.combo: str | None = None

    def start(self, combo: str) -> str | None:
        """Listen for ``combo`` (pynput's spelling); a one-line reason when it cannot."""
        self.stop()
        problem = pynput_problem()
        if problem:
            return problem
        from pynput import keyboard

        try:
            # A Listener with a HotKey rather than pynput's GlobalHotKeys: that one ignores injected
            # (XTest) key events, which are what xdotool, accessibility tools and the Xvfb test send.
            hotkey = keyboard.HotKey(keyboard.HotKey.parse(combo), self.pressed.emit)

            def on_press(key, *_injected) -> None:
                hotkey.press(listener.canonical(key))

            def on_release(key, *_injected) -> None:
                hotkey.release(listener.canonical(key))

            listener = keyboard.Listener(on_press=on_press, on_release=on_release)
            self._listener = listener
            self._listener.start()
            self._listener.wait()  # registered before start() returns, so a test's first press counts
        except Exception as exc:  # a bad combo, or the X server refusing the RECORD extension
            self._listener = None
            return f"The global shortcut could not be registered: {exc}"
        self.combo = combo
        return None

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
            self.combo = None


def send_keys(*keys: str) -> None:
    """Press ``keys`` together and release them, e.g. ``send_keys("ctrl", "v")``."""
    from pynput.keyboard import Controller, Key

    ctl = Controller()
    held = [getattr(Key, k) if len(k) > 1 else k for k in keys]
    for k in held:
        ctl.press(k)
    for k in reversed(held):
        ctl.release(k)
