"""Inference behind one interface, prompts, and document revision."""

from draftwheel.engine.base import AdapterRef, CancelToken, Chunk, Engine, Generation, GenerationRequest

__all__ = ["AdapterRef", "CancelToken", "Chunk", "Engine", "Generation", "GenerationRequest", "load_engine"]


def load_engine(model, settings, backend: str | None = None, paths=None, progress=None) -> Engine:
    """Load ``model`` (a catalogue entry) with ``backend``, else the one chosen in ``settings``.

    ``auto`` means MLX on Apple silicon when mlx-lm is installed, llama.cpp
    otherwise (:mod:`draftwheel.engine.select`). MLX runs the model's
    safetensors copy, converted once into ``paths.weights_cache``
    (``progress(message)`` hears about that conversion).
    """
    from draftwheel.engine.select import choose_backend

    chosen = choose_backend(backend or settings.backend)
    if chosen == "mlx":
        from draftwheel.engine.mlx import MlxEngine

        return MlxEngine(
            model,
            paths=paths,
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            seed=settings.seed,
            progress=progress,
        )
    from draftwheel.engine.llama import LlamaEngine

    return LlamaEngine(model, n_ctx=settings.n_ctx, n_threads=settings.n_threads, seed=settings.seed)
