"""What a personal LoRA adapter is: its description (``adapter.json``), its names, its engine handle.

An adapter is a folder ``AppPaths.adapters_dir/<name>/`` holding

* ``adapter.gguf`` — the llama.cpp LoRA (what the engine applies);
* ``adapter.json`` — :class:`AdapterInfo`: base model name and sha256,
  architecture, rank, alpha, target modules, data size, steps, task, scores,
  created_at, promoted;
* ``peft/`` (optional) — the PEFT folder it came from, for further training;
* ``mlx/`` (optional) — the same weights in mlx-lm's layout.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from draftwheel.errors import DraftwheelError

GGUF_FILE = "adapter.gguf"
JSON_FILE = "adapter.json"
PEFT_DIR = "peft"
SCHEMA = 1
# The one name for "no adapter": ``draftwheel adapters use base``, ``--adapter base``, the switcher's "Base model".
BASE_NAME = "base"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


def is_base(name: str | None) -> bool:
    """True when ``name`` asks for the base model without an adapter."""
    return (name or "").strip().lower() == BASE_NAME


@dataclass(frozen=True)
class AdapterRef:
    """A LoRA adapter file for the loaded base model, applied at ``scale`` (what an engine is handed)."""

    name: str
    path: Path
    scale: float = 1.0


@dataclass
class AdapterInfo:
    name: str
    task: str
    base_model: str  # catalogue name of the base at training time
    base_sha256: str
    architecture: str
    rank: int
    alpha: float
    target_modules: list[str] = field(default_factory=list)
    n_train: int = 0  # training pairs
    n_heldout: int = 0
    steps: int = 0
    scores: dict[str, Any] = field(default_factory=dict)  # e.g. {"adapter": {...}, "baseline": {...}}
    training: dict[str, Any] = field(default_factory=dict)  # loss, tokens/s, seconds ...
    created_at: str = ""  # ISO 8601, UTC
    promoted: bool = False
    source: str = "trained"  # trained | imported | copied
    # The style it belongs to, as defined when it was made or exported (key, name, instruction,
    # description, base_preset, builtin): an import can make the style again elsewhere.
    style: dict[str, Any] = field(default_factory=dict)
    schema: int = SCHEMA
    folder: Path = field(default=Path("."), compare=False)

    @property
    def gguf(self) -> Path:
        return self.folder / GGUF_FILE

    @property
    def peft_dir(self) -> Path | None:
        p = self.folder / PEFT_DIR
        return p if (p / "adapter_config.json").is_file() else None

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("folder")
        return d

    @classmethod
    def from_json(cls, raw: dict[str, Any], folder: Path) -> AdapterInfo:
        names = {f.name for f in dataclasses.fields(cls)} - {"folder"}
        missing = [k for k in ("name", "task", "base_sha256", "architecture", "rank", "alpha") if k not in raw]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        info = cls(**{k: v for k, v in raw.items() if k in names}, folder=folder)
        if not isinstance(info.name, str) or not isinstance(info.base_sha256, str):
            raise ValueError("name and base_sha256 must be strings")
        info.rank, info.alpha = int(info.rank), float(info.alpha)
        return info


def adapter_ref(adapter: AdapterInfo, scale: float = 1.0) -> AdapterRef:
    """The engine's handle for ``adapter``."""
    return AdapterRef(name=adapter.name, path=adapter.gguf, scale=scale)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def check_name(name: str) -> str:
    name = (name or "").strip()
    if is_base(name):
        raise DraftwheelError(
            f"{name!r} is reserved (it means the base model without an adapter).", "Choose another name."
        )
    if not _NAME_RE.match(name):
        raise DraftwheelError(
            f"{name!r} is not a usable adapter name.",
            "Use up to 64 letters, digits, spaces, dots, dashes or underscores.",
        )
    return name
