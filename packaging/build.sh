#!/usr/bin/env bash
# Build the standalone Draftwheel desktop app with PyInstaller.
#
#   packaging/build.sh              # dist/draftwheel/ (+ dist/Draftwheel.app on macOS)
#   DRAFTWHEEL_PACKAGE_TRAIN=1 packaging/build.sh   # also bundle torch/transformers/peft (training)
#   DRAFTWHEEL_PACKAGE_MLX=1 packaging/build.sh     # also bundle mlx/mlx-lm (Apple silicon)
#   PYTHON=/path/to/python packaging/build.sh       # default: .venv/bin/python, else python3
#
# On Linux the desktop entry, AppStream metadata and icons are staged under
# dist/draftwheel/share/ in the layout of /usr/share, ready for a distro
# package, Flatpak or AppImage. build/ and dist/ are never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RES=src/draftwheel/resources  # packaged with draftwheel (config.paths.resources_dir)
PY=${PYTHON:-}
if [ -z "$PY" ]; then
    if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi

"$PY" -c "import draftwheel" 2>/dev/null || { echo "build.sh: install the project first: $PY -m pip install -e ." >&2; exit 2; }
"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install pyinstaller
[ -f "$RES"/icons/draftwheel-256.png ] || "$PY" packaging/make_icons.py

"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/draftwheel.spec

APP=dist/draftwheel
if [ "$(uname)" = "Linux" ]; then
    SHARE=$APP/share
    install -Dm644 "$RES"/linux/org.draftwheel.Draftwheel.desktop "$SHARE/applications/org.draftwheel.Draftwheel.desktop"
    install -Dm644 "$RES"/linux/org.draftwheel.Draftwheel.metainfo.xml "$SHARE/metainfo/org.draftwheel.Draftwheel.metainfo.xml"
    install -Dm644 "$RES"/icons/draftwheel.svg "$SHARE/icons/hicolor/scalable/apps/draftwheel.svg"
    for dir in "$RES"/icons/hicolor/*/; do
        size=$(basename "$dir")
        install -Dm644 "$dir/apps/draftwheel.png" "$SHARE/icons/hicolor/$size/apps/draftwheel.png"
    done
fi

echo "build.sh: checking the built binary"
"$APP/draftwheel" --version
du -sh "$APP" | awk '{print "build.sh: " $2 " is " $1}'
