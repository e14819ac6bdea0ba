"""Typed settings, stored as ``settings.json`` in the data folder.

Unknown keys are kept out (with a warning) and a value of the wrong type is a
clear error naming the key, so a hand-edited file never crashes the app.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from draftwheel.config.atomic import atomic_write_text
from draftwheel.config.paths import AppPaths, app_paths
from draftwheel.errors import DraftwheelError

log = logging.getLogger(__name__)


def _opt(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass
class Settings:
    model: str = _opt("gemma3-270m", "Catalogue name of the model used for revisions.")
    backend: str = _opt("auto", "Inference backend: auto, llama or mlx.")
    n_threads: int = _opt(0, "CPU threads for generation; 0 picks the number of physical cores.")
    n_ctx: int = _opt(4096, "Context window in tokens.")
    temperature: float = _opt(0.0, "Sampling temperature; 0 is greedy (deterministic).")
    seed: int = _opt(0, "Random seed for sampling.")
    max_new_tokens: int = _opt(512, "Upper bound on tokens generated per paragraph.")
    prompt_style: str = _opt("auto", "auto, completion (base models) or chat (instruction models).")
    fewshot_k: int = _opt(4, "Past edits shown to the model as examples in few-shot mode.")
    fewshot_token_budget: int = _opt(1200, "Token budget for few-shot examples.")
    logging_paused: bool = _opt(False, "When true, outcomes are not stored.")
    redact: bool = _opt(False, "Replace e-mail addresses, phone numbers and URLs before storing.")
    train_threshold: int = _opt(100, "New accepted edits of a task that start a training run.")
    auto_train: bool = _opt(True, "Train in the background when the threshold is reached.")
    adapter: str = _opt("", "Personal adapter in use; empty means the base model or the promoted one.")
    remote_endpoint: str = _opt("", "Optional OpenAI-compatible chat endpoint (grounded generation).")
    remote_model: str = _opt("", "Model name at the remote endpoint.")

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def updated(self, **changes: Any) -> "Settings":
        clean = _validate(changes, source="settings")
        return dataclasses.replace(self, **clean)


_CHOICES = {
    "backend": {"auto", "llama", "mlx"},
    "prompt_style": {"auto", "completion", "chat"},
}


def _validate(raw: dict[str, Any], source: str) -> dict[str, Any]:
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            log.warning("%s: ignoring unknown setting %r", source, key)
            continue
        want = type(fields[key].default)
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise DraftwheelError(
                f"{source}: setting {key!r} must be {want.__name__}, got {value!r}.",
                "Fix or delete that line in settings.json.",
            )
        if key in _CHOICES and value not in _CHOICES[key]:
            raise DraftwheelError(
                f"{source}: setting {key!r} must be one of {sorted(_CHOICES[key])}, got {value!r}."
            )
        if want is float and not math.isfinite(value):
            raise DraftwheelError(f"{source}: setting {key!r} must be a finite number, got {value!r}.")
        if want in (int, float) and value < 0:
            raise DraftwheelError(f"{source}: setting {key!r} must not be negative, got {value!r}.")
        out[key] = value
    return out


def load_settings(paths: AppPaths | None = None) -> Settings:
    paths = paths or app_paths()
    file: Path = paths.settings_file
    if not file.exists():
        return Settings()
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DraftwheelError(
            f"{file}: the settings file is not valid JSON ({exc}).",
            "Fix it, or delete it to go back to the defaults.",
        ) from None
    if not isinstance(raw, dict):
        raise DraftwheelError(f"{file}: the settings file must hold a JSON object.")
    return Settings(**_validate(raw, source=str(file)))


def save_settings(settings: Settings, paths: AppPaths | None = None) -> None:
    paths = paths or app_paths()
    atomic_write_text(paths.settings_file, json.dumps(settings.to_dict(), indent=2) + "\n")
