"""Importing MLX, with a faster BLAS on Linux.

The Linux ``mlx-cpu`` wheels bundle the reference (netlib) BLAS, whose
matrix products are 5-20x slower than OpenBLAS: a 66x640 by 640x2048 product
took 0.24 s against 0.01-0.03 s with OpenBLAS on this project's 2-core test
machine. If the system has OpenBLAS (Debian: ``libopenblas0-pthread``), we
load it with ``RTLD_GLOBAL`` *before* mlx is first imported; the dynamic linker
then resolves mlx's ``cblas_*`` calls to it (global scope is searched before
the bundled library). macOS uses Accelerate and is left alone.

Set ``DRAFTWHEEL_MLX_SYSTEM_BLAS=0`` to keep the bundled BLAS.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

ENV_SWITCH = "DRAFTWHEEL_MLX_SYSTEM_BLAS"
_loaded: str | None = None


def prefer_system_blas() -> str | None:
    """Load the system OpenBLAS globally if that can still help; returns its name or None."""
    global _loaded
    if _loaded is not None or not sys.platform.startswith("linux"):
        return _loaded
    if os.environ.get(ENV_SWITCH, "1") == "0" or "mlx.core" in sys.modules:
        return None  # too late once mlx is loaded: its symbols are already bound
    name = ctypes.util.find_library("openblas")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
        lib.cblas_sgemm  # noqa: B018 - the symbol mlx needs must be there
    except (OSError, AttributeError):
        return None
    _loaded = name
    return name


def import_mx():
    """``mlx.core``, imported after :func:`prefer_system_blas`."""
    prefer_system_blas()
    import mlx.core as mx

    return mx
