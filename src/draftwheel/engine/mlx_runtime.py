"""Moved to :mod:`draftwheel.models.mlx_runtime` (the trainer needs it too); kept for old importers."""

from draftwheel.models.mlx_runtime import ENV_SWITCH, import_mx, prefer_system_blas  # noqa: F401
