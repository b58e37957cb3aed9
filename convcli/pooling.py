"""``pool``: max, average and L2 pooling of signals, images and channels-last multi-channel arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from convcli.arrays import as_float_array, check_finite, resolve_dtype
from convcli.conventions import BOUNDARY_CODES, check_choice, per_axis
from convcli.errors import DataError, UsageError

POOL_OPS = ("max", "avg", "l2")
POOL_PADDINGS = ("valid", "same")
POOL_BOUNDARIES = ("ignore", *BOUNDARY_CODES)
_OP_CODES = {"max": 0, "avg": 1, "l2": 2}
_IGNORE = 5
_SERIAL_BELOW = 1 << 20


@dataclass(frozen=True)
class PoolAxis:
    """Geometry of pooling along one axis: ``out`` windows of ``size`` samples, the first at ``offset``."""

    n: int
    size: int
    stride: int
    padding: str

    @property
    def length(self) -> int:
        if self.padding == "same":
            return -(-self.n // self.stride)
        return 0 if self.n < self.size else (self.n - self.size) // self.stride + 1

    @property
    def offset(self) -> int:
        """Input index of the first sample of window 0 (negative: the window starts before the input)."""
        if self.padding == "valid":
            return 0
        total = max((self.length - 1) * self.stride + self.size - self.n, 0)
        return -(total // 2)


def pool_axes(shape: Sequence[int], size: Sequence[int], stride: Sequence[int], padding: str) -> tuple[PoolAxis, ...]:
    """Geometry of every pooled axis; raises :class:`DataError` when an axis has no output."""
    axes = tuple(PoolAxis(int(n), k, s, padding) for n, k, s in zip(shape, size, stride, strict=True))
    for ax in axes:
        if ax.length <= 0:
            raise DataError(f"the pooling window ({'x'.join(str(a.size) for a in axes[::-1])}) is larger than "
                            f"the input ({'x'.join(str(a.n) for a in axes[::-1])}): valid padding leaves no output")
    return axes


def pool(
    x,
    *,
    op: str = "max",
    size: int | Sequence[int] | None = None,
    stride: int | Sequence[int] | None = None,
    padding: str = "valid",
    boundary: str = "ignore",
    across_channels: int | None = None,
    volume: bool = False,
    dtype=None,
    nan: str = "error",
) -> np.ndarray:
    """Pool a signal, an image, a volume or a channels-last multi-channel array.

    Parameters
    ----------
    x : array_like
        ``(N,)`` or ``(N, C)`` signals, ``(H, W)`` or ``(H, W, C)`` images (channels last), or with
        ``volume`` (or a 3-value ``size``) ``(D, H, W)`` or ``(D, H, W, C)`` volumes and videos.
    op : {'max', 'avg', 'l2'}
        The reduction over each window: maximum, mean, or square root of the sum of squares.
    size : int or sequence of int, optional
        Window size. An int pools 1-D input along its one axis and 2-D/3-D input over rows and
        columns (with ``volume``, over depth, rows and columns); a 1-tuple ``(k,)`` pools the first
        axis of ``(N, C)`` signals; a 3-tuple ``(kd, kh, kw)`` pools volumes (as ``volume=True``).
        ``None``: no spatial pooling (only ``across_channels``).
    stride : int or sequence of int, optional
        Step between windows; defaults to ``size`` (non-overlapping windows).
    padding : {'valid', 'same'}
        ``valid``: only windows inside the input, ``(n - size) // stride + 1`` outputs; ``same``:
        ``ceil(n / stride)`` outputs, the windows padded evenly (the extra sample after), as
        TensorFlow's ``SAME``.
    boundary : {'ignore', 'zero', 'reflect', 'mirror', 'nearest', 'wrap'}
        For ``same``: ``ignore`` leaves samples outside the input out (averages divide by the
        number inside, as ``torch.nn.functional.max_pool2d`` and TensorFlow's ``SAME`` average);
        the others extend the input as in :func:`convcli.convolve` (``zero`` pads count in averages).
    across_channels : int, optional
        Pool groups of this many consecutive channels (the last axis) into one, with the same
        ``op``; the number of channels must be a multiple of it. Done before spatial pooling.
    volume : bool
        3-D pooling over ``(D, H, W)`` of a ``(D, H, W)`` or ``(D, H, W, C)`` array: an int ``size``
        or ``stride`` is the same along the three axes, or give 3 values (depth first). The box
        is separable: each plane is pooled over rows and columns, then the planes along depth
        (max of maxes, sums of sums; ``avg`` and ``l2`` equal the one-pass 3-D reduction to
        rounding). ``size=(1, kh, kw)`` is exactly the 2-D pooling of every frame.
    dtype : {None, numpy.float32, numpy.float64}
        Working and output precision (float32 by default).
    nan : {'error', 'zero', 'propagate'}
        What to do with NaN or Inf in ``x``.

    Returns
    -------
    numpy.ndarray
        Pooled array, channels last like ``x``.

    Raises
    ------
    UsageError
        A bad option.
    DataError
        Empty or non-finite data, a window larger than the input with ``valid`` padding, or a
        channel count that is not a multiple of ``across_channels``.

    Examples
    --------
    >>> import numpy as np
    >>> from convcli import pool
    >>> pool(np.arange(16.0).reshape(4, 4), size=2)
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    >>> pool(np.arange(8.0).reshape(2, 2, 2), size=2, volume=True)
    array([[[7.]]], dtype=float32)
    """
    op = check_choice("op", op, POOL_OPS)
    padding = check_choice("padding", padding, POOL_PADDINGS)
    boundary = check_choice("boundary", boundary, POOL_BOUNDARIES)
    dt = resolve_dtype(dtype)
    if size is None and across_channels is None:
        raise UsageError("pool needs a window size, across_channels, or both")
    group = None if across_channels is None else per_axis("across_channels", across_channels, 1)[0]
    if size is not None:  # validate the options before looking at the data
        per_axis("size", size, _spatial_dims(size))
        if stride is not None:
            per_axis("stride", stride, _spatial_dims(stride))
        volume = volume or _spatial_dims(size) == 3
        if volume and not _is_int(size) and _spatial_dims(size) != 3:
            raise UsageError(f"3-D pooling takes a size of 1 or 3 values (depth, rows, columns); got {size!r}")
    xa = as_float_array(x, "input", dt)
    spatial = 0
    if size is not None and volume:
        spatial = 3
    elif size is not None:
        spatial = _spatial_dims(size) if not _is_int(size) else (1 if xa.ndim == 1 else 2)
    if size is not None:
        sizes = per_axis("size", size, spatial)
        strides = sizes if stride is None else per_axis("stride", stride, spatial)
        if xa.ndim not in (spatial, spatial + 1):
            raise DataError(f"{spatial}-D pooling needs a {spatial}-D input or a {spatial}-D input with "
                            f"channels last; got an input of shape {xa.shape}")
    code = _OP_CODES[op]
    # a single plane is scanned for NaN/Inf inside the pooling kernel (one read of the input, not two)
    in_kernel = (spatial == 2 and group is None and nan != "propagate" and xa.dtype.kind == "f"
                 and (xa.ndim == 2 or xa.shape[2] == 1))
    if not in_kernel:
        xa = _check_finite(xa, nan)
    if group is not None:
        xa = _pool_channels(xa, group, code)
    if size is None:
        return xa
    axes = pool_axes(xa.shape[:spatial], sizes, strides, padding)
    bcode = _IGNORE if boundary == "ignore" else BOUNDARY_CODES[boundary]
    if spatial == 3:
        return _pool_volume(xa, axes, code, bcode)
    if spatial == 1:
        plane = xa[None] if xa.ndim == 1 else xa[None, :, :]
        ay = PoolAxis(1, 1, 1, "valid")
        out = _pool_planes(plane, ay, axes[0], code, bcode)
        return out[0]
    if in_kernel:
        out, bad = _pool_planes(xa, axes[0], axes[1], code, bcode, count_nonfinite=True)
        if not bad:
            return out
        xa = check_finite(xa, "input", nan)  # raises, or replaces them by zeros
    return _pool_planes(xa, axes[0], axes[1], code, bcode)


def _check_finite(x: np.ndarray, nan: str) -> np.ndarray:
    """``check_finite`` with a parallel, allocation-free scan first (a NumPy scan cost as much as the pooling)."""
    from convcli.kernels.finite import count_nonfinite
    from convcli.threads import block_count

    if nan == "propagate" or x.size < 65536 or not x.flags.c_contiguous:
        return check_finite(x, "input", nan)
    counts = np.zeros(block_count(x.size // 65536 + 1), dtype=np.int64)
    if count_nonfinite(x.reshape(-1), counts).sum() == 0:
        return x
    return check_finite(x, "input", nan)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _spatial_dims(size) -> int:
    if _is_int(size):
        return 1
    if isinstance(size, str):
        return len(size.split(","))
    try:
        n = len(size)
    except TypeError:
        raise UsageError(f"size must be an integer or a sequence of 1 to 3 integers; got {size!r}") from None
    if n not in (1, 2, 3):
        raise UsageError(f"size must have 1, 2 or 3 values (1-D, 2-D or 3-D pooling); got {n}")
    return n


def _pool_channels(x: np.ndarray, n: int, code: int) -> np.ndarray:
    from convcli.kernels.pool2d import pool_channel_groups
    from convcli.threads import block_count

    if x.ndim < 2:
        raise DataError(f"across-channel pooling needs channels (the last axis); got an input of shape {x.shape}")
    channels = x.shape[-1]
    if channels % n:
        raise DataError(f"{channels} channels cannot be pooled in groups of {n} (not a multiple)")
    flat = np.ascontiguousarray(x.reshape(-1, channels))
    out = np.empty((flat.shape[0], channels // n), dtype=x.dtype)
    pool_channel_groups(flat, out, n, code, block_count(flat.shape[0] // 256 + 1))
    return out.reshape(x.shape[:-1] + (channels // n,))


def _pool_planes(x: np.ndarray, ay: PoolAxis, ax: PoolAxis, code: int, bcode: int, *,
                 count_nonfinite: bool = False):
    from convcli.kernels import pool2d as kernels
    from convcli.threads import block_count

    x = np.ascontiguousarray(x)
    blocks = block_count(ay.length)
    # below ~1 M samples the work takes less than waking the thread pool (which, on a busy machine,
    # was measured at ~15 ms against 0.07 ms of work for 512x512)
    serial = x.size < _SERIAL_BELOW
    pool2d = kernels.pool2d_serial if serial else kernels.pool2d
    pool2d_channels_last = kernels.pool2d_channels_last_serial if serial else kernels.pool2d_channels_last
    args = (ay.offset, ax.offset, ay.stride, ax.stride, ay.size, ax.size, code, bcode, blocks)
    if x.ndim == 2 or x.shape[2] == 1:
        out = np.empty((ay.length, ax.length) + x.shape[2:], dtype=x.dtype)
        counts = np.zeros(blocks if count_nonfinite else 0, dtype=np.int64)
        pool2d(x.reshape(x.shape[:2]), out.reshape(out.shape[:2]), *args, counts)
        return (out, int(counts.sum())) if count_nonfinite else out
    out = np.empty((ay.length, ax.length, x.shape[2]), dtype=x.dtype)
    pool2d_channels_last(x, out, *args)
    return out


def _pool_volume(x: np.ndarray, axes: tuple[PoolAxis, ...], code: int, bcode: int) -> np.ndarray:
    """3-D pooling as two exact passes: every plane over rows and columns, then along depth.

    A box window and a per-axis boundary rule are separable: the max of the planes' maxima is the
    box maximum, the sum of their sums the box sum, and the ``ignore`` count is the product of the
    per-axis counts (so the mean of the planes' means is the box mean). A pass whose window and
    stride are 1 is skipped (``size=(1, kh, kw)`` is exactly the per-frame 2-D pooling; the l2 of
    one sample is not the sample, so a 1x1x1 window then takes its magnitude).
    """
    from convcli.kernels import pool2d as k2
    from convcli.kernels import pool3d as k3
    from convcli.threads import block_count

    az, ay, ax = axes
    channels = x.shape[3] if x.ndim == 4 else 0
    cur = np.ascontiguousarray(x[..., 0] if channels == 1 else x)
    serial = cur.size < _SERIAL_BELOW
    source = cur
    if not (ay.size == ax.size == ay.stride == ax.stride == 1):
        d = cur.shape[0]
        out = np.empty((d, ay.length, ax.length) + cur.shape[3:], dtype=cur.dtype)
        row_blocks = max(1, min(ay.length, -(-block_count(d * ay.length) // d)))
        args = (ay.offset, ax.offset, ay.stride, ax.stride, ay.size, ax.size, code, bcode, row_blocks)
        if cur.ndim == 3:
            run = k3.pool_planes_serial if serial else k3.pool_planes
            run(cur, out, *args, np.zeros(0, dtype=np.int64))
        else:
            run = k3.pool_planes_channels_last_serial if serial else k3.pool_planes_channels_last
            run(cur, out, *args)
        cur = out
    if not (az.size == az.stride == 1):
        # depth: the 2-D kernel on the (D, H'*W'*C) view with a kd x 1 window, rows = planes
        flat = cur.reshape(cur.shape[0], -1)
        out = np.empty((az.length, flat.shape[1]), dtype=cur.dtype)
        run = k2.pool2d_serial if serial else k2.pool2d
        run(flat, out, az.offset, 0, az.stride, 1, az.size, 1, code, bcode, block_count(az.length),
            np.zeros(0, dtype=np.int64))
        cur = out.reshape((az.length,) + cur.shape[1:])
    if cur is source:  # a 1x1x1 window with stride 1: never hand back the caller's array
        # max and avg of one sample are the sample; l2 is sqrt(x*x), as the kernels compute it
        cur = np.sqrt(cur * cur) if code == _OP_CODES["l2"] else cur.copy()
    return cur[..., None] if channels == 1 else cur
