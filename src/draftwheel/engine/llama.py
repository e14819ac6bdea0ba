"""The llama.cpp backend (llama-cpp-python), for every platform.

Prefix reuse: ``Llama.generate`` keeps the evaluated tokens of the last
request and only evaluates the part of a new prompt after the longest common
prefix, so few-shot prompts that share their examples start fast. The SWA
cache is kept full-size (``swa_full``) because Gemma 3's sliding-window layers
otherwise drop the positions a shorter shared prefix needs.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import os
import time
from collections.abc import Iterator

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
from draftwheel.errors import DraftwheelError, ModelFileError
from draftwheel.models.catalogue import ModelEntry
from draftwheel.models.gguf_info import read_gguf

# llama.cpp adapter handles kept loaded (the applied one included): switching back to one of
# these is instant; older ones are freed, so retraining again and again does not grow memory.
MAX_LOADED_ADAPTERS = 4


def _usable_cpus() -> set[int] | None:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def physical_cores(cpuinfo: str = "/proc/cpuinfo") -> int:
    """Physical cores this process may run on: the distinct (package, core) pairs of its usable
    CPUs. Hyper-threads share a core's arithmetic units, so llama.cpp gains nothing from the
    second thread of a core. Falls back to the logical count where the topology is unknown
    (no /proc/cpuinfo, as on Windows and macOS)."""
    usable = _usable_cpus()
    logical = len(usable) if usable is not None else (os.cpu_count() or 1)
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return max(1, logical)
    cores: set[tuple[str, str]] = set()
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields[key.strip()] = value.strip()
        if "processor" not in fields or "core id" not in fields:
            continue
        try:
            cpu = int(fields["processor"])
        except ValueError:
            continue
        if usable is None or cpu in usable:
            cores.add((fields.get("physical id", "0"), fields["core id"]))
    return max(1, len(cores) if cores else logical)


def default_threads() -> int:
    """What ``n_threads = 0`` means: one thread per physical core (see :func:`physical_cores`)."""
    return physical_cores()


def _adapter_key(path: str) -> str:
    """Identity of an adapter file: a file replaced under the same name is a new adapter."""
    try:
        st = os.stat(path)
    except OSError:
        return path  # missing: read_gguf says what is wrong with it
    return f"{path}|{st.st_ino}|{st.st_mtime_ns}|{st.st_size}"


@contextlib.contextmanager
def _quiet_stderr():
    """llama.cpp prints loader chatter to fd 2; keep the terminal clean."""
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)
        os.close(devnull)


class LlamaEngine(Engine):
    backend = "llama"

    def __init__(
        self,
        model: ModelEntry,
        n_ctx: int = 4096,
        n_threads: int = 0,
        seed: int = 0,
        n_batch: int = 512,
        verbose: bool = False,
    ):
        import llama_cpp

        self._lib = llama_cpp
        read_gguf(model.path)  # a clear message for a bad file before llama.cpp tries it
        self._model = model
        self._n_threads = n_threads or default_threads()
        self._adapter: AdapterRef | None = None
        self._loaded_adapters: dict[str, object] = {}  # "path|inode|mtime|size" -> llama_adapter_lora_p
        quiet = contextlib.nullcontext() if verbose else _quiet_stderr()
        try:
            with quiet:
                self._llm = llama_cpp.Llama(
                    model_path=model.path,
                    n_ctx=n_ctx,
                    n_threads=self._n_threads,
                    n_threads_batch=self._n_threads,
                    n_batch=n_batch,
                    seed=seed,
                    swa_full=True,
                    verbose=verbose,
                )
        except (ValueError, RuntimeError) as exc:
            raise ModelFileError(
                f"{model.path}: llama.cpp could not load this model ({exc}).",
                "The file may be damaged or made for a newer llama.cpp; try another model.",
            ) from None
        self._n_ctx = self._llm.n_ctx()
        self._eos_text = self._token_text(self._llm.token_eos())
        self._bos_text = self._token_text(self._llm.token_bos())

    # -- info ----------------------------------------------------------------
    @property
    def info(self) -> EngineInfo:
        return EngineInfo(
            self.backend, self._model, self._n_ctx, self._n_threads, self._adapter.name if self._adapter else None
        )

    @property
    def llama(self):
        """The underlying ``llama_cpp.Llama`` (benchmarks compare against it)."""
        return self._llm

    def _token_text(self, tok: int) -> str:
        if tok is None or tok < 0:
            return ""
        return self._llm.detokenize([tok], special=True).decode("utf-8", "ignore")

    def tokenize(self, text: str, add_bos: bool = False) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

    def chat_template(self) -> str | None:
        return self._llm.metadata.get("tokenizer.chat_template")

    def special_tokens(self) -> dict[str, str]:
        return {"bos": self._bos_text, "eos": self._eos_text}

    # -- generation ----------------------------------------------------------
    def stream(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Iterator[Chunk]:
        llm = self._llm
        t0 = time.perf_counter()
        tokens = self.tokenize(request.prompt, add_bos=True)
        max_tokens = fit_prompt(tokens, self._n_ctx, request.max_tokens)
        cached = 0
        if llm.n_tokens:
            for a, b in zip(llm._input_ids[: llm.n_tokens], tokens, strict=False):  # a common prefix
                if a != b:
                    break
                cached += 1
        if request.seed is not None:
            llm.set_seed(request.seed)
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        yield from stream_steps(
            self._steps(tokens, request, decoder),
            request.stop,
            len(tokens),
            cached,
            max_tokens,
            cancel,
            t0,
            lambda: decoder.decode(b"", final=True),
        )

    def _steps(self, tokens: list[int], request: GenerationRequest, decoder) -> Iterator[Step]:
        llm = self._llm
        vocab = llm._model.vocab
        gen = llm.generate(
            tokens,
            top_k=request.top_k,
            top_p=request.top_p,
            min_p=0.0,
            temp=request.temperature,
            repeat_penalty=request.repeat_penalty,
            reset=True,
        )
        try:
            for tok in gen:
                if self._lib.llama_vocab_is_eog(vocab, tok):
                    yield Step("", counts=False, finish="stop")
                    return
                yield Step(decoder.decode(llm.detokenize([tok])))
        finally:
            gen.close()

    # -- adapters ------------------------------------------------------------
    @property
    def adapter(self) -> AdapterRef | None:
        return self._adapter

    def load_adapter(self, adapter: AdapterRef):
        """Load (once) and return the llama.cpp handle of an adapter file."""
        path = str(adapter.path)
        key = _adapter_key(path)
        if key not in self._loaded_adapters:
            from draftwheel.models.adapters import gguf_header

            if os.path.isfile(path):
                # The header alone says "model": no need to parse a model's whole vocabulary to refuse it.
                meta, _ = gguf_header(path)
                if meta.get("general.type", "model") != "adapter":
                    raise ModelFileError(f"{adapter.path}: this GGUF is a model, not a LoRA adapter.")
            info = read_gguf(adapter.path, what="adapter")
            if info.file_type != "adapter":
                raise ModelFileError(f"{adapter.path}: this GGUF is a model, not a LoRA adapter.")
            if info.architecture != self._model.architecture:
                raise DraftwheelError(
                    f"Adapter {adapter.name!r} was made for a {info.architecture} model, "
                    f"but the loaded model is {self._model.architecture} ({self._model.name}).",
                    "Switch to the model it was trained for, or train a new adapter.",
                )
            with _quiet_stderr():
                handle = self._lib.llama_adapter_lora_init(self._llm._model.model, path.encode("utf-8"))
            if not handle:
                raise ModelFileError(
                    f"{adapter.path}: llama.cpp refused this adapter (wrong tensor shapes or base model).",
                    "Use an adapter trained for this model.",
                )
            self._loaded_adapters[key] = handle
        else:
            self._loaded_adapters[key] = self._loaded_adapters.pop(key)  # most recently used last
        return self._loaded_adapters[key]

    @property
    def loaded_adapters(self) -> int:
        """How many llama.cpp adapter handles are loaded now."""
        return len(self._loaded_adapters)

    def _free_unused_adapters(self, keep: str | None) -> None:
        """Free the handles of files that were replaced or deleted, then the least recently used
        beyond MAX_LOADED_ADAPTERS; ``keep`` (the applied one) is never freed."""
        current: dict[str, str] = {}
        for key in list(self._loaded_adapters):
            path = key.split("|", 1)[0]
            if path not in current:
                current[path] = _adapter_key(path)
        stale = [k for k in self._loaded_adapters if k != keep and current[k.split("|", 1)[0]] != k]
        extra = len(self._loaded_adapters) - len(stale) - MAX_LOADED_ADAPTERS
        for key in self._loaded_adapters:
            if extra <= 0:
                break
            if key != keep and key not in stale:
                stale.append(key)
                extra -= 1
        for key in stale:
            self._lib.llama_adapter_lora_free(self._loaded_adapters.pop(key))

    def use_adapter(self, adapter: AdapterRef | None) -> None:
        ctx = self._llm._ctx.ctx
        applied: str | None = None
        if adapter is None:
            rc = self._lib.llama_set_adapters_lora(ctx, None, 0, None)
        else:
            handle = self.load_adapter(adapter)
            applied = _adapter_key(str(adapter.path))
            arr = (self._lib.llama_adapter_lora_p_ctypes * 1)(handle)
            scales = (ctypes.c_float * 1)(adapter.scale)
            rc = self._lib.llama_set_adapters_lora(ctx, arr, 1, scales)
        if rc != 0:
            raise DraftwheelError(f"llama.cpp could not apply the adapter (code {rc}).")
        self._adapter = adapter
        # Only now: the context no longer refers to a handle that is about to be freed.
        self._free_unused_adapters(keep=applied)
        # llama.cpp keeps the KV cache when adapters change; cached tokens were
        # computed with the old weights, so drop them.
        self._llm.reset()
        mem = self._lib.llama_get_memory(ctx)
        if mem is not None:
            self._lib.llama_memory_clear(mem, True)

    def close(self) -> None:
        llm = getattr(self, "_llm", None)
        if llm is not None:
            try:
                self._lib.llama_set_adapters_lora(llm._ctx.ctx, None, 0, None)
            except Exception:
                pass
            for handle in self._loaded_adapters.values():
                self._lib.llama_adapter_lora_free(handle)
            self._loaded_adapters.clear()
            llm.close()
            self._llm = None  # type: ignore[assignment]  # closed: a later use fails loudly
