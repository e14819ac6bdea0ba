"""Can Qt open a window here? Asked before the app creates its QApplication, without importing Qt.

PySide6 >= 6.5's ``xcb`` platform plugin needs X libraries a desktop may lack
(``libxcb-cursor0``, ``libxcb-icccm4``, ``libxcb-keysyms1``, ...). Qt then aborts
with a generic "could not load the Qt platform plugin" and a core dump. Here the
dynamic loader (``ldd``) lists which libraries the plugin would need and cannot
find, and the user gets one line naming them and the command that installs them.
Only Linux is checked: the macOS and Windows wheels carry everything they load.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from draftwheel.errors import DraftwheelError

# Library (soname without its version) -> (Debian/Ubuntu package, Fedora package): the
# libraries Qt 6's xcb and wayland plugins load that a minimal desktop install may lack.
PACKAGES = {
    "libxcb-cursor": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb": ("libx11-xcb1", "libX11-xcb"),
    "libX11": ("libx11-6", "libX11"),
    "libSM": ("libsm6", "libSM"),
    "libICE": ("libice6", "libICE"),
    "libEGL": ("libegl1", "libglvnd-egl"),
    "libGL": ("libgl1", "libglvnd-glx"),
    "libOpenGL": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig": ("libfontconfig1", "fontconfig"),
    "libfreetype": ("libfreetype6", "freetype"),
    "libdbus-1": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0": ("libglib2.0-0", "glib2"),
    "libwayland-client": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl": ("libwayland-egl1", "libwayland-egl"),
}
# The other X protocol extensions (libxcb-shape.so.0, libxcb-randr.so.0, ...): Debian
# ships each as libxcb-<name><version>, Fedora all of them in libxcb.
XCB_EXTENSION = re.compile(r"^libxcb-([a-z0-9-]+)\.so\.(\d+)$")
NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)
LDD_TIMEOUT_S = 20  # ldd runs the loader in trace mode: well under a second normally


class PlatformError(DraftwheelError):
    """Qt's platform plugin cannot load here: what is missing and how to install it."""


def platforms(env: Mapping[str, str]) -> list[str]:
    """The platform plugins Qt would try, in order (QT_QPA_PLATFORM, else Qt 6's Linux default:
    wayland then xcb in a Wayland session, otherwise xcb)."""
    chosen = [p.split(":", 1)[0].strip() for p in env.get("QT_QPA_PLATFORM", "").split(";")]
    chosen = [p for p in chosen if p]
    if chosen:
        return chosen
    if env.get("XDG_SESSION_TYPE") == "wayland" or env.get("WAYLAND_DISPLAY"):
        return ["wayland", "xcb"]
    return ["xcb"]


def plugins_dir() -> Path | None:
    """PySide6's ``Qt/plugins/platforms`` folder, found without importing PySide6."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"
    return folder if folder.is_dir() else None


def parse_ldd(output: str) -> list[str]:
    """The sonames ``ldd`` reports as ``=> not found``, in its order, without repeats."""
    return list(dict.fromkeys(NOT_FOUND.findall(output)))


def missing_libraries(library: Path) -> list[str] | None:
    """The shared libraries ``library`` needs (directly or through its dependencies) that the
    dynamic loader cannot find; None when that cannot be told (no ldd, ldd failed)."""
    try:
        proc = subprocess.run(
            ["ldd", str(library)],
            capture_output=True,
            text=True,
            timeout=LDD_TIMEOUT_S,
            env={**os.environ, "LC_ALL": "C"},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    missing = parse_ldd(proc.stdout)
    if proc.returncode != 0 and not missing:
        return None
    return missing


def packages(sonames: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(Debian/Ubuntu packages, Fedora packages, sonames no table knows) for missing libraries."""
    debian: list[str] = []
    fedora: list[str] = []
    unknown: list[str] = []
    for soname in sonames:
        stem = soname.split(".so", 1)[0]
        ext = XCB_EXTENSION.match(soname)
        if stem in PACKAGES:
            deb, fed = PACKAGES[stem]
        elif ext:
            deb, fed = f"libxcb-{ext.group(1)}{ext.group(2)}", "libxcb"
        else:
            unknown.append(soname)
            continue
        debian += [deb] if deb not in debian else []
        fedora += [fed] if fed not in fedora else []
    return debian, fedora, unknown


def install_hint(sonames: list[str]) -> str:
    """The commands that install ``sonames`` on Debian/Ubuntu and on Fedora."""
    debian, fedora, unknown = packages(sonames)
    # Fedora's packages declare the sonames they provide, so dnf installs a library by name;
    # Debian has no install-by-soname: apt-file names the package to install.
    fedora += [f"'{name}()(64bit)'" if sys.maxsize > 2**32 else f"'{name}'" for name in unknown]
    apt = [f"sudo apt-get install {' '.join(debian)}"] if debian else []
    apt += [f"the package 'apt-file search {name}' names" for name in unknown]
    return f"Install them: {' plus '.join(apt)} (Debian/Ubuntu) or sudo dnf install {' '.join(fedora)} (Fedora)."


def _is_qt_library(soname: str) -> bool:
    return soname.startswith(("libQt6", "libpyside6", "libshiboken6", "libicu"))


def check(env: Mapping[str, str] | None = None) -> None:
    """Raise PlatformError (one line: the missing libraries and how to install them) when none
    of the platform plugins Qt would try can load. Silent when all is well or when it cannot
    tell (not Linux, no PySide6 -- the app reports that itself --, no ldd, a plugin PySide6
    does not ship)."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return
    folder = plugins_dir()
    if folder is None:
        return
    failures: list[tuple[str, list[str]]] = []
    for name in platforms(env):
        plugin = folder / f"libq{name}.so"
        if not plugin.is_file():
            return  # a plugin from elsewhere (QT_PLUGIN_PATH) or a name Qt will reject itself
        missing = missing_libraries(plugin)
        if not missing:
            if name == "xcb" and not env.get("DISPLAY"):
                failures.append((name, []))
                continue
            return  # this one loads; Qt uses the first that does
        failures.append((name, missing))
    name, missing = next(((n, m) for n, m in failures if m), failures[0])
    if not missing:
        raise PlatformError(
            "No X display to open the window on (DISPLAY is not set).",
            "Start Draftwheel from a desktop session; the command-line tools still work (draftwheel --help).",
        )
    qt_own = [m for m in missing if _is_qt_library(m)]
    system = [m for m in missing if not _is_qt_library(m)]
    if system:
        raise PlatformError(
            f"The window cannot open: Qt's '{name}' platform plugin needs the system "
            f"libraries {', '.join(system)}, which are not installed.",
            install_hint(system),
        )
    raise PlatformError(
        f"The window cannot open: PySide6 is incomplete (its '{name}' plugin cannot find {', '.join(qt_own)}).",
        "Reinstall it: pip install --force-reinstall pyside6-essentials pyside6-addons shiboken6.",
    )
