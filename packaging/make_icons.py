"""Render src/draftwheel/resources/icons/draftwheel.svg to the PNG sizes desktops ask for, plus .ico.

Usage: python packaging/make_icons.py  (needs PySide6; Pillow for the .ico)

Writes src/draftwheel/resources/icons/hicolor/<n>x<n>/apps/draftwheel.png (the freedesktop
icon-theme layout, ready to copy under /usr/share/icons), draftwheel-<n>.png
beside the SVG, and draftwheel.ico for Windows builds. macOS .icns is made on
a Mac from the PNGs (see packaging/macos.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parents[1] / "src" / "draftwheel" / "resources" / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs one
    renderer = QSvgRenderer(str(ICONS / "draftwheel.svg"))
    if not renderer.isValid():
        print("draftwheel.svg could not be read", file=sys.stderr)
        return 1
    pngs = []
    for n in SIZES:
        image = QImage(n, n, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        theme = ICONS / "hicolor" / f"{n}x{n}" / "apps"
        theme.mkdir(parents=True, exist_ok=True)
        image.save(str(theme / "draftwheel.png"))
        image.save(str(ICONS / f"draftwheel-{n}.png"))
        pngs.append(ICONS / f"draftwheel-{n}.png")
    try:
        from PIL import Image

        big = Image.open(ICONS / "draftwheel-256.png")
        big.save(ICONS / "draftwheel.ico", sizes=[(n, n) for n in SIZES if n <= 256])
    except ImportError:
        print("Pillow not installed: no draftwheel.ico", file=sys.stderr)
    print(f"wrote {len(pngs)} PNG sizes to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
