"""Reading text the user hands over: strict UTF-8 with clear, specific errors.

Used by every layer that reads a user's file (CLI input, evaluation sets,
profiles), so a binary, non-UTF-8, missing or unreadable file is reported
the same way everywhere.
"""

from __future__ import annotations

from pathlib import Path

from draftwheel.errors import InputError


def decode_text(data: bytes, source: str) -> str:
    """Strict UTF-8 (a BOM is allowed); binary or other encodings get a clear error."""
    if b"\x00" in data:
        raise InputError(
            f"{source}: looks like a binary file (it contains NUL bytes).", "Give a plain-text or Markdown file."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}).",
            "Save the file as UTF-8 and try again.",
        ) from None


def read_bytes(file: str | Path, what: str = "file") -> bytes:
    path = Path(file).expanduser()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}.") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a {what}.") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror or exc}).") from None


def read_text(file: str | Path, what: str = "file") -> str:
    path = Path(file).expanduser()
    return decode_text(read_bytes(path, what), str(path))
