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
    """Forget the key; a no-op when none is stored, or when no keyring exists (nothing could be)."""
    try:
        keyring.delete_password(SERVICE, endpoint)
    except keyring.errors.KeyringError:  # PasswordDeleteError, or NoKeyringError without a backend
        pass


# A hub token is stored like an API key, under a name no remote endpoint URL can take.
def _hub_key(endpoint: str) -> str:
    return f"hub-token:{endpoint.rstrip('/')}"


def set_hub_token(endpoint: str, token: str) -> None:
    set_api_key(_hub_key(endpoint), token)


def get_hub_token(endpoint: str) -> str | None:
    return get_api_key(_hub_key(endpoint))


def delete_hub_token(endpoint: str) -> None:
    delete_api_key(_hub_key(endpoint))
