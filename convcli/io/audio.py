"""Audio files in and out through libsndfile (the ``soundfile`` package).

Reading: WAV (8/16/24/32-bit PCM, 32/64-bit float, any channel count), FLAC, OGG and whatever
else libsndfile reads; samples come back as float32 in -1..1, ``(N,)`` for mono and ``(N, C)``
channels last otherwise. Files with no samples, a sample rate of 0, truncated data or no audio at
all are :class:`~convcli.errors.InputError` (exit 1), naming the file. Writing is atomic.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass

import numpy as np

from convcli.errors import DataError, InputError, OutputError, UsageError
from convcli.io.atomic import STDIO, atomic_open
from convcli.io.source import input_source

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".au", ".w64", ".caf")
_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".oga": "OGG", ".aif": "AIFF", ".aiff": "AIFF",
            ".au": "AU", ".w64": "W64", ".caf": "CAF"}
_PCM = {"PCM_U8": 8, "PCM_S8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}
# libsndfile fixes up a data chunk that is longer than the file, and logs "data : N (should be M)"
_SHORT_DATA = re.compile(r"^\s*(?:data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


@dataclass
class AudioData:
    """A decoded audio file.

    Attributes
    ----------
    samples : numpy.ndarray
        float32 ``(N,)`` (mono) or ``(N, C)``, nominally in -1..1.
    sample_rate : int
        Samples per second.
    subtype : str
        libsndfile's sample format (``PCM_16``, ``PCM_24``, ``FLOAT``, ``VORBIS``, ...).
    format : str
        Container (``WAV``, ``FLAC``, ``OGG``, ...).
    """

    samples: np.ndarray
    sample_rate: int
    subtype: str = "PCM_16"
    format: str = "WAV"

    @property
    def channels(self) -> int:
        return 1 if self.samples.ndim == 1 else self.samples.shape[1]


def read_audio(path: str) -> AudioData:
    """Read an audio file (``-`` = standard input).

    Raises
    ------
    InputError
        Missing, unreadable, non-audio, truncated or empty files, or a sample rate of 0.
    """
    import soundfile as sf

    src, name = _source(path)
    try:
        with sf.SoundFile(src) as fh:
            rate, frames, fmt, subtype = int(fh.samplerate), int(fh.frames), fh.format, fh.subtype
            log = fh.extra_info or ""
            if rate <= 0:
                raise InputError(f"the sample rate is {rate}", name)
            short = _SHORT_DATA.search(log)
            if short and int(short.group(1)) > int(short.group(2)):
                raise InputError(f"the audio data is truncated ({short.group(2)} of {short.group(1)} bytes)", name)
            samples = fh.read(dtype="float32", always_2d=True)
    except InputError:
        raise
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError) as exc:
        if _wav_sample_rate(src) == 0:  # libsndfile only says "SF_INFO struct incomplete"
            raise InputError("the sample rate is 0", name) from None
        text = re.sub(r"^Error opening .*?: ", "", str(exc))
        raise InputError(f"not an audio file libsndfile can read ({text.strip() or type(exc).__name__})",
                         name) from None
    if frames == 0 or samples.shape[0] == 0:
        raise InputError("the audio file has no samples", name)
    if frames > 0 and samples.shape[0] < frames:
        raise InputError(f"the audio data is truncated ({samples.shape[0]} of {frames} frames)", name)
    if not np.isfinite(samples).all():
        raise InputError("the audio has NaN or Inf samples", name)
    if samples.shape[1] == 1:
        samples = samples[:, 0]
    return AudioData(np.ascontiguousarray(samples), rate, subtype, fmt)


def _wav_sample_rate(src) -> int | None:
    """The sample rate field of a RIFF/WAVE header's ``fmt `` chunk, or None if there is none."""
    if isinstance(src, io.BytesIO):
        head = src.getvalue()[:65536]
    else:
        with open(src, "rb") as fh:
            head = fh.read(65536)
    if head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
        return None
    order = "little" if head[:4] == b"RIFF" else "big"
    pos = 12
    while pos + 8 <= len(head):
        size = int.from_bytes(head[pos + 4:pos + 8], order)
        if head[pos:pos + 4] == b"fmt " and pos + 16 <= len(head):
            return int.from_bytes(head[pos + 12:pos + 16], order)
        pos += 8 + size + (size & 1)
    return None


