"""Held-out sets for evaluation: a source file and one or more reference files.

Files hold one sentence (or paragraph) per line; line N of every file belongs
together, as in JFLEG. Lines are split on ``\\n`` only (not on the other
characters ``str.splitlines`` treats as breaks), so line numbers agree with
``wc -l`` and with the reference GLEU script.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from draftwheel.errors import InputError
from draftwheel.textio import read_text


def read_lines(file: str | Path) -> list[str]:
    """Lines of a UTF-8 text file, without their line ends; a missing final newline is fine."""
    text = read_text(file)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


@dataclass(frozen=True)
class EvalSet:
    sources: list[str]
    references: list[list[str]]  # R streams, each one line per source (sacrebleu's layout)
    src_file: str = ""
    ref_files: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.sources)

    def refs_for(self, i: int) -> list[str]:
        return [stream[i] for stream in self.references]


def load_eval_set(src: str | Path, refs: list[str | Path], limit: int | None = None) -> EvalSet:
    """Read and check a held-out set; ``limit`` keeps the first N lines."""
    if not refs:
        raise InputError("No reference files given.", "Pass at least one with --refs F [F ...].")
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1; got {limit}.")
    sources = read_lines(src)
    if not sources:
        raise InputError(f"{src}: the file is empty.", "Give one source sentence per line.")
    streams = []
    for ref in refs:
        lines = read_lines(ref)
        if len(lines) != len(sources):
            raise InputError(
                f"{ref}: {len(lines)} lines, but {src} has {len(sources)}.",
                "Line N of every reference file must revise line N of the source file.",
            )
        streams.append(lines)
    for i, line in enumerate(sources):
        if not line.strip():
            raise InputError(f"{src}: line {i + 1} is empty.", "Every source line needs text to revise.")
    if limit is not None:
        sources = sources[:limit]
        streams = [s[:limit] for s in streams]
    return EvalSet(sources, streams, str(src), tuple(str(r) for r in refs))


def load_pairs(src: str | Path, ref: str | Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(input, final) pairs from two line-aligned files, e.g. JFLEG ``dev.src`` and ``dev.ref0``.

    Surrounding whitespace is dropped (JFLEG lines end in a space) so a prompt
    never teaches the model to end its revision with one; pairs with an empty
    final text are skipped.
    """
    data = load_eval_set(src, [ref], limit)
    return [(s.strip(), r.strip()) for s, r in zip(data.sources, data.references[0], strict=True) if r.strip()]
