"""Before the app creates its QApplication, ``draftwheel`` checks that a Qt platform plugin can
load; if not, it prints one line naming the missing system libraries and the commands that
install them, and exits non-zero (instead of Qt's abort and core dump).

The libraries are found with the dynamic loader (ldd) on the real PySide6 plugin; the
controlled missing-library case is a real shared library built here that needs a library
which does not exist, placed where the check looks for the xcb plugin (a stand-in PySide6
package first on PYTHONPATH that fails loudly if anything imports it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from draftwheel.cli import qt_platform
from draftwheel.cli.qt_platform import (
    PlatformError,
    check,
    install_hint,
    missing_libraries,
    packages,
    parse_ldd,
    platforms,
    plugins_dir,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the check runs on Linux only")
ABSENT = "libdraftwheel-absent.so.1"  # a library no system has


def _real_plugin() -> Path:
    folder = plugins_dir()
    assert folder is not None, "PySide6 is installed with the project; its platforms folder must be found"
    return folder / "libqxcb.so"


def _stub_pyside(tmp_path: Path, needs: list[str]) -> Path:
    """A stand-in PySide6 on a PYTHONPATH folder: importing it fails; its Qt/plugins/platforms/
    libqxcb.so is a real shared library whose DT_NEEDED names ``needs``, none of which exist."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build the stand-in plugin")
    root = tmp_path / "pypath"
    pkg = root / "PySide6"
    platforms_dir = pkg / "Qt" / "plugins" / "platforms"
    platforms_dir.mkdir(parents=True)
    (pkg / "__init__.py").write_text('raise ImportError("the stand-in PySide6 was imported")\n')
    src = tmp_path / "stub.c"
    src.write_text("int draftwheel_stub(void) { return 0; }\n")
    built = tmp_path / "gone"
    built.mkdir()
    deps = []
    for soname in needs:
        subprocess.run(
            [cc, "-shared", "-fPIC", "-o", str(built / soname), f"-Wl,-soname,{soname}", str(src)], check=True
        )
        deps.append(str(built / soname))
    subprocess.run(
        [cc, "-shared", "-fPIC", "-o", str(platforms_dir / "libqxcb.so"), str(src), "-Wl,--no-as-needed", *deps],
        check=True,
    )
    shutil.rmtree(built)  # now the plugin needs libraries that are nowhere
    return root


def _launch(env_changes: dict[str, str | None], home: Path, pypath: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    env["DRAFTWHEEL_HOME"] = str(home)  # never the user's own data folder
    env.pop("QT_QPA_PLATFORM", None)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    if pypath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pypath), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-m", "draftwheel"], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_launch_names_the_missing_library_and_exits_before_qt(tmp_path):
    pypath = _stub_pyside(tmp_path, [ABSENT])
    proc = _launch({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, tmp_path / "home", pypath)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("draftwheel: error: The window cannot open: Qt's 'xcb' platform plugin needs")
    assert ABSENT in line and "not installed" in line
    assert f"apt-file search {ABSENT}" in line and "(Debian/Ubuntu)" in line
    assert f"sudo dnf install '{ABSENT}()(64bit)' (Fedora)" in line
    assert "Traceback" not in proc.stderr and "stand-in PySide6" not in proc.stderr


def test_without_the_check_the_stand_in_would_be_imported(tmp_path):
    """The stand-in is reached when the plugin loads: so the test above fails if the check goes."""
    pypath = _stub_pyside(tmp_path, [])
    proc = _launch({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, tmp_path / "home", pypath)
    assert proc.returncode == 2
    assert "stand-in PySide6 was imported" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1


def test_no_display_is_one_line(tmp_path):
    pypath = _stub_pyside(tmp_path, [])
    proc = _launch({"QT_QPA_PLATFORM": "xcb", "DISPLAY": None}, tmp_path / "home", pypath)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        (
            "draftwheel: error: No X display to open the window on (DISPLAY is not "
            "set). Start Draftwheel from a desktop session; the command-line tools "
            "still work (draftwheel --help)."
        )
    ]


def test_real_plugin_check_agrees_with_the_dynamic_loader():
    """ldd on PySide6's real xcb plugin: every system library it reports missing fails to load
    by name, and every other one loads (checked in a separate process with ctypes)."""
    plugin = _real_plugin()
    missing = missing_libraries(plugin)
    assert missing is not None
    out = subprocess.run(
        ["ldd", str(plugin)], capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}, check=False
    )
    needed = [line.split()[0] for line in out.stdout.splitlines() if "=>" in line]
    system = [n for n in needed if not n.startswith(("libQt6", "libicu"))]
    assert "libxcb-cursor.so.0" in needed and "libxcb-icccm.so.4" in needed  # the libraries issue 15 met
    probe = (
        "import ctypes, json, sys\nok = {}\nfor n in sys.argv[1:]:\n    try:\n        ctypes.CDLL(n)\n"
        "        ok[n] = True\n    except OSError:\n        ok[n] = False\nprint(json.dumps(ok))\n"
    )
    loads = json.loads(
        subprocess.run([sys.executable, "-c", probe, *system], capture_output=True, text=True, check=True).stdout
    )
    assert {n for n, ok in loads.items() if not ok} == set(missing) & set(system)


