"""API keys live in the OS keyring, never in settings, the database or logs."""

from __future__ import annotations

import keyring
import keyring.errors
from keyring.backends import fail

from draftwheel.errors import DraftwheelError

SERVICE = "draftwheel"


def secure_backend_available() -> bool:
    backend = keyring.get_keyring()
    return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 0) > 0


def set_api_key(endpoint: str, key: str) -> None:
    if not secure_backend_available():
        raise DraftwheelError(
            "No secure keyring is available on this system, so the API key was not stored.",
            "Install and unlock a Secret Service (e.g. GNOME Keyring or KWallet), then try again.",
        )
    keyring.set_password(SERVICE, endpoint, key)


def get_api_key(endpoint: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, endpoint)
    except keyring.errors.KeyringError:
        return None


def delete_api_key(endpoint: str) -> None:
    try:
        keyring.delete_password(SERVICE, endpoint)
    except keyring.errors.PasswordDeleteError:
        pass
