"""A convolution as a matrix: ``conv_matrix`` builds the dense matrix ``M`` with
``M @ x.ravel() == convolve(x, k, ...).ravel()`` for one channel.

With the ``zero`` boundary (or ``valid`` padding) ``M`` is Toeplitz (1-D) or doubly block Toeplitz
(2-D); with ``wrap`` and ``same`` it is circulant / doubly block circulant; the other boundaries give
the matrix of the boundary-extended operator (Toeplitz plus corrections near the edges).

Geometry follows :mod:`convcli.conventions`: output sample ``r`` of an axis reads input sample
``offset + r*stride + t*dilation`` with tap ``t`` of the correlation kernel (the flipped kernel for
``conv``); an index outside the input is mapped by the boundary rule (``zero``: dropped).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from convcli.arrays import as_float_array, check_finite, resolve_dtype
from convcli.conventions import BOUNDARIES, MODES, PADDINGS, Axis, axes_for, check_choice, per_axis
from convcli.errors import UsageError

DEFAULT_MAX_BYTES = 256 << 20


def map_indices(i, n: int, boundary: str) -> np.ndarray:
    """Map input indices (possibly outside ``[0, n)``) by the boundary rule; ``-1`` = zero (outside).

    The array form of :func:`convcli.kernels.boundary.map_index` (same rules, tested against it).
    """
    i = np.asarray(i, dtype=np.int64)
    if boundary == "zero":
        return np.where((i >= 0) & (i < n), i, -1)
    if boundary == "nearest":
        return np.clip(i, 0, n - 1)
    if boundary == "wrap":
        return np.mod(i, n)
    if boundary == "reflect":  # cba|abcd|dcb: period 2n
        j = np.mod(i, 2 * n)
        return np.where(j < n, j, 2 * n - 1 - j)
    if n == 1:  # mirror, dcb|abcd|cba: period 2n - 2
        return np.zeros_like(i)
    j = np.mod(i, 2 * n - 2)
    return np.where(j < n, j, 2 * n - 2 - j)


def tap_columns(axis: Axis, boundary: str) -> np.ndarray:
    """``(length, k)`` input index read by each output sample and tap of one axis (``-1``: zero)."""
    r = np.arange(axis.length, dtype=np.int64)[:, None]
    t = np.arange(axis.k, dtype=np.int64)[None, :]
    return map_indices(axis.offset + r * axis.stride + t * axis.dilation, axis.n, boundary)


def matrix_geometry(input_shape, k, *, mode: str = "conv", padding: str = "same", boundary: str = "reflect",
                    stride: int | Sequence[int] = 1, dilation: int | Sequence[int] = 1):
    """Validate and normalise the arguments of :func:`conv_matrix`.

    Returns ``(shape, correlation kernel, axes)``; no matrix is built.
    """
    check_choice("mode", mode, MODES)
    check_choice("padding", padding, PADDINGS)
    check_choice("boundary", boundary, BOUNDARIES)
    shape = _shape(input_shape)
    kern = check_finite(as_float_array(k, "kernel", np.float64), "kernel")
    if kern.ndim == 2 and len(shape) == 1 and 1 in kern.shape:
        kern = kern.ravel()
    if kern.ndim not in (1, 2):
        raise UsageError(f"conv_matrix takes a 1-D or 2-D kernel; got shape {kern.shape}")
    if kern.ndim != len(shape):
        raise UsageError(f"a {kern.ndim}-D kernel needs a {kern.ndim}-D input shape (one channel); "
                         f"got {tuple(shape)}")
    nd = kern.ndim
    axes = axes_for(shape, kern.shape, per_axis("stride", stride, nd), per_axis("dilation", dilation, nd), padding)
    corr = np.flip(kern) if mode == "conv" else kern
    return shape, corr, axes


def matrix_shape(axes: Sequence[Axis]) -> tuple[int, int]:
    """``(rows, columns)`` of the matrix: output samples by input samples."""
    return math.prod(ax.length for ax in axes), math.prod(ax.n for ax in axes)


def check_size(rows: int, cols: int, itemsize: int, max_bytes: int | None) -> None:
    """Refuse (:class:`UsageError`) a dense matrix larger than ``max_bytes``."""
    need = rows * cols * itemsize
    if max_bytes is not None and need > max_bytes:
        raise UsageError(
            f"the dense matrix would be {rows:,} x {cols:,} = {rows * cols:,} entries, {format_bytes(need)} "
            f"at {itemsize} bytes each, over the limit of {format_bytes(max_bytes)} (--max-bytes); "
            "use a smaller input"
        )


def format_bytes(n: int | float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"  # pragma: no cover


def conv_matrix(
    input_shape,
    k,
    *,
    mode: str = "conv",
    padding: str = "same",
    boundary: str = "reflect",
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    dtype=None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> np.ndarray:
    """The dense matrix of a (small) 1-D or 2-D convolution of one channel.

    Parameters
    ----------
    input_shape : int or sequence of int
        ``N`` (1-D) or ``(H, W)`` (2-D), one channel.
    k : array_like
        The kernel (1-D or 2-D, matching ``input_shape``).
    mode, padding, boundary, stride, dilation
        As :func:`convcli.convolve`.
    dtype : {None, numpy.float32, numpy.float64}
        Entry type; float32 by default (as ``convolve``).
    max_bytes : int or None
        Refuse matrices larger than this (default 256 MiB); None for no limit.

    Returns
    -------
    numpy.ndarray
        ``M`` of shape ``(out.size, prod(input_shape))`` with
        ``M @ x.ravel() == convolve(x, k, ...).ravel()`` (row-major order).

    Raises
    ------
    UsageError
        Bad options, or a matrix over ``max_bytes`` (the message states its size).

    Examples
    --------
    >>> from convcli import conv_matrix
    >>> conv_matrix(4, [1, -1], padding="valid")
    array([[-1.,  1.,  0.,  0.],
           [ 0., -1.,  1.,  0.],
           [ 0.,  0., -1.,  1.]], dtype=float32)
    """
    dt = resolve_dtype(dtype)
    shape, corr, axes = matrix_geometry(input_shape, k, mode=mode, padding=padding, boundary=boundary,
                                        stride=stride, dilation=dilation)
    rows, cols = matrix_shape(axes)
    check_size(rows, cols, dt.itemsize, max_bytes)
    # accumulate in float64 so that taps folded onto one column (reflect, wrap) add exactly once
    m = np.zeros((rows, cols), dtype=np.float64)
    columns = [tap_columns(ax, boundary) for ax in axes]
    out_shape = tuple(ax.length for ax in axes)
    row_index = np.arange(rows, dtype=np.int64).reshape(out_shape)
    for taps in np.ndindex(*corr.shape):
        value = corr[taps]
        if value == 0:
            continue
        # the input index this tap reads, for every output position (broadcast over the axes)
        per_axis_cols = [columns[a][:, t].reshape([-1 if b == a else 1 for b in range(len(axes))])
                         for a, t in enumerate(taps)]
        inside = np.ones(out_shape, dtype=bool)
        for c in per_axis_cols:
            inside &= c >= 0
        flat = np.zeros(out_shape, dtype=np.int64)
        for a, c in enumerate(per_axis_cols):
            flat = flat * shape[a] + c
        # within one tap every row reads one column, so fancy-index += is safe
        m[row_index[inside], flat[inside]] += value
    return m.astype(dt, copy=False)


def _shape(input_shape) -> tuple[int, ...]:
    if isinstance(input_shape, (int, np.integer)):
        input_shape = (int(input_shape),)
    try:
        shape = tuple(int(n) for n in input_shape)
    except (TypeError, ValueError):
        raise UsageError(f"input_shape must be N or (H, W); got {input_shape!r}") from None
    if not 1 <= len(shape) <= 2 or any(n < 1 for n in shape):
        raise UsageError(f"input_shape must be N or (H, W) with positive sizes; got {input_shape!r}")
    return shape


def describe_structure(axes: Sequence[Axis], boundary: str) -> dict:
    """What kind of matrix the geometry gives, and its block layout (JSON-ready)."""
    nd = len(axes)
    strided = any(ax.stride > 1 for ax in axes)
    if all(ax.padding == "valid" for ax in axes) or boundary == "zero":
        kind = "Toeplitz" if nd == 1 else "doubly block Toeplitz"
    elif boundary == "wrap" and all(ax.padding == "same" for ax in axes):
        kind = "circulant" if nd == 1 else "doubly block circulant"
    elif boundary == "wrap":
        kind = ("cyclically extended Toeplitz (rows are cyclic shifts)" if nd == 1
                else "doubly block, cyclically extended Toeplitz (rows are cyclic shifts)")
    else:
        kind = (f"Toeplitz plus {boundary}-boundary corrections" if nd == 1
                else f"doubly block Toeplitz plus {boundary}-boundary corrections")
    if strided:
        kind += f" (only the rows of the stride-{','.join(str(ax.stride) for ax in axes)} output samples)"
    info = {"kind": kind, "blocks": None}
    if nd == 2:
        ay, ax = axes
        info["blocks"] = {"grid": [ay.length, ay.n], "block_shape": [ax.length, ax.n]}
    return info


def verify_matrix(m: np.ndarray, input_shape, k, *, seed: int = 0, **geometry) -> dict:
    """Multiply ``m`` with a random input and compare with :func:`convcli.convolve` (same dtype).

    ``geometry`` holds ``mode``, ``padding``, ``boundary``, ``stride``, ``dilation``. Returns the
    maximum absolute error, the tolerance (a few roundings per tap, relative to ``sum(|k|)``) and ``ok``.
    """
    from convcli.convolve import convolve

    shape, corr, _ = matrix_geometry(input_shape, k, **geometry)
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, shape).astype(m.dtype)
    want = convolve(x, corr if geometry.get("mode", "conv") == "corr" else np.flip(corr), dtype=m.dtype,
                    **geometry).astype(np.float64).ravel()
    got = m.astype(np.float64) @ x.astype(np.float64).ravel()
    err = float(np.abs(got - want).max())
    tol = 16 * float(np.finfo(m.dtype).eps) * corr.size * max(float(np.abs(corr).sum()), 1.0)
    return {"max_abs_error": err, "tolerance": tol, "ok": err <= tol, "seed": seed}