def test_real_plugin_missing_libraries_end_to_end(tmp_path):
    """On a machine that lacks some of the xcb plugin's libraries (this one lacked libxcb-icccm4
    and libxcb-keysyms1), ``draftwheel`` names exactly those and their packages."""
    missing = missing_libraries(_real_plugin())
    if not missing:
        pytest.skip("every library of the xcb plugin is installed here (the stand-in tests cover the failure)")
    proc = _launch({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, tmp_path / "home")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    debian, _fedora, _unknown = packages(missing)
    assert ", ".join(missing) in proc.stderr
    if debian:
        assert f"sudo apt-get install {' '.join(debian)}" in proc.stderr


def test_offscreen_and_installed_plugins_pass():
    # check() raises PlatformError when a plugin cannot load; here nothing may be reported.
    assert missing_libraries(_real_plugin().with_name("libqoffscreen.so")) == []
    check({"QT_QPA_PLATFORM": "offscreen"})  # what the test suite itself runs on
    if not missing_libraries(_real_plugin()):
        check({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"})


def test_check_raises_platform_error_in_process(tmp_path, monkeypatch):
    pypath = _stub_pyside(tmp_path, [ABSENT])
    monkeypatch.setattr(qt_platform, "plugins_dir", lambda: pypath / "PySide6" / "Qt" / "plugins" / "platforms")
    with pytest.raises(PlatformError) as info:
        check({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"})
    assert info.value.exit_code != 0 and ABSENT in str(info.value)
    check({"QT_QPA_PLATFORM": "offscreen"})  # no stand-in offscreen plugin: nothing to tell, no error


def test_install_hint_mixes_known_and_unknown_libraries():
    hint = install_hint([ABSENT, "libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert hint == (
        f"Install them: sudo apt-get install libxcb-icccm4 libxcb-keysyms1 plus the package "
        f"'apt-file search {ABSENT}' names (Debian/Ubuntu) or sudo dnf install xcb-util-wm "
        f"xcb-util-keysyms '{ABSENT}()(64bit)' (Fedora)."
    )


def test_packages_for_the_libraries_qt_needs():
    debian, fedora, unknown = packages(
        [
            "libxcb-cursor.so.0",
            "libxcb-icccm.so.4",
            "libxcb-keysyms.so.1",
            "libxcb-shape.so.0",
            "libxkbcommon-x11.so.0",
            "libEGL.so.1",
        ]
    )
    assert debian == [
        "libxcb-cursor0",
        "libxcb-icccm4",
        "libxcb-keysyms1",
        "libxcb-shape0",
        "libxkbcommon-x11-0",
        "libegl1",
    ]
    assert fedora == [
        "xcb-util-cursor",
        "xcb-util-wm",
        "xcb-util-keysyms",
        "libxcb",
        "libxkbcommon-x11",
        "libglvnd-egl",
    ]
    assert unknown == []


def test_parse_ldd_and_platform_order():
    sample = (
        "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibxcb-icccm.so.4 => not found\n"
        "\tlibQt6XcbQpa.so.6 => /x/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)\n"
        "\tlibxcb-keysyms.so.1 => not found\n\tlibxcb-icccm.so.4 => not found\n"
    )
    assert parse_ldd(sample) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert platforms({}) == ["xcb"]
    assert platforms({"WAYLAND_DISPLAY": "wayland-0"}) == ["wayland", "xcb"]
    assert platforms({"QT_QPA_PLATFORM": "offscreen"}) == ["offscreen"]
    assert platforms({"QT_QPA_PLATFORM": "wayland;xcb"}) == ["wayland", "xcb"]
    assert platforms({"QT_QPA_PLATFORM": "vnc:size=800x600"}) == ["vnc"]
