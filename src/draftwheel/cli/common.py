"""Helpers shared by sub-commands: profile, settings, reading user input."""

from __future__ import annotations

import sys
from pathlib import Path

from draftwheel.config import AppPaths, Settings, app_paths, load_settings
from draftwheel.errors import InputError


def profile() -> tuple[AppPaths, Settings]:
    paths = app_paths()
    return paths, load_settings(paths)


def decode_text(data: bytes, source: str) -> str:
    """Strict UTF-8 (BOM allowed); binary or other encodings get a clear error."""
    if b"\x00" in data[:8192]:
        raise InputError(f"{source}: looks like a binary file (it contains NUL bytes).",
                         "Give a plain-text or Markdown file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}).",
            "Save the file as UTF-8 and try again.",
        ) from None


def read_input(file: str | None) -> tuple[str, str]:
    """(text, source name) from ``file`` or stdin."""
    if file:
        path = Path(file).expanduser()
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: no such file.") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a folder, not a file.") from None
        except PermissionError:
            raise InputError(f"{path}: permission denied.") from None
        return decode_text(data, str(path)), str(path)
    if sys.stdin is None or sys.stdin.isatty():
        raise InputError("No input: pass --file F or pipe text on stdin.")
    return decode_text(sys.stdin.buffer.read(), "stdin"), "stdin"
