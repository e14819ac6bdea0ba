"""Checks on adapter GGUF files: is it a LoRA, and which base model does it fit."""

from __future__ import annotations

from pathlib import Path

from draftwheel.config.paths import AppPaths
from draftwheel.errors import DraftwheelError, ModelFileError
from draftwheel.models.adapter_info import AdapterInfo
from draftwheel.models.catalogue import Catalogue, ModelEntry
from draftwheel.models.gguf_info import GGUFInfo, gguf_header, read_gguf


def _shown(exc: ModelFileError, path: Path, shown: str | Path) -> ModelFileError:
    return ModelFileError(str(exc.message).replace(str(path), str(shown)), exc.hint)


def check_adapter_gguf(path: Path, shown: str | Path | None = None) -> GGUFInfo:
    """Header checks for an adapter GGUF; returns its GGUFInfo. ``shown``: the file name the user knows."""
    shown = shown or path.name
    try:
        meta, tensors = gguf_header(path)  # fast: a model given by mistake has a 262k-entry vocabulary
    except ModelFileError as exc:
        raise _shown(exc, path, shown) from None
    if meta.get("general.type", "model") != "adapter":
        raise ModelFileError(
            f"{shown}: this GGUF is a model, not a LoRA adapter.",
            "Add models with 'draftwheel models add'; adapters come from training or an export.",
        )
    try:
        info = read_gguf(path, what="adapter")
    except ModelFileError as exc:
        raise _shown(exc, path, shown) from None
    if info.metadata.get("adapter.type") != "lora":
        raise ModelFileError(f"{shown}: adapter type {info.metadata.get('adapter.type')!r} is not a LoRA.")
    bad = [n for n in tensors if not n.endswith((".lora_a", ".lora_b"))]
    if bad:
        raise ModelFileError(f"{shown}: unexpected tensor {bad[0]!r} in a LoRA adapter.")
    return info


def rank_of(gguf_path: Path) -> int:
    for name, dims in gguf_header(gguf_path)[1].items():
        if name.endswith(".lora_a") and len(dims) == 2:
            return int(dims[1])  # ne = [in, r]
    return 0


def base_models(paths: AppPaths) -> list[ModelEntry]:
    try:
        return Catalogue(paths).list()
    except DraftwheelError:
        return []


def check_base(adapter: AdapterInfo, model: ModelEntry, paths: AppPaths | None = None) -> None:
    """Refuse ``adapter`` on ``model`` unless it was made for that very base."""
    if adapter.architecture != model.architecture or (
        adapter.base_sha256 and model.sha256 and adapter.base_sha256 != model.sha256
    ):
        raise DraftwheelError(
            f"Adapter {adapter.name!r} needs the base model {adapter.base_model or 'unknown'} "
            f"({adapter.architecture}, sha256 {adapter.base_sha256[:12]}), "
            f"but the model in use is {model.name} ({model.architecture}, sha256 {model.sha256[:12]}).",
            _base_hint(adapter, paths),
        )


def _base_hint(adapter: AdapterInfo, paths: AppPaths | None) -> str:
    if paths is not None:
        for m in base_models(paths):
            if m.sha256 == adapter.base_sha256:
                return f"Switch to model {m.name!r} (draftwheel revise --model {m.name})."
    return "Add that model with 'draftwheel models add PATH' and use it, or train a new adapter for this one."


def matching_base(gguf_path: Path, arch: str, paths: AppPaths, want_sha: str | None) -> ModelEntry:
    """The catalogue model this adapter fits; a clear error naming the base it needs otherwise."""
    models = base_models(paths)
    if want_sha:
        for m in models:
            if m.sha256 == want_sha and m.architecture == arch:
                return m
        raise DraftwheelError(
            f"This adapter was made for another base model ({arch}, sha256 {want_sha[:12]}), "
            f"which is not in your catalogue ({', '.join(m.name for m in models) or 'empty'}).",
            "Add that base model with 'draftwheel models add PATH', then import the adapter again.",
        )
    same_arch = [m for m in models if m.architecture == arch]
    if not same_arch:
        raise DraftwheelError(
            f"This adapter needs a {arch} base model; none of your models is one "
            f"({', '.join(f'{m.name} ({m.architecture})' for m in models) or 'no models'}).",
            "Add a matching base model with 'draftwheel models add PATH' first.",
        )
    want = gguf_header(gguf_path)[1]
    for m in same_arch:
        if m.file.exists() and _fits(want, gguf_header(m.file)[1]):
            return m
    raise DraftwheelError(
        f"This {arch} adapter does not fit any of your {arch} models ({', '.join(m.name for m in same_arch)}): "
        "its tensor shapes belong to another model size.",
        "Add the base model it was trained on with 'draftwheel models add PATH' first.",
    )


def _fits(adapter_shapes: dict[str, tuple[int, ...]], base_shapes: dict[str, tuple[int, ...]]) -> bool:
    """True when every ``<base>.lora_a``/``.lora_b`` (ggml ne) fits the base tensor's ne = [in, out]."""
    for name, shape in adapter_shapes.items():
        base_name, _, part = name.rpartition(".")
        ne = base_shapes.get(base_name)
        if ne is None or len(ne) != 2 or len(shape) != 2:
            return False
        if part == "lora_a" and shape[0] != ne[0]:  # ne = [in, r]
            return False
        if part == "lora_b" and shape[1] != ne[1]:  # ne = [r, out]
            return False
    return True
