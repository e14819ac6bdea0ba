"""Read a folder of the user's documents and split them into passages.

Supported: ``.txt``, ``.md``/``.markdown`` (UTF-8), ``.docx`` (python-docx)
and ``.pdf`` (pypdf). Every file that cannot be used gets one
:class:`FileIssue` saying why (unsupported type, too big, empty, not UTF-8,
encrypted or unreadable PDF, no extractable text); the rest is imported.

Each :class:`Passage` records its document and ``start``/``end`` character
offsets into that document's *extracted* text (``Document.text``), so
``doc.text[p.start:p.end] == p.text`` always holds. For .docx the extracted
text is the paragraphs joined by blank lines, with heading-styled paragraphs
written as Markdown headings (``# Title``) so sections split the same way as
in Markdown; for PDF it is the pages' text joined by blank lines.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from draftwheel.engine.base import CancelToken
from draftwheel.errors import Cancelled, InputError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # files above this are skipped (a 20 MB .txt is ~3M words)
DEFAULT_TARGET_CHARS = 600  # paragraphs of one section are merged up to this many characters (~130 tokens)
MIN_PASSAGE_CHARS = 80  # shorter passages (stray lines, captions) give nothing to ground an answer in

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_BLANK = re.compile(r"\n[ \t]*\n+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+")


class DocumentError(Exception):
    """One file could not be read; the message says why (shown per file)."""


@dataclass(frozen=True)
class Document:
    path: Path  # absolute path of the file
    rel: str  # path relative to the imported folder (shown to the user, stored as provenance)
    kind: str  # "txt", "md", "docx" or "pdf"
    text: str  # the extracted text that passage offsets refer to


@dataclass(frozen=True)
class Passage:
    doc: str  # Document.rel
    start: int  # character offsets into Document.text: text == doc.text[start:end]
    end: int
    text: str
    heading: str = ""  # the section heading above it, if any
    source: str = ""  # absolute path of the document (stored as provenance)

    @property
    def label(self) -> str:
        return f"{self.doc}:{self.start}-{self.end}"


@dataclass(frozen=True)
class FileIssue:
    path: str  # relative to the imported folder
    status: str  # "skipped" (by rule: type, size, empty) or "unreadable" (tried and failed)
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.status}: {self.reason}"


@dataclass
class ImportResult:
    folder: Path
    documents: list[Document] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    issues: list[FileIssue] = field(default_factory=list)

    def document(self, rel: str) -> Document:
        for doc in self.documents:
            if doc.rel == rel:
                return doc
        raise KeyError(rel)

    def summary(self) -> str:
        lines = [f"Imported {len(self.documents)} document(s), {len(self.passages)} passage(s) from {self.folder}."]
        lines += [f"  {issue}" for issue in self.issues]
        return "\n".join(lines)


# -- reading one file ----------------------------------------------------------


def read_text_file(data: bytes) -> str:
    """UTF-8 (a BOM is allowed); anything else raises DocumentError with the offending byte."""
    if b"\x00" in data[:8192]:
        raise DocumentError("looks like a binary file (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8 to import it"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_docx(path: Path) -> str:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"not a readable Word document ({exc.__class__.__name__}: {exc})") from None
    except Exception as exc:  # zipfile.BadZipFile, lxml errors: all mean a damaged file
        raise DocumentError(f"damaged Word document ({exc.__class__.__name__}: {exc})") from None
    blocks: list[str] = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        level = _docx_heading_level(style)
        blocks.append(f"{'#' * level} {text}" if level else text)
    return "\n\n".join(blocks)


def _docx_heading_level(style: str) -> int:
    if style == "Title":
        return 1
    m = re.fullmatch(r"Heading (\d)", style)
    return min(int(m.group(1)), 6) if m else 0


@contextlib.contextmanager
def _quiet_pypdf():
    """pypdf logs warnings about damaged files; we report each file once ourselves."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    with _quiet_pypdf():
        return _read_pdf(path, PdfReader, PdfReadError)


