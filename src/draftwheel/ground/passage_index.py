"""Index a folder of the user's documents for "Ask my writing", and keep it current.

Reading and splitting are ``ground.documents``'s (the same passages grounded
generation uses). A re-import compares each file with what was indexed:
same size and mtime -> unchanged (not even read); otherwise its SHA-256
decides whether it is re-split (changed) or only its stat is remembered (a
touched but identical file). Files gone from the folder, or no longer
readable, are dropped with their passages. Each document is written in its
own short transaction, so a cancelled or failing import leaves every
document either fully old or fully new, never half-indexed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from draftwheel.engine.base import CancelToken
from draftwheel.errors import Cancelled, InputError
from draftwheel.ground.documents import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    DocumentError,
    FileIssue,
    folder_files,
    read_document,
    split_passages,
)
from draftwheel.store import Store
from draftwheel.store.passages import drop_documents, folder_documents, put_document, touch_document

MAX_FILES = 20_000  # a folder with more files than this is most likely a home folder picked by mistake


@dataclass
class IndexReport:
    folder: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    issues: list[FileIssue] = field(default_factory=list)
    passages: int = 0  # passages written by this import (added + changed documents)

    def summary(self) -> str:
        parts = [
            f"Indexed {self.folder}: {len(self.added)} new, {len(self.changed)} changed, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed document(s); "
            f"{self.passages} passage(s) written."
        ]
        parts += [f"  {issue}" for issue in self.issues]
        return "\n".join(parts)

    def as_dict(self) -> dict:
        return {
            "folder": self.folder,
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "passages": self.passages,
            "issues": [{"path": i.path, "status": i.status, "reason": i.reason} for i in self.issues],
        }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _folder(folder: Path | str) -> Path:
    path = Path(folder).expanduser()
    if not path.exists():
        raise InputError(f"{path}: no such folder.")
    if not path.is_dir():
        raise InputError(f"{path}: is a file, not a folder.", "Give the folder that holds your documents.")
    return path.resolve()


def index_folder(
    store: Store,
    folder: Path | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: CancelToken | None = None,
) -> IndexReport:
    """Index (or re-index) every supported file under ``folder``; returns what changed and why files were skipped.

    An empty folder, or one without a single supported file, is an InputError
    (nothing is changed); unreadable files (not UTF-8, damaged) are reported per
    file in ``issues`` and, if they were indexed before, dropped.
    """
    root = _folder(folder)
    key = str(root)
    files = folder_files(root)
    if not files:
        raise InputError(f"{root}: the folder is empty.", "Choose the folder that holds your documents.")
    if len(files) > MAX_FILES:
        raise InputError(
            f"{root}: {len(files)} files, more than the {MAX_FILES} an index takes.",
            "Choose the folder that holds your writing rather than a whole disk or home folder.",
        )
    if not any(f.suffix.lower() in SUPPORTED_SUFFIXES for f in files):
        raise InputError(
            f"{root}: no documents to index ({len(files)} file(s), none .txt, .md, .docx or .pdf).",
            "Choose the folder that holds your documents.",
        )
    report = IndexReport(key)
    with store.session() as s:
        known = {rel: (d.id, d.size, d.mtime_ns, d.sha256) for rel, d in folder_documents(s, key).items()}
    seen: set[str] = set()
    for i, path in enumerate(files, 1):
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        rel = path.relative_to(root).as_posix()
        seen.add(rel)
        _index_file(store, report, key, path, rel, known.get(rel), max_bytes)
        if progress is not None:
            progress(i, len(files), rel)
    gone = sorted(rel for rel in known if rel not in seen)
    if gone:
        with store.session() as s, s.begin():
            drop_documents(s, [known[rel][0] for rel in gone])
        report.removed.extend(gone)
    return report


def _index_file(
    store: Store, report: IndexReport, folder: str, path: Path, rel: str, old: tuple | None, max_bytes: int
) -> None:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        report.issues.append(FileIssue(rel, "skipped", f"unsupported type {path.suffix.lower() or '(no extension)'}"))
        return
    try:
        st = path.stat()
        if old is not None and (old[1], old[2]) == (st.st_size, st.st_mtime_ns):
            report.unchanged.append(rel)
            return
        digest = _sha256(path)
        if old is not None and old[3] == digest:
            with store.session() as s, s.begin():
                touch_document(s, folder_documents(s, folder)[rel], st.st_size, st.st_mtime_ns)
            report.unchanged.append(rel)
            return
        doc = read_document(path, rel, max_bytes=max_bytes)
        passages = split_passages(doc)
        if not passages:
            raise DocumentError("no passage long enough to answer from (at least 80 characters)")
    except (DocumentError, OSError) as exc:
        reason = str(exc) if isinstance(exc, DocumentError) else f"cannot read ({exc.strerror or exc})"
        status = "skipped" if reason.startswith(("empty", "too big", "unsupported", "no passage")) else "unreadable"
        report.issues.append(FileIssue(rel, status, reason))
        if old is not None:  # it was indexed, but what it says now cannot be read: answer from nothing stale
            with store.session() as s, s.begin():
                drop_documents(s, [old[0]])
            report.removed.append(rel)
        return
    with store.session() as s, s.begin():
        put_document(
            s,
            folder=folder,
            rel=rel,
            path=str(doc.path),
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            sha256=digest,
            passages=[(p.start, p.end, p.heading, p.text) for p in passages],
        )
    (report.changed if old is not None else report.added).append(rel)
    report.passages += len(passages)
