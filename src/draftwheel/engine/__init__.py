"""Inference behind one interface, prompts, and document revision."""

from draftwheel.engine.base import AdapterRef, CancelToken, Chunk, Engine, Generation, GenerationRequest

__all__ = ["AdapterRef", "CancelToken", "Chunk", "Engine", "Generation", "GenerationRequest", "load_engine"]


def load_engine(model, settings, backend: str | None = None) -> Engine:
    """Load ``model`` (a catalogue entry) with the backend chosen in ``settings``."""
    backend = backend or settings.backend
    if backend in ("auto", "llama"):
        from draftwheel.engine.llama import LlamaEngine

        return LlamaEngine(model, n_ctx=settings.n_ctx, n_threads=settings.n_threads, seed=settings.seed)
    from draftwheel.errors import DraftwheelError

    raise DraftwheelError(f"Backend {backend!r} is not available in this install.")
