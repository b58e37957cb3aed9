"""Opening an input for reading: a path, or the bytes of standard input for ``-``."""

from __future__ import annotations

import io
import os
import sys

from convcli.errors import InputError
from convcli.io.atomic import STDIO


def input_source(path: str, what: str = "file") -> tuple[io.BytesIO | str, str]:
    """``(source, name)`` for a readable input: the path itself, or a buffer of stdin's bytes.

    Raises :class:`InputError` naming the problem (empty stdin, a folder, missing, unreadable);
    ``what`` says what was expected ("an image file", "an audio file").
    """
    if path == STDIO:
        data = sys.stdin.buffer.read()
        if not data:
            raise InputError("standard input is empty", STDIO)
        return io.BytesIO(data), STDIO
    if os.path.isdir(path):
        raise InputError(f"is a directory, not {what}", path)
    if not os.path.exists(path):
        raise InputError("no such file", path)
    if not os.access(path, os.R_OK):
        raise InputError("permission denied", path)
    return path, path
