"""Split a document into revisable units and put it back together.

Long input is revised paragraph by paragraph. Markdown structure survives:
fenced code, tables, HTML and blank lines are passed through untouched;
headings, list items and block quotes keep their markers and only their text
is revised. ``join(split(text))`` gives back ``text`` exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^\s*(```|~~~)")
_LIST = re.compile(r"^(\s*(?:[-*+]|\d{1,3}[.)])\s+)(.*)$")
_HEADING = re.compile(r"^(\s{0,3}#{1,6}\s+)(.*?)(\s*#*\s*)$")
_QUOTE = re.compile(r"^(\s*>\s?)(.*)$")
_RAW = re.compile(r"^\s*(\||<[A-Za-z!/]|[-*_]{3,}\s*$|\[[^\]]+\]:)")


@dataclass
class Unit:
    """``prefix + body + suffix``; only ``body`` is revised (when ``revisable``)."""

    prefix: str
    body: str
    suffix: str
    revisable: bool

    @property
    def text(self) -> str:
        return self.prefix + self.body + self.suffix


def _paragraph_units(lines: list[str]) -> list[Unit]:
    """Units for one run of non-blank lines outside code fences."""
    if any(_RAW.match(line) for line in lines):
        return [Unit("", "".join(lines), "", False)]
    if all(_LIST.match(line.rstrip("\n")) or line.startswith((" ", "\t")) for line in lines) and _LIST.match(
        lines[0].rstrip("\n")
    ):
        units = []
        for line in lines:
            m = _LIST.match(line.rstrip("\n"))
            nl = "\n" if line.endswith("\n") else ""
            if m and m.group(2).strip():
                units.append(Unit(m.group(1), m.group(2), nl, True))
            else:
                units.append(Unit("", line, "", False))
        return units
    if len(lines) == 1 and (m := _HEADING.match(lines[0].rstrip("\n"))):
        nl = "\n" if lines[0].endswith("\n") else ""
        return [Unit(m.group(1), m.group(2), m.group(3) + nl, bool(m.group(2).strip()))]
    if all(_QUOTE.match(line) for line in lines):
        units = []
        for line in lines:
            m = _QUOTE.match(line.rstrip("\n"))
            nl = "\n" if line.endswith("\n") else ""
            units.append(Unit(m.group(1), m.group(2), nl, bool(m.group(2).strip())))  # type: ignore[union-attr]
        return units
    text = "".join(lines)
    stripped = text.rstrip("\n")
    lead = len(stripped) - len(stripped.lstrip())
    return [Unit(stripped[:lead], stripped[lead:], text[len(stripped) :], bool(stripped.strip()))]


def split(text: str) -> list[Unit]:
    units: list[Unit] = []
    para: list[str] = []
    fence: list[str] = []
    in_fence = False

    def flush_para() -> None:
        if para:
            units.extend(_paragraph_units(para))
            para.clear()

    for line in text.splitlines(keepends=True):
        if in_fence:
            fence.append(line)
            if _FENCE.match(line):
                units.append(Unit("", "".join(fence), "", False))
                fence.clear()
                in_fence = False
            continue
        if _FENCE.match(line):
            flush_para()
            fence.append(line)
            in_fence = True
        elif not line.strip():
            flush_para()
            units.append(Unit("", line, "", False))
        else:
            para.append(line)
    flush_para()
    if fence:
        units.append(Unit("", "".join(fence), "", False))
    return units


def join(units: list[Unit]) -> str:
    return "".join(u.text for u in units)
