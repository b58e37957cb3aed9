"""Atomic output: write to a temporary file beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from convcli.errors import OutputError

STDIO = "-"
PARTIAL_SUFFIX = ".part"


def check_target(path: str, *, force: bool, inputs: tuple[str, ...] = ()) -> None:
    """Refuse to overwrite an existing file without ``force``, or to write over an input."""
    if path == STDIO:
        return
    for src in inputs:
        if src != STDIO and os.path.exists(src) and os.path.exists(path) and os.path.samefile(src, path):
            raise OutputError("the output is the input file; choose another output name", path)
    if os.path.isdir(path):
        raise OutputError("the output is a directory", path)
    if os.path.exists(path) and not force:
        raise OutputError("the output exists; use --force to overwrite it", path)


@contextlib.contextmanager
def atomic_open(path: str) -> Iterator[BinaryIO]:
    """Open ``path`` for binary writing so that it appears complete or not at all.

    ``-`` writes to standard output (bytes are buffered and written at the end).
    """
    if path == STDIO:
        import io

        buf = io.BytesIO()
        yield buf
        try:
            _write_stdout(buf.getbuffer())
        except BrokenPipeError:
            # the reader went away (`... -o - | head -c 10`): silence the final flush, end quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise OutputError("the output directory does not exist", path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_partial_prefix(path), suffix=PARTIAL_SUFFIX, dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror or exc}", path) from None
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; outputs get the usual mode
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise OutputError(f"cannot write: {exc.strerror or exc}", path) from None
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _write_stdout(data: memoryview) -> None:
    # os.write in a loop, not sys.stdout.buffer.write: on a pipe whose reader has gone, CPython's
    # buffered writer can return after a partial write without raising, silently dropping the rest
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a replaced stdout (e.g. a test runner's buffer)
        sys.stdout.buffer.write(bytes(data))
        sys.stdout.buffer.flush()
        return
    view = memoryview(data).cast("B")
    while view:
        view = view[os.write(fd, view):]


def _partial_prefix(path: str) -> str:
    return "." + os.path.basename(path) + "."


def remove_partials(path: str) -> list[str]:
    """Delete temporary files that an interrupted :func:`atomic_open` of ``path`` left beside it.

    Returns the paths removed. Used after Ctrl-C, when a write may have been cut short between
    creating its temporary file and the cleanup that normally removes it.
    """
    if path == STDIO:
        return []
    directory = os.path.dirname(os.path.abspath(path))
    prefix = _partial_prefix(path)
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if name.startswith(prefix) and name.endswith(PARTIAL_SUFFIX):
            full = os.path.join(directory, name)
            _unlink_quietly(full)
            removed.append(full)
    return removed


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
