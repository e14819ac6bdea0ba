"""Moved to :mod:`draftwheel.app.documents` (plain Python, no Qt); kept so older imports still work."""

from draftwheel.app.documents import (  # noqa: F401
    FILE_FILTER,
    MAX_BYTES,
    MAX_RECENT,
    TEXT_SUFFIXES,
    Autosave,
    AutosaveRecord,
    RecentFiles,
    read_document,
    release_autosave,
    write_document,
)
