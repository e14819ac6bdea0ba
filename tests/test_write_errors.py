"""One mapping from a failed write to the user's message (errors.write_error), whatever wrote."""

import errno

import pytest

from draftwheel.errors import DraftwheelError, write_error

HINT = "Free some disk space and try again."


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        OSError(errno.EFBIG, "File too large"),
        RuntimeError(
            "Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "
            '"No space left on device" }) (os error 28)'
        ),  # what safetensors raises
    ],
)
def test_every_kind_of_full_disk_gives_the_same_message(tmp_path, exc):
    err = write_error(exc, tmp_path, f"write the adapter to {tmp_path}", HINT)
    assert isinstance(err, DraftwheelError)
    assert err.message == f"The disk is full: could not write the adapter to {tmp_path}." and err.hint == HINT


def test_other_write_failures_name_their_cause(tmp_path):
    err = write_error(PermissionError(errno.EACCES, "Permission denied"), tmp_path, "write the checkpoint", HINT)
    assert err.message == "Could not write the checkpoint: Permission denied." and err.hint is None


def test_what_is_not_a_write_failure_is_left_to_the_caller(tmp_path):
    assert write_error(DraftwheelError("already explained"), tmp_path, "write x", HINT) is None
    assert write_error(KeyboardInterrupt(), tmp_path, "write x", HINT) is None
    assert write_error(ValueError("a bug"), tmp_path, "write x", HINT) is None  # plenty of free space here
