"""1-D weighted moving averages of signals (``convcli smooth``), and the signal files it reads:
audio (libsndfile), CSV/TSV columns (a header row is kept) and ``.npy``.

The seed's smoother: ``s(t) = sum_a x(a) w(t - a)`` over past samples only (``w`` is 0 for
negative arguments), with weights normalised to sum 1; ``w[0]`` weighs the newest sample.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from convcli.arrays import as_float_array, resolve_dtype
from convcli.conventions import BOUNDARIES, check_choice
from convcli.errors import DataError, InputError, OutputError, UsageError
from convcli.io.atomic import STDIO, atomic_open, check_target

TABLE_EXTENSIONS = (".csv", ".tsv", ".txt")


def smooth(x, kernel, *, causal: bool = True, boundary: str = "nearest", normalize: bool = True,
           dtype=None) -> np.ndarray:
    """Weighted moving average of a signal, channel by channel.

    Parameters
    ----------
    x : array_like
        ``(N,)`` or ``(N, C)`` (channels or CSV columns last).
    kernel : array_like
        1-D weights ``w``; ``w[0]`` weighs the newest sample (``exp-decay`` and ``moving-average``
        are built in: see :func:`convcli.kernelspec.parse_kernel`).
    causal : bool
        ``True`` (default): ``s(t) = sum_j w[j] x(t - j)``, only the present and past samples, so a
        change at ``t0`` leaves ``s(t)`` for ``t < t0`` untouched. ``False``: the kernel is centred
        (``convolve``'s ``same`` padding), ``s(t) = sum_j w[j] x(t + (K-1)//2 - j)``.
    boundary : {'nearest', 'reflect', 'mirror', 'wrap', 'zero'}
        What lies before the first sample (and, centred, after the last); ``nearest`` (default)
        repeats the first sample, so a constant signal stays constant.
    normalize : bool
        Divide the weights by their sum (default), as a weighted average does.
    dtype : {None, numpy.float32, numpy.float64}
        Output precision (float32 by default).

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> from convcli.smoothing import smooth
    >>> smooth([0, 0, 3, 3, 3], [1, 1, 1])
    array([0., 0., 1., 2., 3.], dtype=float32)
    """
    from convcli.convolve import convolve

    check_choice("boundary", boundary, BOUNDARIES)
    dt = resolve_dtype(dtype)
    w = as_float_array(kernel, "kernel", np.float64)
    if w.ndim == 2 and 1 in w.shape:
        w = w.ravel()
    if w.ndim != 1:
        raise UsageError(f"smoothing needs a 1-D kernel; got shape {w.shape}")
    if normalize:
        total = float(w.sum())
        if abs(total) < 1e-12:
            raise UsageError("the kernel's weights sum to 0 and cannot be normalised to a weighted average")
        w = w / total
    xa = as_float_array(x, "signal", dt)
    if xa.ndim not in (1, 2):
        raise DataError(f"a signal is (N,) or (N, C); got shape {xa.shape}")
    n = xa.shape[0]
    if causal:
        # true convolution, 'full' padding: full[t] = sum_j w[j] x(t - j); its first n samples are causal
        return np.ascontiguousarray(convolve(xa, w, mode="conv", padding="full", boundary=boundary, dtype=dt)[:n])
    return convolve(xa, w, mode="conv", padding="same", boundary=boundary, dtype=dt)


# --- signal files -----------------------------------------------------------------------------


@dataclass
class Table:
    """Numeric columns of a text table; ``header`` is the header line as it was (or None)."""

    values: np.ndarray  # (N, C) float64
    header: str | None
    names: list[str]
    delimiter: str | None


def _split(line: str, delimiter: str | None) -> list[str]:
    return [t.strip() for t in (line.split(delimiter) if delimiter else line.split())]


def read_table(path: str) -> Table:
    """Read a CSV/TSV/whitespace table of numbers; a first row that is not numbers is the header."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            lines = [ln.rstrip("\r\n") for ln in fh]
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a table", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the table: {exc}", path) from None
    rows = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if not rows:
        raise InputError("the table has no rows", path)
    first = rows[0][1]
    delimiter = next((d for d in (",", "\t", ";") if d in first), None)
    header = None
    names: list[str] = []
    cells = _split(first, delimiter)
    try:
        [float(c) for c in cells]
    except ValueError:
        header, names = first, cells
        rows = rows[1:]
    if not rows:
        raise InputError("the table has a header but no rows of numbers", path)
    width = len(names) if names else len(_split(rows[0][1], delimiter))
    values = np.empty((len(rows), width))
    for r, (lineno, line) in enumerate(rows):
        cells = _split(line, delimiter)
        if len(cells) != width:
            raise InputError(f"line {lineno} has {len(cells)} columns, expected {width}", path)
        try:
            values[r] = [float(c) for c in cells]
        except ValueError:
            raise InputError(f"line {lineno} has a cell that is not a number: {line.strip()[:60]!r}", path) from None
    if not np.isfinite(values).all():
        raise InputError("the table has NaN or Inf values", path)
    if not names:
        names = [str(i) for i in range(width)]
    return Table(values, header, names, delimiter)


