"""The curated list of downloadable models (``resources/models.json``).

It is data shipped with the app and edited by hand: reading it never touches
the network, and nothing here downloads. Each offer says where the file lives
on the hub, how big it is, what memory it needs and whether our trainer has
been shown to handle its architecture, so the user can choose before asking
for a download.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache

from draftwheel.config.paths import resources_dir
from draftwheel.errors import DraftwheelError, NotFoundError

CURATED_FILE = "models.json"
# Architectures whose LoRA training the tests run end to end (tests/test_train_*.py
# train on gemma3). Others may work through transformers' GGUF reader, but we do not
# promise what we have not run.
TRAINABLE_ARCHITECTURES = frozenset({"gemma3"})
# Share of the machine's memory a model may take: the OS, the app and the editor need the rest.
FIT_SHARE = 0.7
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Offer:
    name: str
    title: str
    repo: str
    file: str
    architecture: str
    params_b: float
    quantization: str
    size_bytes: int
    sha256: str | None
    license: str
    gated: bool
    context_length: int
    ram_gb: float
    rank: int

    @property
    def trainable(self) -> bool:
        return self.architecture in TRAINABLE_ARCHITECTURES

    def fits(self, ram_bytes: int | None) -> bool | None:
        """Whether it fits a machine with ``ram_bytes`` of memory; None when that is unknown."""
        if not ram_bytes:
            return None
        return self.ram_gb * 1e9 <= ram_bytes * FIT_SHARE


def _offer(raw: dict) -> Offer:
    offer = Offer(**raw)
    if offer.sha256 is not None and not _SHA256_RE.match(offer.sha256):
        raise ValueError(f"{offer.name}: sha256 must be 64 lowercase hex digits or null")
    return offer


@cache
def offers() -> tuple[Offer, ...]:
    file = resources_dir() / CURATED_FILE
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
        return tuple(_offer(m) for m in raw["models"])
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise DraftwheelError(f"{file}: the curated model list is damaged ({exc}).", "Reinstall Draftwheel.") from None


def find_offer(name: str) -> Offer:
    for offer in offers():
        if offer.name == name:
            return offer
    known = ", ".join(o.name for o in offers())
    raise NotFoundError(
        f"{name!r} is not in the curated list.",
        f"Known: {known}. Or name a repository and file: 'draftwheel models download REPO FILE'.",
    )


def total_ram_bytes() -> int | None:
    """Physical memory of this machine (Linux and macOS), or None where the OS does not say (Windows)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def recommend(ram_bytes: int | None) -> Offer | None:
    """The best-ranked offer that fits ``ram_bytes``; None when none fits or the memory is unknown."""
    fitting = [o for o in offers() if o.fits(ram_bytes)]
    return max(fitting, key=lambda o: o.rank, default=None)
