"""Desktop packaging: the Linux desktop entry and AppStream metadata validate, the icons exist
in every size, and the PyInstaller spec and build script are well-formed."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINUX = REPO / "src" / "draftwheel" / "resources" / "linux"
ICONS = REPO / "src" / "draftwheel" / "resources" / "icons"
APP_ID = "org.draftwheel.Draftwheel"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install desktop-file-utils appstream)")
    return path


def test_desktop_file_validates():
    out = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "error" not in out.stdout.lower(), out.stdout  # warnings/hints are printed but do not fail


def test_metainfo_validates():
    out = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_desktop_entry_and_metainfo_agree():
    from draftwheel import __version__

    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    group = entry["Desktop Entry"]
    assert group["Exec"].split()[0] == "draftwheel" and group["Icon"] == "draftwheel"
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP.name
    assert root.find("provides/binary").text == group["Exec"].split()[0]
    assert root.find("releases/release").get("version") == __version__  # bump both together


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_icons_in_every_size():
    svg = ET.parse(ICONS / "draftwheel.svg").getroot()
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 512 512"
    for n in SIZES:
        assert _png_size(ICONS / f"draftwheel-{n}.png") == (n, n)
        assert _png_size(ICONS / "hicolor" / f"{n}x{n}" / "apps" / "draftwheel.png") == (n, n)
    assert (ICONS / "draftwheel.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"  # ICO header


def test_spec_and_build_script_are_well_formed():
    spec = REPO / "packaging" / "draftwheel.spec"
    compile(spec.read_text(encoding="utf-8"), str(spec), "exec")
    assert "resources" in spec.read_text(encoding="utf-8") and "draftwheel.ico" in spec.read_text(encoding="utf-8")
    out = subprocess.run(["bash", "-n", str(REPO / "packaging" / "build.sh")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert (REPO / "packaging" / "build.sh").stat().st_mode & 0o111, "build.sh must be executable"
    entry = REPO / "packaging" / "draftwheel_entry.py"
    compile(entry.read_text(encoding="utf-8"), str(entry), "exec")
