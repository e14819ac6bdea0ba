"""The MLX backend (mlx-lm), the fast path on Apple silicon.

MLX cannot read GGUF quantizations, so it runs the trainable safetensors copy
of the catalogue model that the training code makes once
(:func:`draftwheel.models.weights.trainable_weights`): float32 weights equal to
the dequantized GGUF ones. On Linux the mlx CPU wheels run the same code
(slowly), which is how the tests exercise it.

Adapters are switched without reloading the model: the adapted linear layers
are wrapped in mlx-lm's ``LoRALinear`` (which keeps the original layer as
``.linear``), and switching only replaces each wrapper's ``lora_a`` /
``lora_b`` / ``scale``; layers the new adapter does not touch are unwrapped
back to the original module, and ``None`` unwraps all of them.

Each request gets a fresh KV cache (no prefix reuse yet, so
``n_cached_tokens`` is always 0).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from draftwheel.engine.base import (
    AdapterRef,
    CancelToken,
    Chunk,
    Engine,
    EngineInfo,
    GenerationRequest,
    Step,
    fit_prompt,
    stream_steps,
)
from draftwheel.errors import DraftwheelError, ModelFileError, NotFoundError
from draftwheel.models import mlx_adapter
from draftwheel.models.catalogue import ModelEntry


def adapter_folder(ref: AdapterRef) -> Path:
    """The adapter folder of ``ref``: its path, or the folder holding its adapter file."""
    path = Path(ref.path)
    return path if path.is_dir() else path.parent


class MlxEngine(Engine):
    backend = "mlx"

    def __init__(
        self,
        model: ModelEntry,
        weights_dir: str | Path | None = None,
        paths=None,
        n_ctx: int = 4096,
        n_threads: int = 0,
        seed: int = 0,
        dtype: str | None = None,
        progress=None,
    ):
        """Load ``model``'s safetensors copy (``weights_dir``, else the cached one, converting once).

        ``dtype``: ``None`` keeps the stored float32; ``"float16"``/``"bfloat16"``
        halve memory and speed up Apple GPUs at a small cost in fidelity.
        """
        from draftwheel.models.mlx_runtime import import_mx

        try:
            mx = import_mx()  # first: picks a fast BLAS on Linux before mlx loads
            from mlx_lm.utils import load
        except ImportError as exc:  # e.g. mlx without its platform wheel (mlx-cpu / mlx-metal)
            raise DraftwheelError(
                f"The MLX backend cannot start ({exc}).",
                "Install it with: pip install 'draftwheel[mlx]', or use --backend llama.",
            ) from None

        self._mx = mx
        if weights_dir is None:
            from draftwheel.config.paths import app_paths
            from draftwheel.models.weights import trainable_weights

            weights_dir = trainable_weights(paths or app_paths(), model, progress=progress)
        self._weights_dir = Path(weights_dir)
        if not (self._weights_dir / "config.json").is_file():
            raise ModelFileError(f"{self._weights_dir}: not a safetensors model folder (no config.json).")
        try:
            loaded = load(str(self._weights_dir))  # (model, tokenizer) without return_config
            self._model, self._tok = loaded[0], loaded[1]
        except (ValueError, KeyError, OSError, FileNotFoundError) as exc:
            raise ModelFileError(
                f"{self._weights_dir}: mlx-lm could not load this model ({exc}).",
                "Delete the folder to convert the model again, or use --backend llama.",
            ) from None
        if dtype:
            if dtype not in ("float32", "float16", "bfloat16"):
                raise DraftwheelError(f"Unknown MLX dtype {dtype!r}; use float32, float16 or bfloat16.")
            self._model.set_dtype(getattr(mx, dtype))
        self._model.eval()
        self._entry = model
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._seed = seed
        self._adapter: AdapterRef | None = None
        self._adapters: dict[str, tuple[dict, float]] = {}  # key -> ({module: (a, b) mx arrays}, scale)
        mx.random.seed(seed)

    # -- info ----------------------------------------------------------------
    @property
    def info(self) -> EngineInfo:
        return EngineInfo(
            self.backend,
            self._entry,
            self._n_ctx,
            self._n_threads,
            self._adapter.name if self._adapter else None,
            {"weights": str(self._weights_dir), "device": str(self._mx.default_device())},
        )

    @property
    def model(self):
        """The mlx-lm model (the trainer and tests use it)."""
        return self._model

    @property
    def tokenizer(self):
        return self._tok

    def tokenize(self, text: str, add_bos: bool = False) -> list[int]:
        return list(self._tok.encode(text, add_special_tokens=add_bos))

    def chat_template(self) -> str | None:
        return getattr(self._tok, "chat_template", None)

    def special_tokens(self) -> dict[str, str]:
        return {"bos": self._tok.bos_token or "", "eos": self._tok.eos_token or ""}

    # -- generation ----------------------------------------------------------
    def stream(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Iterator[Chunk]:
        t0 = time.perf_counter()
        tokens = self.tokenize(request.prompt, add_bos=True)
        max_tokens = fit_prompt(tokens, self._n_ctx, request.max_tokens)
        if request.temperature > 0:
            self._mx.random.seed(self._seed if request.seed is None else request.seed)
        # No prefix reuse: every request starts with a fresh KV cache, so 0 cached tokens.
        yield from stream_steps(
            self._steps(tokens, request, max_tokens), request.stop, len(tokens), 0, max_tokens, cancel, t0
        )

    def _steps(self, tokens: list[int], request: GenerationRequest, max_tokens: int) -> Iterator[Step]:
        from mlx_lm.generate import stream_generate
        from mlx_lm.sample_utils import make_logits_processors, make_sampler

        sampler = make_sampler(request.temperature, top_p=request.top_p, top_k=request.top_k)
        processors = (
            make_logits_processors(repetition_penalty=request.repeat_penalty)
            if request.repeat_penalty and request.repeat_penalty != 1.0
            else None
        )
        gen = stream_generate(
            self._model, self._tok, tokens, max_tokens=max_tokens, sampler=sampler, logits_processors=processors
        )
        try:
            for resp in gen:
                # stream_generate's last response repeats no token when it stopped on EOS
                # ("stop"); with "length" it carries the last generated token.
                yield Step(resp.text, counts=resp.finish_reason != "stop", finish=resp.finish_reason)
        finally:
            gen.close()

    # -- adapters ------------------------------------------------------------
    @property
    def adapter(self) -> AdapterRef | None:
        return self._adapter

    def _linear_modules(self) -> dict[str, Any]:  # nn.Linear | nn.QuantizedLinear | LoRALinear (mlx imported lazily)
        import mlx.nn as nn
        from mlx_lm.tuner.lora import LoRALinear

        found = {
            name: mod
            for name, mod in self._model.named_modules()
            if isinstance(mod, (nn.Linear, nn.QuantizedLinear, LoRALinear))
        }
        # A wrapped layer's original sits at "<name>.linear"; it is not a layer of its own.
        inner = {f"{name}.linear" for name, mod in found.items() if isinstance(mod, LoRALinear)}
        return {name: mod for name, mod in found.items() if name not in inner}

    def _read_adapter(self, ref: AdapterRef):
        """Load (once) an adapter's weights as mx arrays: from ``mlx/``, else from its GGUF."""
        key = str(Path(ref.path).resolve())
        if key in self._adapters:
            return self._adapters[key]
        path = Path(ref.path)
        folder = adapter_folder(ref)
        if not path.exists():
            raise NotFoundError(f"Adapter {ref.name!r}: {path} does not exist.")
        if (folder / mlx_adapter.MLX_SUBDIR / mlx_adapter.MLX_CONFIG).is_file():
            lora = mlx_adapter.read_mlx_adapter(folder / mlx_adapter.MLX_SUBDIR)
        else:
            gguf_file = path if path.is_file() else folder / "adapter.gguf"
            if not gguf_file.is_file():
                raise NotFoundError(f"Adapter {ref.name!r}: {folder} holds neither an mlx/ folder nor adapter.gguf.")
            n_blocks = len(getattr(self._model, "layers", []))
            lora = mlx_adapter.gguf_to_mlx(gguf_file, list(self._linear_modules()), n_blocks)
        known = self._linear_modules()
        unknown = [m for m in lora.modules if m not in known]
        if unknown:
            raise DraftwheelError(
                f"Adapter {ref.name!r} adapts {len(unknown)} layer(s) this model does not have (e.g. {unknown[0]}).",
                "It was trained for another model.",
            )
        for module, (a, b) in lora.modules.items():
            lin = known[module]
            base = getattr(lin, "linear", lin)
            out_dims, in_dims = base.weight.shape
            if a.shape[0] != in_dims or b.shape[1] != out_dims:
                raise DraftwheelError(
                    f"Adapter {ref.name!r}: {module} expects a {b.shape[1]}x{a.shape[0]} weight, "
                    f"the model has {out_dims}x{in_dims}.",
                    "It was trained for another model.",
                )
        arrays = {m: (self._mx.array(a), self._mx.array(b)) for m, (a, b) in lora.modules.items()}
        self._adapters[key] = (arrays, lora.scale)
        return self._adapters[key]

    def use_adapter(self, adapter: AdapterRef | None) -> None:
        from mlx.utils import tree_unflatten
        from mlx_lm.tuner.lora import LoRALinear

        wanted, scale = ({}, 0.0) if adapter is None else self._read_adapter(adapter)
        if adapter is not None:
            scale *= adapter.scale
        current = self._linear_modules()
        swaps = []
        for name, mod in current.items():
            if isinstance(mod, LoRALinear) and name not in wanted:
                swaps.append((name, mod.linear))  # back to the untouched base layer
        for name, (a, b) in wanted.items():
            mod = current[name]
            if not isinstance(mod, LoRALinear):
                mod = LoRALinear.from_base(mod, r=a.shape[1], scale=scale)
                swaps.append((name, mod))
            mod.lora_a, mod.lora_b, mod.scale = a, b, scale
        if swaps:
            self._model.update_modules(tree_unflatten(swaps))
        self._adapter = adapter

    def close(self) -> None:
        self._adapters.clear()
        self._model = None  # type: ignore[assignment]  # closed: a later use fails loudly
