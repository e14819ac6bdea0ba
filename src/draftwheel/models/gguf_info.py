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


# GGUF value types -> struct format of a scalar (8 = string, 9 = array).
_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


@dataclass(frozen=True)
class TensorInfo:
    dims: tuple[int, ...]  # ggml "ne" order (innermost first)
    ggml_type: int
    offset: int  # bytes from the start of the data section


@dataclass(frozen=True)
class GGUFHeader:
    metadata: dict[str, Any]  # scalars and strings; arrays are kept as their element count
    tensors: dict[str, TensorInfo]
    data_start: int  # file offset of the tensor data section


def parse_header(path: str | Path) -> GGUFHeader:
    """Read a GGUF header (metadata and tensor table) without touching tensor data.

    ``gguf.GGUFReader`` builds a numpy view per array element, which takes
    tens of seconds for a 262k-token vocabulary on a busy 2-core machine;
    this reads the same header in a fraction of a second, skipping arrays.
    Raises ``ValueError``/``struct.error``/``OSError`` on damage.
    """
    import mmap
    import struct

    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        pos = 0

        def take(fmt: str):
            nonlocal pos
            (v,) = struct.unpack_from(fmt, buf, pos)
            pos += struct.calcsize(fmt)
            return v

        def string() -> str:
            nonlocal pos
            n = take("<Q")
            if pos + n > len(buf):
                raise ValueError("a string runs past the end of the file")
            v = bytes(buf[pos : pos + n]).decode("utf-8", "replace")
            pos += n
            return v

        if bytes(buf[:4]) != GGUF_MAGIC:
            raise ValueError("not a GGUF file")
        pos = 4
        version = take("<I")
        if version not in (2, 3):
            raise ValueError(f"GGUF version {version} is not supported (2 and 3 are)")
        n_tensors, n_kv = take("<Q"), take("<Q")
        meta: dict[str, Any] = {}
        for _ in range(n_kv):
            key, vtype = string(), take("<I")
            if vtype == 8:
                meta[key] = string()
            elif vtype == 9:
                etype, count = take("<I"), take("<Q")
                if etype in _SCALAR:
                    pos += count * struct.calcsize(_SCALAR[etype])
                elif etype == 8:
                    for _ in range(count):
                        n = take("<Q")  # not ``pos += take()``: that reads pos before take() moves it
                        pos += n
                else:
                    raise ValueError(f"unsupported array element type {etype} for {key[:60]!r}")
                if pos > len(buf):
                    raise ValueError(f"array {key[:60]!r} runs past the end of the file")
                meta[key] = count
            elif vtype in _SCALAR:
                meta[key] = take(_SCALAR[vtype])
            else:
                raise ValueError(f"unknown value type {vtype} for {key[:60]!r}")
        tensors: dict[str, TensorInfo] = {}
        for _ in range(n_tensors):
            name = string()
            n_dims = take("<I")
            if n_dims > 8:
                raise ValueError(f"tensor {name[:60]!r} has {n_dims} dimensions")
            dims = tuple(take("<Q") for _ in range(n_dims))
            tensors[name] = TensorInfo(dims, take("<I"), take("<Q"))
        align = int(meta.get("general.alignment", 32) or 32)
        data_start = (pos + align - 1) // align * align
    return GGUFHeader(meta, tensors, data_start)


def _tensor_bytes(info: TensorInfo) -> int:
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    block, size = GGML_QUANT_SIZES[GGMLQuantizationType(info.ggml_type)]
    n = 1
    for d in info.dims:
        n *= d
    return n // block * size


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
        from gguf import LlamaFileType

        header = parse_header(path)
        end = max((header.data_start + t.offset + _tensor_bytes(t) for t in header.tensors.values()), default=0)
    except Exception as exc:  # struct.error, ValueError, KeyError (unknown ggml type), OSError
        raise ModelFileError(
            f"{path}: the GGUF file is damaged or truncated ({type(exc).__name__}: {exc}).",
            "Download or copy the file again.",
        ) from None
    if end > size or not header.tensors:
        raise ModelFileError(
            f"{path}: the GGUF file is truncated ({size} bytes, its tensors need {end}).",
            "Download or copy the file again.",
        )
    meta_all = header.metadata
    arch = meta_all.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise ModelFileError(f"{path}: the GGUF header has no general.architecture.")
    ftype = meta_all.get("general.file_type")
    try:
        quant = LlamaFileType(int(ftype)).name.removeprefix("MOSTLY_") if ftype is not None else "unknown"
    except (ValueError, TypeError):
        quant = f"type {ftype}"
    meta = {}
    for key in (
        "general.name",
        "general.basename",
        "general.finetune",
        "general.size_label",
        "general.type",
        "adapter.type",
        "adapter.lora.alpha",
        f"{arch}.block_count",
        f"{arch}.embedding_length",
        "tokenizer.ggml.model",
    ):
        if key in meta_all:
            meta[key] = meta_all[key]
    template = meta_all.get("tokenizer.chat_template")
    tensors = header.tensors
    return GGUFInfo(
        path=path,
        architecture=arch,
        name=str(meta.get("general.name") or path.stem),
        size_bytes=size,
        quantization=quant,
        context_length=int(meta_all.get(f"{arch}.context_length", 0) or 0),
        file_type=str(meta.get("general.type") or "model"),
        chat_template=template if isinstance(template, str) else None,
        n_tensors=len(tensors),
        metadata=meta,
    )


def gguf_header(path: str | Path) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """(scalar and string metadata, {tensor name: ne}) of a GGUF, read from its header only.

    A damaged header is a :class:`ModelFileError`.
    """
    import struct

    path = Path(path)
    try:
        header = parse_header(path)
    except (OSError, ValueError, struct.error) as exc:
        raise ModelFileError(
            f"{path}: the GGUF header is damaged or truncated ({exc}).", "Copy the file again."
        ) from None
    return header.metadata, {name: t.dims for name, t in header.tensors.items()}