def write_table(path: str, values: np.ndarray, header: str | None, delimiter: str | None) -> None:
    """Write columns as text (``%.9g``), the header line first when given; atomic."""
    sep = delimiter or " "
    arr = values.reshape(-1, 1) if values.ndim == 1 else values
    lines = [] if header is None else [header]
    lines.extend(sep.join(f"{v:.9g}" for v in row) for row in arr.tolist())
    with atomic_open(path) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))


def _kind(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext in TABLE_EXTENSIONS:
        return "table"
    if ext == ".npy":
        return "npy"
    return "audio"


@dataclass(frozen=True)
class SmoothOptions:
    kernel: np.ndarray
    kernel_spec: str = ""
    causal: bool = True
    boundary: str = "nearest"
    keep: tuple[str, ...] = ()
    sample_rate: int | None = None
    subtype: str | None = None
    fmt: str | None = None
    force: bool = False


def _keep_columns(keep: tuple[str, ...], names: list[str], path: str) -> list[int]:
    idx = []
    for item in keep:
        if item in names:
            idx.append(names.index(item))
        elif item.isdigit() and int(item) < len(names):
            idx.append(int(item))
        else:
            raise InputError(f"--keep {item!r}: no such column (columns: {', '.join(names)})", path)
    return idx


def smooth_file(job, opts: SmoothOptions) -> dict:
    """Smooth ``job.src`` (audio, CSV/TSV or .npy) and write ``job.dst`` (its kind by extension)."""
    from convcli.io.audio import audio_format, read_audio, save_audio

    kind = _kind(job.src) if job.src != STDIO else "audio"
    if opts.fmt:
        out_kind = "table" if opts.fmt in ("csv", "tsv", "txt") else "npy" if opts.fmt == "npy" else "audio"
    else:  # by the output's extension; standard output gets the input's kind (audio: WAV)
        out_kind = _kind(job.dst) if job.dst != STDIO else kind
    if out_kind == "audio":
        audio_format(job.dst, opts.fmt)
    check_target(job.dst, force=opts.force, inputs=(job.src,))
    t0 = time.perf_counter()
    header, delimiter, rate, subtype, kept = None, ",", opts.sample_rate, opts.subtype, []
    if kind == "audio":
        audio = read_audio(job.src)
        x, rate = audio.samples, audio.sample_rate
        subtype = subtype or (audio.subtype if audio.subtype.startswith(("PCM", "FLOAT", "DOUBLE")) else None)
    elif kind == "table":
        table = read_table(job.src)
        x, header, delimiter = table.values, table.header, table.delimiter
        kept = _keep_columns(opts.keep, table.names, job.src)
    else:
        try:
            x = np.load(job.src, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise InputError(f"cannot read .npy: {exc}", job.src) from None
        if x.ndim not in (1, 2) or x.size == 0 or x.dtype.kind not in "biuf":
            raise InputError(f"a signal .npy is a non-empty numeric (N,) or (N, C) array; got {x.dtype} {x.shape}",
                             job.src)
    if opts.keep and kind != "table":
        raise InputError("--keep names columns of a CSV table", job.src)
    t1 = time.perf_counter()
    dtype = np.float64 if kind == "table" else np.float32
    y = smooth(x, opts.kernel, causal=opts.causal, boundary=opts.boundary, dtype=dtype)
    if kept:
        y[:, kept] = x[:, kept]
    t2 = time.perf_counter()
    if out_kind == "audio":
        if not rate:
            raise OutputError("writing audio from a table or .npy needs --sample-rate", job.dst)
        if subtype and not _subtype_fits(job.dst, opts.fmt, subtype):
            subtype = None
        save_audio(job.dst, y, rate, subtype=subtype, fmt=opts.fmt)
    elif out_kind == "table":
        write_table(job.dst, y, header, delimiter if kind == "table" else ",")
    else:
        with atomic_open(job.dst) as fh:
            np.save(fh, y, allow_pickle=False)
    t3 = time.perf_counter()
    return {"input": job.src, "output": job.dst, "samples": int(y.shape[0]),
            "channels": 1 if y.ndim == 1 else int(y.shape[1]), "kernel": opts.kernel_spec,
            "taps": int(np.asarray(opts.kernel).size), "causal": opts.causal, "boundary": opts.boundary,
            "header": header is not None, "kept_columns": kept, "sample_rate": rate,
            "seconds": {"read": round(t1 - t0, 6), "smooth": round(t2 - t1, 6), "write": round(t3 - t2, 6)}}


def _subtype_fits(path: str, fmt: str | None, subtype: str) -> bool:
    import soundfile as sf

    from convcli.io.audio import audio_format

    return bool(sf.check_format(audio_format(path, fmt), subtype))