def _read_pdf(path: Path, PdfReader, PdfReadError) -> str:
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            # Many "protected" PDFs only restrict printing and open with an empty password.
            try:
                ok = reader.decrypt("")
            except Exception:  # missing crypto backend or unknown algorithm
                ok = 0
            if not ok:
                raise DocumentError("encrypted PDF (password-protected); save an unprotected copy to import it")
        pages = [(page.extract_text() or "") for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"unreadable PDF ({exc.__class__.__name__}: {exc})") from None
    except Exception as exc:  # pypdf raises a variety of errors on damaged files
        raise DocumentError(f"unreadable PDF ({exc.__class__.__name__}: {exc})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise DocumentError("PDF has no extractable text (a scanned image?); export it with a text layer")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_document(path: Path, rel: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read one supported file; raises DocumentError saying why it cannot be used."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"unsupported type {suffix or '(no extension)'}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"cannot read ({exc.strerror})") from None
    if size == 0:
        raise DocumentError("empty file")
    if size > max_bytes:
        raise DocumentError(f"too big ({size / 1e6:.1f} MB, limit {max_bytes / 1e6:.1f} MB); skipped")
    try:
        if suffix == ".docx":
            text = read_docx(path)
        elif suffix == ".pdf":
            text = read_pdf(path)
        else:
            text = read_text_file(path.read_bytes())
    except PermissionError:
        raise DocumentError("permission denied") from None
    except OSError as exc:
        raise DocumentError(f"cannot read ({exc.strerror or exc})") from None
    if not text.strip():
        raise DocumentError("no text in it")
    kind = {".markdown": "md"}.get(suffix, suffix[1:])
    return Document(path.resolve(), rel or path.name, kind, text)


# -- splitting into passages -----------------------------------------------------


def _sections(text: str) -> list[tuple[str, int, int]]:
    """(heading, body start, body end) for each Markdown section; text before the first heading has ''."""
    out: list[tuple[str, int, int]] = []
    heading, start = "", 0
    for m in _HEADING.finditer(text):
        out.append((heading, start, m.start()))
        heading, start = m.group(2).strip(), m.end()
    out.append((heading, start, len(text)))
    return out


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Blank-line separated blocks in text[start:end], as trimmed (start, end) offsets."""
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _BLANK.finditer(text, start, end):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, end))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def _split_long(text: str, a: int, b: int, limit: int) -> list[tuple[int, int]]:
    """Cut a block longer than ``limit`` at sentence ends (PDF pages often have no blank lines).

    A single sentence longer than ``limit`` stays whole.
    """
    if b - a <= limit:
        return [(a, b)]
    starts = [m.end() for m in _SENTENCE_END.finditer(text, a, b)] + [b]  # where each next sentence starts
    out: list[tuple[int, int]] = []
    start = prev = a
    for cut in starts:
        if cut - start > limit and prev > start:
            out.append((start, prev))
            start = prev
        prev = cut
    out.append((start, b))
    return [_trim(text, x, y) for x, y in out if text[x:y].strip()]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def split_passages(
    doc: Document, target_chars: int = DEFAULT_TARGET_CHARS, min_chars: int = MIN_PASSAGE_CHARS
) -> list[Passage]:
    """Passages of about ``target_chars``: paragraphs of one section merged, never across a heading."""
    text = doc.text
    passages: list[Passage] = []
    for heading, s_start, s_end in _sections(text):
        blocks: list[tuple[int, int]] = []
        for a, b in _paragraphs(text, s_start, s_end):
            blocks.extend(_split_long(text, a, b, int(target_chars * 1.5)))
        cur: tuple[int, int] | None = None
        for a, b in blocks:
            if cur is None:
                cur = (a, b)
            elif b - cur[0] <= target_chars:
                cur = (cur[0], b)
            else:
                passages.append(Passage(doc.rel, cur[0], cur[1], text[cur[0] : cur[1]], heading, str(doc.path)))
                cur = (a, b)
        if cur is not None:
            passages.append(Passage(doc.rel, cur[0], cur[1], text[cur[0] : cur[1]], heading, str(doc.path)))
    return [p for p in passages if len(p.text) >= min_chars]


# -- a whole folder ------------------------------------------------------------


def folder_files(folder: Path) -> list[Path]:
    """Every file under ``folder`` in a stable order, without hidden files and folders (also used by the passage index)."""
    return _walk(folder)


def _walk(folder: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .git, .obsidian, ...
        files.extend(Path(root) / n for n in sorted(names) if not n.startswith((".", "~$")))
    return files


def import_folder(
    folder: Path | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    target_chars: int = DEFAULT_TARGET_CHARS,
    min_chars: int = MIN_PASSAGE_CHARS,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: CancelToken | None = None,
) -> ImportResult:
    """Import every supported file under ``folder`` (recursively).

    Per-file problems are collected in ``issues``; only a missing folder raises.
    ``progress(done, total, rel_path)`` is called after each file.
    """
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise InputError(f"{folder}: no such folder.")
    if not folder.is_dir():
        raise InputError(f"{folder}: is a file, not a folder.", "Give the folder that holds your documents.")
    result = ImportResult(folder.resolve())
    files = _walk(folder)
    for i, path in enumerate(files, 1):
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        rel = path.relative_to(folder).as_posix()
        try:
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                result.issues.append(
                    FileIssue(rel, "skipped", f"unsupported type {path.suffix.lower() or '(no extension)'}")
                )
            else:
                doc = read_document(path, rel, max_bytes=max_bytes)
                found = split_passages(doc, target_chars, min_chars)
                if not found:
                    result.issues.append(FileIssue(rel, "skipped", f"no passage of at least {min_chars} characters"))
                else:
                    result.documents.append(doc)
                    result.passages.extend(found)
        except DocumentError as exc:
            status = "skipped" if str(exc).startswith(("empty", "too big", "unsupported")) else "unreadable"
            result.issues.append(FileIssue(rel, status, str(exc)))
        if progress is not None:
            progress(i, len(files), rel)
    for issue in result.issues:
        log.info("%s", issue)
    return result