def load_audio(path: str) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 samples and its sample rate.

    Parameters
    ----------
    path : str
        WAV (8/16/24/32-bit PCM or float), FLAC, OGG, ... (anything libsndfile reads); ``-`` = stdin.

    Returns
    -------
    samples : numpy.ndarray
        float32 ``(N,)`` for mono, ``(N, C)`` channels last otherwise, in -1..1.
    sample_rate : int

    Raises
    ------
    InputError
        The file is missing, not audio, truncated, has no samples or a sample rate of 0.

    Examples
    --------
    >>> from convcli import load_audio
    >>> x, sr = load_audio("samples/speech.wav")
    >>> x.dtype, sr
    (dtype('float32'), 22050)
    """
    data = read_audio(path)
    return data.samples, data.sample_rate


def _source(path: str):
    src, name = input_source(path, "an audio file")
    if name != STDIO and os.path.getsize(path) == 0:
        raise InputError("the file is empty", path)
    return src, name


def audio_format(path: str, fmt: str | None = None) -> str:
    """libsndfile's container name for ``path`` (``-`` or an unknown extension: ``fmt`` or WAV)."""
    if fmt:
        key = "." + fmt.lower().lstrip(".")
        if key not in _FORMATS:
            raise UsageError(f"unknown audio format {fmt!r}; choose one of "
                             f"{', '.join(sorted({k.lstrip('.') for k in _FORMATS}))}")
        return _FORMATS[key]
    if path == STDIO:
        return "WAV"
    ext = os.path.splitext(path)[1].lower()
    if ext not in _FORMATS:
        raise UsageError(f"cannot tell the audio format from {path!r}; use one of {', '.join(AUDIO_EXTENSIONS)}")
    return _FORMATS[ext]


def save_audio(path: str, x, sample_rate: int, *, subtype: str | None = None, fmt: str | None = None) -> None:
    """Write samples to an audio file atomically (complete or absent).

    Parameters
    ----------
    path : str
        Target; the container comes from the extension (``.wav``, ``.flac``, ``.ogg``, ...);
        ``-`` writes WAV to standard output.
    x : array_like
        ``(N,)`` or ``(N, C)`` samples in -1..1 (float) or integers (scaled by their dtype's range).
    sample_rate : int
        Samples per second (positive).
    subtype : str, optional
        libsndfile sample format: ``PCM_U8``, ``PCM_16`` (default for WAV), ``PCM_24``, ``PCM_32``,
        ``FLOAT``, ``DOUBLE``, ``VORBIS``, ... PCM outputs are clipped to -1..1, never wrapped.
    fmt : str, optional
        Container name overriding the extension (``wav``, ``flac``, ``ogg``).

    Raises
    ------
    UsageError
        Bad sample rate, subtype or format.
    DataError
        Empty, non-finite or more than 2-D samples.
    OutputError
        The file cannot be written.
    """
    import soundfile as sf

    container = audio_format(path, fmt)
    if isinstance(sample_rate, bool) or int(sample_rate) != sample_rate or int(sample_rate) <= 0:
        raise UsageError(f"the sample rate must be a positive whole number; got {sample_rate!r}")
    arr = np.asarray(x)
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise DataError(f"audio samples must be a non-empty (N,) or (N, C) array; got shape {arr.shape}")
    if arr.dtype.kind in "iu":
        info = np.iinfo(arr.dtype)
        arr = (arr.astype(np.float64) - (info.max + info.min + 1) / 2) / ((info.max - info.min + 1) / 2)
    elif arr.dtype.kind != "f":
        raise DataError(f"audio samples must be numbers; got dtype {arr.dtype}")
    if not np.isfinite(arr).all():
        raise DataError("audio samples have NaN or Inf values")
    if subtype is None:
        subtype = sf.default_subtype(container)
    subtype = subtype.upper()
    if not sf.check_format(container, subtype):
        raise UsageError(f"{container} cannot hold {subtype} samples; choose one of "
                         f"{', '.join(sf.available_subtypes(container))}")
    if subtype in _PCM:
        data = _quantise(arr, _PCM[subtype])
    else:
        if subtype in ("ULAW", "ALAW"):
            arr = np.clip(arr, -1.0, 1.0)
        data = np.ascontiguousarray(arr, dtype=np.float64 if subtype == "DOUBLE" else np.float32)
    buf = io.BytesIO()
    try:
        sf.write(buf, data, int(sample_rate), subtype=subtype, format=container)
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError) as exc:
        raise OutputError(f"cannot encode audio: {exc}", path) from None
    with atomic_open(path) as fh:
        fh.write(buf.getvalue())


def _quantise(x: np.ndarray, bits: int) -> np.ndarray:
    """Round to ``bits``-bit PCM (full scale ``2**(bits-1)``, as libsndfile reads it back), clipped,
    never wrapped, left-aligned in int16/int32 (libsndfile keeps the top bits). Rounding here,
    not in libsndfile (which truncates), makes a read-write round trip exact."""
    half = 2.0 ** (bits - 1)
    q = np.clip(np.rint(np.asarray(x, dtype=np.float64) * half), -half, half - 1)
    if bits <= 16:
        return np.ascontiguousarray(q * 2.0 ** (16 - bits), dtype=np.int16)
    return np.ascontiguousarray(q * 2.0 ** (32 - bits), dtype=np.int32)
