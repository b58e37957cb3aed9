"""Locally connected (unshared) and tiled convolution, and weights to try them with.

Both are valid correlations (no kernel flip, like deep-learning "convolution") on channels-last
input ``x`` ``(H, W)`` or ``(H, W, Cin)``, with an output ``(OH, OW, Cout)`` that always has its
channel axis. With the seed's index names (0-based):

- locally connected, a weight per output position:
  ``Z[j, k, i] = sum_{l,m,n} x[j*sy + m, k*sx + n, l] * w[i, j, k, l, m, n]``;
- tiled, ``t_y x t_x`` kernels cycled over the output:
  ``Z[j, k, i] = sum_{l,m,n} x[j*sy + m, k*sx + n, l] * K[i, l, m, n, j % t_y, k % t_x]``.

With equal weights everywhere (or ``t = 1``) both are ``convolve(x, k, mode="corr", padding="valid")``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convcli.arrays import as_float_array, check_finite, resolve_dtype
from convcli.conventions import MODES, axes_for, check_choice, per_axis
from convcli.errors import DataError, UsageError


def _input(x, dt=np.float64) -> np.ndarray:
    xa = check_finite(as_float_array(x, "input", dt), "input")
    if xa.ndim == 2:
        xa = xa[:, :, None]
    if xa.ndim != 3:
        raise UsageError(f"the input must be (H, W) or (H, W, C); got shape {xa.shape}")
    return xa


def _planar(xa: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(xa, -1, 0), dtype=np.float64)


def output_size(in_shape: Sequence[int], size: Sequence[int], stride: Sequence[int]) -> tuple[int, int]:
    """``(OH, OW)`` of a valid correlation of an ``(H, W[, C])`` input with a ``size`` window."""
    axes = axes_for(tuple(in_shape)[:2], tuple(size), tuple(stride), (1, 1), "valid")
    return axes[0].length, axes[1].length


def locally_connected(x, w, *, stride: int | Sequence[int] = 1, dtype=None) -> np.ndarray:
    """Locally connected layer: a correlation with a different kernel at every output position.

    Parameters
    ----------
    x : array_like
        ``(H, W)`` or ``(H, W, Cin)``.
    w : array_like
        ``w[i, j, k, l, m, n]``: (out channel, out row, out column, in channel, row offset,
        column offset), shape ``(Cout, OH, OW, Cin, kh, kw)`` with ``OH, OW`` the valid output size
        of ``x`` for a ``kh x kw`` window at this stride.
    stride : int or sequence of int
        Output spacing ``S`` or ``(SY, SX)``.
    dtype : {None, numpy.float32, numpy.float64}
        Result precision (float32 by default); sums are accumulated in float64.

    Returns
    -------
    numpy.ndarray
        ``(OH, OW, Cout)``.

    Raises
    ------
    UsageError
        Weights whose shape does not fit the input.

    Examples
    --------
    >>> x = np.arange(12.0).reshape(3, 4)
    >>> w = np.ones((1, 2, 3, 1, 2, 2))
    >>> locally_connected(x, w)[..., 0]
    array([[10., 14., 18.],
           [26., 30., 34.]], dtype=float32)
    """
    from convcli.kernels.local2d import local_corr

    dt = resolve_dtype(dtype)
    xa = _input(x)
    wa = check_finite(as_float_array(w, "weights", np.float64), "weights")
    if wa.ndim != 6:
        raise UsageError(f"locally connected weights are 6-D (out, row, col, in, kh, kw); got shape {wa.shape}")
    strides = per_axis("stride", stride, 2)
    cout, oh, ow, cin, kh, kw = wa.shape
    want = (cout, *output_size(xa.shape, (kh, kw), strides), xa.shape[2], kh, kw)
    if wa.shape != want:
        raise UsageError(f"weights of shape {wa.shape} do not fit an input of shape {xa.shape} "
                         f"at stride {strides}: expected {want}")
    out = local_corr(_planar(xa), np.ascontiguousarray(wa), np.empty((cout, oh, ow)), *strides)
    return np.ascontiguousarray(np.moveaxis(out, 0, -1), dtype=dt)


def tiled_convolve(x, k, *, stride: int | Sequence[int] = 1, dtype=None) -> np.ndarray:
    """Tiled convolution: ``t_y x t_x`` kernels used in turn over the output positions.

    Parameters
    ----------
    x : array_like
        ``(H, W)`` or ``(H, W, Cin)``.
    k : array_like
        ``k[i, l, m, n, a, b]``: (out channel, in channel, row offset, column offset, tile row,
        tile column), shape ``(Cout, Cin, kh, kw, t_y, t_x)``; output ``(j, k)`` uses
        ``k[..., j % t_y, k % t_x]``.
    stride : int or sequence of int
        Output spacing ``S`` or ``(SY, SX)`` (the tile index is the output index).
    dtype : {None, numpy.float32, numpy.float64}
        Result precision (float32 by default); sums are accumulated in float64.

    Returns
    -------
    numpy.ndarray
        ``(OH, OW, Cout)``.

    Examples
    --------
    >>> k = np.zeros((1, 1, 1, 1, 1, 2)); k[..., 0, 0] = 1; k[..., 0, 1] = -1
    >>> tiled_convolve(np.ones((1, 4)), k)[..., 0]
    array([[ 1., -1.,  1., -1.]], dtype=float32)
    """
    from convcli.kernels.local2d import tiled_corr

    dt = resolve_dtype(dtype)
    xa = _input(x)
    ka = check_finite(as_float_array(k, "kernels", np.float64), "kernels")
    if ka.ndim != 6:
        raise UsageError(f"tiled kernels are 6-D (out, in, kh, kw, ty, tx); got shape {ka.shape}")
    cout, cin, kh, kw, _, _ = ka.shape
    if cin != xa.shape[2]:
        raise UsageError(f"tiled kernels of shape {ka.shape} take {cin} input channel(s); the input has "
                         f"{xa.shape[2]}")
    strides = per_axis("stride", stride, 2)
    oh, ow = output_size(xa.shape, (kh, kw), strides)
    xp = _planar(xa)
    out = np.empty((oh, ow, cout), dtype=dt)
    plane = np.empty((oh, ow))
    columns = np.arange(ow) % ka.shape[5]
    for i in range(cout):
        # e[u, l, m, n, q] = k[i, l, m, n, u, q % tx]: one output channel's kernels, one per output column
        e = np.ascontiguousarray(np.moveaxis(ka[i][..., columns], 3, 0))
        out[:, :, i] = tiled_corr(xp, e, plane, *strides)
    return out


def kernel_as_4d(kernel, channels: int, mode: str = "conv") -> np.ndarray:
    """A kernel as ``filter`` would apply it, in correlation form ``K[out, in, kh, kw]``.

    A 1-D kernel is a row (``1 x N``); a 2-D kernel filters each of ``channels`` alone (a
    diagonal 4-D kernel); with ``mode="conv"`` the kernel is flipped, as ``filter`` does.
    """
    mode = check_choice("mode", mode, MODES)
    k = check_finite(as_float_array(kernel, "kernel", np.float64), "kernel")
    if k.ndim == 1:
        k = k.reshape(1, -1)
    if k.ndim == 2:
        k4 = np.zeros((channels, channels, *k.shape))
        for c in range(channels):
            k4[c, c] = k
    elif k.ndim == 4:
        if k.shape[1] != channels:
            raise UsageError(f"a kernel of shape {k.shape} takes {k.shape[1]} input channel(s); the input has "
                             f"{channels}")
        k4 = k.copy()
    else:
        raise UsageError(f"a {k.ndim}-D kernel cannot make 2-D weights (1-D, 2-D or 4-D K[out, in, kh, kw])")
    return np.ascontiguousarray(np.flip(k4, axis=(2, 3)) if mode == "conv" else k4)


def local_weights_from_kernel(in_shape: Sequence[int], kernel, *, stride: int | Sequence[int] = 1,
                              mode: str = "conv") -> np.ndarray:
    """Locally connected weights that repeat one kernel everywhere (so the layer is a convolution).

    With ``mode="conv"`` the result equals ``convolve(x, kernel, padding="valid")`` (``filter``'s
    default), with ``"corr"`` the correlation.
    """
    channels = in_shape[2] if len(in_shape) == 3 else 1
    k4 = kernel_as_4d(kernel, channels, mode)
    oh, ow = output_size(in_shape, k4.shape[2:], per_axis("stride", stride, 2))
    return np.ascontiguousarray(np.broadcast_to(k4[:, None, None], (k4.shape[0], oh, ow, *k4.shape[1:])))


def tiled_kernels_from_kernel(channels: int, kernel, tile: int | Sequence[int], *, mode: str = "conv") -> np.ndarray:
    """Tiled kernels that are all the same kernel (so the tiled convolution is a convolution)."""
    ty, tx = per_axis("tile", tile, 2)
    k4 = kernel_as_4d(kernel, channels, mode)
    return np.ascontiguousarray(np.broadcast_to(k4[..., None, None], (*k4.shape, ty, tx)))


def _random(shape: tuple[int, ...], fan_in: int, seed: int | None) -> np.ndarray:
    if np.prod(shape, dtype=np.float64) > 2**31:
        raise DataError(f"weights of shape {shape} are too large")
    # He-style scale, so the output has about the input's magnitude
    return np.random.default_rng(seed).normal(0.0, np.sqrt(1.0 / fan_in), size=shape)


def random_local_weights(in_shape: Sequence[int], size: int | Sequence[int], *, out_channels: int = 1,
                         stride: int | Sequence[int] = 1, seed: int | None = None) -> np.ndarray:
    """Random normal locally connected weights ``(Cout, OH, OW, Cin, kh, kw)`` for an input shape."""
    kh, kw = per_axis("size", size, 2)
    if out_channels < 1:
        raise UsageError(f"out_channels must be at least 1; got {out_channels}")
    channels = in_shape[2] if len(in_shape) == 3 else 1
    oh, ow = output_size(in_shape, (kh, kw), per_axis("stride", stride, 2))
    return _random((out_channels, oh, ow, channels, kh, kw), channels * kh * kw, seed)


def random_tiled_kernels(channels: int, size: int | Sequence[int], tile: int | Sequence[int], *,
                         out_channels: int = 1, seed: int | None = None) -> np.ndarray:
    """Random normal tiled kernels ``(Cout, Cin, kh, kw, ty, tx)``."""
    kh, kw = per_axis("size", size, 2)
    ty, tx = per_axis("tile", tile, 2)
    if out_channels < 1:
        raise UsageError(f"out_channels must be at least 1; got {out_channels}")
    return _random((out_channels, channels, kh, kw, ty, tx), channels * kh * kw, seed)
