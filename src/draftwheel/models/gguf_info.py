"""Read and check a GGUF file's header without loading the model.

A bad model file must be refused with a message naming the file and the
problem, before llama.cpp sees it (llama.cpp only says "failed to load").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from draftwheel.errors import ModelFileError

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class GGUFInfo:
    path: Path
    architecture: str
    name: str
    size_bytes: int
    quantization: str
    context_length: int
    file_type: str  # general.type: "model" or "adapter"
    chat_template: str | None
    n_tensors: int
    metadata: dict[str, Any]


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def _field(reader, key: str, default: Any = None) -> Any:
    field = reader.get_field(key)
    if field is None:
        return default
    try:
        return field.contents()
    except Exception:  # older gguf without contents(): decode a scalar or string by hand
        part = field.parts[field.data[0]]
        try:
            return bytes(part).decode("utf-8")
        except Exception:
            return part.tolist()[0]


def read_gguf(path: str | Path, what: str = "model") -> GGUFInfo:
    """Parse the header of ``path``; raise :class:`ModelFileError` with the reason."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ModelFileError(f"{path}: no such file.", f"Check the path of the {what} file.")
    if not path.is_file():
        raise ModelFileError(f"{path}: not a regular file.")
    size = path.stat().st_size
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise ModelFileError(
            f"{path}: not a GGUF file (it starts with {magic!r}, expected b'GGUF').",
            f"Draftwheel runs {what}s in llama.cpp's GGUF format; convert the file first.",
        )
    try:
        from gguf import GGUFReader, LlamaFileType

        reader = GGUFReader(path, "r")
        tensors = reader.tensors
        end = max((int(t.data_offset) + int(t.n_bytes) for t in tensors), default=0)
    except Exception as exc:  # gguf raises ValueError/IndexError/struct errors on damage
        raise ModelFileError(
            f"{path}: the GGUF file is damaged or truncated ({type(exc).__name__}: {exc}).",
            "Download or copy the file again.",
        ) from None
    if end > size or not tensors:
        raise ModelFileError(
            f"{path}: the GGUF file is truncated ({size} bytes, its tensors need {end}).",
            "Download or copy the file again.",
        )
    arch = _field(reader, "general.architecture")
    if not isinstance(arch, str) or not arch:
        raise ModelFileError(f"{path}: the GGUF header has no general.architecture.")
    ftype = _field(reader, "general.file_type")
    try:
        quant = LlamaFileType(int(ftype)).name.removeprefix("MOSTLY_") if ftype is not None else "unknown"
    except ValueError:
        quant = f"type {ftype}"
    meta = {}
    for key in ("general.name", "general.basename", "general.finetune", "general.size_label",
                "general.type", "adapter.type", "adapter.lora.alpha", f"{arch}.block_count",
                f"{arch}.embedding_length", "tokenizer.ggml.model"):
        value = _field(reader, key)
        if value is not None:
            meta[key] = value
    template = _field(reader, "tokenizer.chat_template")
    return GGUFInfo(
        path=path,
        architecture=arch,
        name=str(meta.get("general.name") or path.stem),
        size_bytes=size,
        quantization=quant,
        context_length=int(_field(reader, f"{arch}.context_length", 0) or 0),
        file_type=str(meta.get("general.type") or "model"),
        chat_template=template if isinstance(template, str) else None,
        n_tensors=len(tensors),
        metadata=meta,
    )
