"""The error hierarchy.

The library raises only :class:`ConvcliError` subclasses for problems a user can fix; the
CLI turns them into one line on stderr and the exit code in ``exit_code``.
"""

from __future__ import annotations


class ConvcliError(Exception):
    """Base class of every error convcli reports to a user.

    Parameters
    ----------
    message : str
        What went wrong, one line, no trailing period.
    path : str, optional
        The file the error is about; shown as ``(path)`` after the message.
    """

    exit_code = 1

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.message} ({self.path})" if self.path else self.message

    def with_path(self, path: str) -> ConvcliError:
        """Return the same error naming ``path`` (unless it already names one)."""
        if self.path is None:
            self.path = str(path)
        return self


class UsageError(ConvcliError, ValueError):
    """A bad option, argument or value: exit code 2, raised before any file is opened."""

    exit_code = 2


class KernelSpecError(UsageError):
    """A kernel SPEC string (or kernel file) that cannot be understood."""


class InputError(ConvcliError):
    """A file that cannot be read or decoded: exit code 1."""


class DataError(ConvcliError, ValueError):
    """Data that cannot be processed (NaN/Inf, empty arrays, too many pixels): exit code 1."""


class OutputError(ConvcliError):
    """A result that cannot be written (exists, unwritable, same as the input): exit code 1."""
