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
            sys.stdout.buffer.write(buf.getvalue())
            sys.stdout.buffer.flush()
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
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".part", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror or exc}", path) from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs get the usual mode
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise OutputError(f"cannot write: {exc.strerror or exc}", path) from None
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
