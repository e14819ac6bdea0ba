"""Typed settings, stored as ``settings.json`` in the data folder.

Unknown keys are kept out (with a warning). A damaged file (not JSON, or a
value of the wrong kind) is renamed ``settings.json.damaged-<UTC time>``, the
readable keys stay in force, the rest fall back to their defaults, and the user
is told once; no reader fails on it afterwards.

Every change goes through :func:`update_settings`: under a lock shared by all
processes it re-reads the file and changes only the keys given, so the app, the
CLI and the adapter registry never undo each other's settings.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from draftwheel.config.atomic import atomic_write_text, sweep_stale_temps
from draftwheel.config.oslock import lock_wait, unlock
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
    remote_endpoint: str = _opt("", "Optional remote endpoint for grounded generation (see remote_protocol).")
    remote_protocol: str = _opt(
        "openai", "What the remote endpoint speaks: openai (chat/completions) or anthropic (Messages API)."
    )
    remote_model: str = _opt("", "Model name at the remote endpoint.")
    live_check: bool = _opt(True, "Underline spelling and grammar problems as you type (rule-based, Harper).")
    welcome_dismissed: bool = _opt(False, "The first-run panel about the presets was closed.")
    keep_in_tray: bool = _opt(
        False, "Keep running in the system tray with the model loaded; closing the window hides it."
    )
    start_with_session: bool = _opt(False, "Start Draftwheel (in the tray) when you log in.")
    global_hotkey: str = _opt(
        "Ctrl+Alt+R", "Shortcut that revises the selected text of any application (X11); empty turns it off."
    )
    hub_endpoint: str = _opt(
        "", "Hugging Face Hub (or mirror) URL for model downloads; empty uses HF_ENDPOINT, else huggingface.co."
    )

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def updated(self, **changes: Any) -> Settings:
        clean = _validate(changes, source="settings")
        return dataclasses.replace(self, **clean)


_CHOICES = {
    "backend": {"auto", "llama", "mlx"},
    "prompt_style": {"auto", "completion", "chat"},
    "remote_protocol": {"openai", "anthropic"},  # draftwheel.ground.llm.PROTOCOLS
}


def _validate(raw: dict[str, Any], source: str) -> dict[str, Any]:
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            log.warning("%s: ignoring unknown setting %r", source, key)
            continue
        want: type[Any] = type(fields[key].default)  # the field's type, read off its default
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise DraftwheelError(
                f"{source}: setting {key!r} must be {want.__name__}, got {value!r}.",
                "Fix or delete that line in settings.json.",
            )
        if key in _CHOICES and value not in _CHOICES[key]:
            raise DraftwheelError(f"{source}: setting {key!r} must be one of {sorted(_CHOICES[key])}, got {value!r}.")
        if want is float and not math.isfinite(value):
            raise DraftwheelError(f"{source}: setting {key!r} must be a finite number, got {value!r}.")
        if want in (int, float) and value < 0:
            raise DraftwheelError(f"{source}: setting {key!r} must not be negative, got {value!r}.")
        out[key] = value
    return out


DAMAGED_SUFFIX = ".damaged-"
LOCK_WAIT_S = 10.0  # a writer holds the lock for one read + one atomic write (milliseconds)

_notices: list[str] = []
_notices_guard = threading.Lock()


def take_settings_notices() -> list[str]:
    """Messages about damaged settings files set aside by this process since the last call.

    Each damaged file is set aside once (it is renamed), so each message is
    handed out once: the app shows it, the CLI prints it.
    """
    with _notices_guard:
        out = list(_notices)
        _notices.clear()
    return out


def _parse(text_bytes: bytes, source: str) -> tuple[dict[str, Any], str | None]:
    """(valid keys, None) or (the keys that could be kept, why the file is damaged)."""
    try:
        raw = json.loads(text_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, f"it is not valid JSON ({exc})"
    if not isinstance(raw, dict):
        return {}, "it does not hold a JSON object"
    kept: dict[str, Any] = {}
    bad: list[str] = []
    for key, value in raw.items():
        try:
            kept.update(_validate({key: value}, source=source))
        except DraftwheelError:
            bad.append(key)
    if bad:
        return kept, "these settings have values of the wrong kind: " + ", ".join(sorted(bad))
    return kept, None


def _read_locked(file: Path) -> dict[str, Any]:
    """The valid keys of ``file``; a damaged file is set aside. Call with the settings lock held."""
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        return {}
    kept, damage = _parse(data, str(file))
    if damage is None:
        return kept
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = file.with_name(f"{file.name}{DAMAGED_SUFFIX}{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = file.with_name(f"{file.name}{DAMAGED_SUFFIX}{stamp}-{n}")
    os.replace(file, aside)
    if kept:
        # The keys that were readable stay in force (a paused log must not resume because
        # another line was mistyped); the damaged lines are only in the copy set aside.
        atomic_write_text(file, json.dumps(Settings(**kept).to_dict(), indent=2) + "\n")
    message = (
        f"The settings file {file} was damaged ({damage}). It was kept as {aside.name} and "
        + (
            "the other settings were kept; the damaged ones are back to their defaults."
            if kept
            else "Draftwheel started from the default settings."
        )
        + " Check the privacy settings (logging pause, redaction)."
    )
    log.warning("%s", message)
    with _notices_guard:
        _notices.append(message)
    return kept


class _SettingsLock:
    """Exclusive inter-process lock on ``<data folder>/settings.lock`` (settings.json itself is
    replaced by rename on every write, so it cannot carry the lock)."""

    def __init__(self, paths: AppPaths):
        self.path = paths.home / "settings.lock"
        self.fd: int | None = None

    def __enter__(self) -> _SettingsLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if not lock_wait(self.fd, LOCK_WAIT_S):
            os.close(self.fd)
            self.fd = None
            raise DraftwheelError(
                f"The settings are being changed by another Draftwheel process ({self.path} "
                f"stayed locked for {LOCK_WAIT_S:.0f} s).",
                "Try again in a moment.",
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            try:
                unlock(self.fd)
            finally:
                os.close(self.fd)
                self.fd = None


def load_settings(paths: AppPaths | None = None) -> Settings:
    """The current settings. A damaged file is set aside (see :func:`take_settings_notices`)
    and never makes a reader fail: the app, the CLI and every log read the same result."""
    paths = paths or app_paths()
    file: Path = paths.settings_file
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        return Settings()
    kept, damage = _parse(data, str(file))
    if damage is None:
        return Settings(**kept)
    # Only under the lock: a writer may have replaced the file since it was read,
    # and its good file must not be the one set aside.
    with _SettingsLock(paths):
        return Settings(**_read_locked(file))


def update_settings(
    paths: AppPaths | None = None, *, only_if: dict[str, Any] | None = None, **changes: Any
) -> Settings:
    """Change only ``changes`` in the current settings file and return the result.

    Under the inter-process settings lock: the file is re-read, the changed keys
    (validated first, so a bad value changes nothing) are applied and the file
    is written atomically. Two processes changing different keys therefore both
    keep their change, and no writer puts back a value it read earlier.
    ``only_if`` ({key: value}) makes the change conditional on the current file
    (e.g. follow an adapter rename only if that adapter is the one in use).
    """
    paths = paths or app_paths()
    clean = _validate(changes, source="settings")
    with _SettingsLock(paths):
        # A writer killed between its temp write and the rename left a copy behind; drop it.
        sweep_stale_temps(paths.home)
        current = Settings(**_read_locked(paths.settings_file))
        if only_if and any(getattr(current, k) != v for k, v in only_if.items()):
            return current
        settings = dataclasses.replace(current, **clean)
        if settings != current or not paths.settings_file.exists():
            atomic_write_text(paths.settings_file, json.dumps(settings.to_dict(), indent=2) + "\n")
    return settings


def save_settings(settings: Settings, paths: AppPaths | None = None) -> None:
    """Write every key of ``settings``. Only for a fresh data folder or tests: a running
    program changes settings with :func:`update_settings`, which keeps other writers' keys."""
    paths = paths or app_paths()
    with _SettingsLock(paths):
        atomic_write_text(paths.settings_file, json.dumps(settings.to_dict(), indent=2) + "\n")
