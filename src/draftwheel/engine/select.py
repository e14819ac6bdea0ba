"""Which inference backend to use.

``auto`` picks MLX on Apple silicon when mlx-lm is installed (it is the
fastest way to run and train there) and llama.cpp everywhere else. ``llama``
and ``mlx`` force a backend; forcing ``mlx`` elsewhere (Linux has CPU wheels)
works but is slow, which is what the tests use.
"""

from __future__ import annotations

import importlib.util
import platform
import sys

from draftwheel.errors import DraftwheelError

BACKENDS = ("auto", "llama", "mlx")


def is_apple_silicon() -> bool:
    return sys.platform == "darwin" and platform.machine() == "arm64"


def mlx_available() -> bool:
    """True when mlx and mlx-lm can be imported (checked without importing them: that takes seconds)."""
    return all(importlib.util.find_spec(name) is not None for name in ("mlx", "mlx_lm"))


def choose_backend(requested: str | None = "auto") -> str:
    """Resolve ``auto``/``llama``/``mlx`` to the backend that will actually run."""
    requested = (requested or "auto").strip().lower()
    if requested not in BACKENDS:
        raise DraftwheelError(f"Unknown backend {requested!r}.", f"Use one of {', '.join(BACKENDS)}.")
    if requested == "auto":
        return "mlx" if is_apple_silicon() and mlx_available() else "llama"
    if requested == "mlx" and not mlx_available():
        raise DraftwheelError(
            "The MLX backend is not installed.",
            "Install it with: pip install 'draftwheel[mlx]' (Apple silicon), or use --backend llama.",
        )
    return requested
