"""What the Settings dialog accepts, field by field (plain Python, no Qt).

Each check returns None for a valid value, else a sentence saying what is
allowed; the dialog shows it beside the field and saves nothing while any
field is invalid. The stored file is then changed only in the keys the user
changed (``config.settings.update_settings``).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from draftwheel.config import AppPaths
from draftwheel.models import Catalogue, ModelEntry
from draftwheel.train.dataset import MIN_EXAMPLES

TEMPERATURE_MAX = 2.0  # above this the bundled model's samples are noise, not revisions
THRESHOLD_MAX = 100_000
# settings.remote_protocol -> how the Settings dialog and the grounding wizard name it
PROTOCOL_NAMES = {"openai": "OpenAI-compatible", "anthropic": "Anthropic-compatible"}
PROTOCOL_DETAILS = {"openai": "chat/completions", "anthropic": "Messages API"}


def machine_cores() -> int:
    """CPUs this process may run on (a container or ``taskset`` can allow fewer than the machine has)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_threads(value: int, cores: int | None = None) -> str | None:
    cores = cores or machine_cores()
    if value < 0 or value > cores:
        return f"Allowed: 0 (automatic) to {cores}, the CPU cores of this computer."
    return None


def check_temperature(value: float) -> str | None:
    if not 0.0 <= value <= TEMPERATURE_MAX:
        return f"Allowed: 0 (always the same suggestion) to {TEMPERATURE_MAX:g} (most varied)."
    return None


def check_threshold(value: int) -> str | None:
    if not MIN_EXAMPLES <= value <= THRESHOLD_MAX:
        # Training needs MIN_EXAMPLES examples to learn from and to check itself on.
        return f"Allowed: {MIN_EXAMPLES} to {THRESHOLD_MAX:,} kept edits (training needs at least {MIN_EXAMPLES})."
    return None


def check_endpoint(value: str) -> str | None:
    """Empty (no remote endpoint), or an http(s) URL with a host: ``https://api.example.com/v1``."""
    value = value.strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        parts, port_ok = None, False
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or any(c.isspace() for c in value)
    ):
        return "Allowed: empty, or a web address such as https://api.example.com/v1"
    return None


def check_fields(
    n_threads: int, temperature: float, train_threshold: int, remote_endpoint: str, cores: int | None = None
) -> dict[str, str]:
    """{setting name: what is allowed} for every invalid field; empty when all may be saved."""
    checks = {
        "n_threads": check_threads(n_threads, cores),
        "temperature": check_temperature(temperature),
        "train_threshold": check_threshold(train_threshold),
        "remote_endpoint": check_endpoint(remote_endpoint),
    }
    return {k: v for k, v in checks.items() if v}


def changed_keys(old: dict, new: dict) -> dict:
    """Only the keys whose value the user changed: what is written back."""
    return {k: v for k, v in new.items() if old.get(k) != v}


def needs_engine_reload(old, new) -> bool:
    """Whether saved settings ``new`` need the model loaded again (else the engine takes them as they are)."""
    return (old.model, old.n_threads, old.n_ctx, old.backend) != (new.model, new.n_threads, new.n_ctx, new.backend)


def model_entries(paths: AppPaths) -> list[ModelEntry]:
    """The models the user can choose from (the catalogue: bundled, added, downloaded)."""
    return Catalogue(paths).list()


def add_model(paths: AppPaths, path: str) -> ModelEntry:
    """Add a GGUF file to the catalogue (checks its header; raises a DraftwheelError with the reason)."""
    return Catalogue(paths).add(path)
