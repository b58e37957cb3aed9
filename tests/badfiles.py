"""Crafting good and bad input files for the reliability tests, and checking clean failures."""

from __future__ import annotations

import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def chunk(tag: bytes, data: bytes, crc: int | None = None) -> bytes:
    """One PNG chunk; ``crc`` overrides the correct CRC."""
    value = zlib.crc32(tag + data) & 0xFFFFFFFF if crc is None else crc
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", value)


def ihdr(width: int, height: int, depth: int = 8, color_type: int = 0, interlace: int = 0) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, interlace))


def png_bytes(arr: np.ndarray) -> bytes:
    """A valid 8-bit PNG of ``arr`` written by Pillow."""
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


def split_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """``(tag, payload)`` of every chunk of a valid PNG."""
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        out.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return out


def join_chunks(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return PNG_SIG + b"".join(chunk(tag, payload) for tag, payload in chunks)


def snapshot(*dirs) -> dict[str, bytes]:
    """Every file under ``dirs`` with its bytes (to prove inputs unchanged and nothing written)."""
    files = {}
    for d in dirs:
        for root, _, names in os.walk(d):
            for name in names:
                path = os.path.join(root, name)
                with open(path, "rb") as fh:
                    files[path] = fh.read()
    return files


def assert_one_line_error(stderr: str, *names: str) -> str:
    """stderr is exactly ``convcli: error: ...`` on one line, naming each of ``names``; no traceback."""
    text = stderr if isinstance(stderr, str) else stderr.decode()
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("convcli: error: "), text
    assert "Traceback" not in text
    for name in names:
        assert name in lines[0], (name, text)
    return lines[0]


def crashing_work(job) -> dict:
    """A batch work function whose worker process dies (SIGKILL, like the kernel's OOM killer) on
    inputs named ``*crash*``; module-level so that worker processes can unpickle it."""
    import signal
    import time

    time.sleep(0.05)
    if "crash" in job.src:
        os.kill(os.getpid(), signal.SIGKILL)
    return {"input": job.src}
