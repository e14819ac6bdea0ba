"""User-facing errors.

Every failure a user can cause (a bad file, an unknown name, an empty input)
is raised as a :class:`DraftwheelError` whose message says what was wrong and
what to do. The CLI prints it as one line and exits non-zero; the app shows it
in a dialog. Anything else escaping is a bug.
"""


class DraftwheelError(Exception):
    """An error with a message meant for the user (one line, no traceback)."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class ModelFileError(DraftwheelError):
    """A model file is missing, truncated or not a GGUF."""


class InputError(DraftwheelError):
    """The text handed to the app cannot be revised as it is."""


class NotFoundError(DraftwheelError):
    """A named task, model, adapter or record does not exist."""


class Cancelled(Exception):
    """Raised inside long work when the user cancelled it."""
