"""User-facing errors.

Every failure a user can cause (a bad file, an unknown name, an empty input)
is raised as a :class:`DraftwheelError` whose message says what was wrong and
what to do. The CLI prints it as one line and exits non-zero; the app shows it
in a dialog. Anything else escaping is a bug.
"""

import errno
import shutil
from typing import overload


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


LOW_SPACE_BYTES = 64 * 2**20  # under this much free space a failed write is taken for a full disk


def write_failure(exc: BaseException, where) -> OSError | None:
    """The OS error behind a failed write into folder ``where``, or None if ``exc`` is not one.

    ``exc`` itself when it is an ``OSError``. Libraries that write in native
    code report the same failure as text: safetensors raises
    ``SafetensorError("... No space left on device (os error 28)")``, and
    ``torch.save`` a ``RuntimeError`` ("file write failed", "unexpected pos
    ...") with no errno; for those, a nearly full disk under ``where`` says
    ENOSPC.
    """
    if isinstance(exc, OSError):
        return exc
    if not isinstance(exc, Exception) or isinstance(exc, DraftwheelError):
        return None  # an interrupt, or a failure already explained
    text = str(exc)
    if "No space left on device" in text or "os error 28" in text:
        return OSError(errno.ENOSPC, "No space left on device")
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return None
    return OSError(errno.ENOSPC, "No space left on device") if free < LOW_SPACE_BYTES else None


# errno values that mean "no room": a full disk, a full quota, a file over the size limit.
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


@overload
def write_error(exc: OSError, where, what: str, full_hint: str) -> DraftwheelError: ...
@overload
def write_error(exc: BaseException, where, what: str, full_hint: str) -> DraftwheelError | None: ...
def write_error(exc: BaseException, where, what: str, full_hint: str) -> DraftwheelError | None:
    """The user's message for a failed attempt to ``what`` (e.g. "write the adapter to /x") in folder ``where``.

    None when ``exc`` is not a write failure (see :func:`write_failure`): the
    caller re-raises it. A full disk says so and gives ``full_hint`` (what to
    do, and what was or was not changed); any other OS error names its cause.
    """
    failure = write_failure(exc, where)
    if failure is None:
        return None
    if failure.errno in DISK_FULL_ERRNOS:
        return DraftwheelError(f"The disk is full: could not {what}.", full_hint)
    return DraftwheelError(f"Could not {what}: {failure.strerror or failure}.")
