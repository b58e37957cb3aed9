"""``convolve``: 1-D, 2-D and channels-last multi-channel convolution and correlation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convcli._numba_lean import release_loader_memory
from convcli.arrays import (
    as_float_array,
    check_finite,
    check_nan_policy,
    empty_apart,
    empty_output,
    resolve_dtype,
)
from convcli.conventions import (
    BOUNDARIES,
    BOUNDARY_CODES,
    MODES,
    PADDINGS,
    Axis,
    axes_for,
    check_choice,
    per_axis,
)
from convcli.errors import DataError, UsageError
from convcli.threads import threads_for

METHODS = ("auto", "direct", "separable", "fft")


def convolve(
    x,
    k,
    *,
    mode: str = "conv",
    padding: str = "same",
    boundary: str = "reflect",
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    method: str = "auto",
    dtype=None,
    nan: str = "error",
    groups: int = 1,
) -> np.ndarray:
    """Convolve (or correlate) an array with a kernel.

    The kernel's number of dimensions is the number of spatial axes: a 1-D kernel filters a
    signal ``(N,)`` or, channel by channel, ``(N, C)``; a 2-D kernel filters an image ``(H, W)``
    or each channel of ``(H, W, C)`` alone. A ``(1, K)`` or ``(K, 1)`` kernel on a 1-D signal is
    used as the 1-D kernel it is. A 3-D kernel filters a volume ``(D, H, W)`` or each channel of
    ``(D, H, W, C)`` (see :func:`convcli.volume.convolve3d`).

    Parameters
    ----------
    x : array_like
        Input samples (any real dtype), channels last.
    k : array_like
        The kernel.
    mode : {'conv', 'corr'}
        ``conv`` is true convolution (the kernel is flipped), ``corr`` cross-correlation
        (what deep-learning libraries call convolution).
    padding : {'same', 'valid', 'full'}
        ``full`` and ``valid`` as ``scipy.signal.convolve2d``; ``same`` is ``full`` cropped to the
        input size starting at index ``(k-1)//2`` on each axis (``k`` the dilated kernel size).
    boundary : {'reflect', 'zero', 'mirror', 'nearest', 'wrap'}
        How the input is extended for ``same`` and ``full``: ``reflect`` ``cba|abcd|dcb``,
        ``mirror`` ``dcb|abcd|cba``, ``nearest`` ``aaa|abcd|ddd``, ``wrap`` ``bcd|abcd|abc``,
        ``zero`` ``000|abcd|000``.
    stride : int or sequence of int
        Keep output samples ``0, s, 2s, ...`` on each axis (the skipped ones are never computed).
    dilation : int or sequence of int
        Spacing between kernel taps.
    method : {'auto', 'direct', 'separable', 'fft'}
        Algorithm; every method gives the same result to floating-point rounding. ``separable``
        runs a rank-``r`` kernel as ``r`` pairs of 1-D passes, ``fft`` multiplies spectra of the
        boundary-extended input; ``auto`` picks by kernel size and rank
        (:func:`convcli.methods.select_method` tells which).
    dtype : {None, numpy.float32, numpy.float64}
        Working and output precision; float32 by default.
    nan : {'error', 'zero', 'propagate'}
        What to do with NaN or Inf in ``x``.
    groups : int
        With a 4-D kernel ``K[out, in/groups, kh, kw]`` on channels-last ``(H, W, C_in)``: output
        ``(H', W', out)``, ``Z[i,j,k] = sum V[l, j+m, k+n] K[i,l,m,n]`` (spatially flipped for
        ``conv``), each group of output channels seeing only its group of input channels
        (see :mod:`convcli.multichannel`). A UsageError with any other kernel unless 1.

    Returns
    -------
    numpy.ndarray
        The result, float32 (or ``dtype``), channels last like ``x``.

    Raises
    ------
    UsageError
        A bad option (also a ``ValueError``).
    DataError
        Empty or non-finite data, or a kernel larger than the input with ``valid`` padding.

    Examples
    --------
    >>> import numpy as np
    >>> from convcli import convolve
    >>> convolve(np.arange(5.0), [1, 0, -1], padding="valid")
    array([2., 2., 2.], dtype=float32)
    """
    if (type(x) is np.ndarray and type(k) is np.ndarray and x.dtype == _F32 and x.ndim == 2 and k.ndim == 2
            and dtype is None and nan == "error" and groups == 1 and type(stride) is int and stride == 1
            and type(dilation) is int and dilation == 1 and x.size and x.flags.c_contiguous):
        out = _repeated_call(x, k, mode, padding, boundary, method)
        if out is not None:
            return out
    mode = check_choice("mode", mode, MODES)
    padding = check_choice("padding", padding, PADDINGS)
    boundary = check_choice("boundary", boundary, BOUNDARIES)
    check_choice("method", method, METHODS)
    dt = resolve_dtype(dtype)
    kern, c, chosen = _prepared_kernel(k, mode, method, dt)
    if type(x) is np.ndarray and x.dtype == dt and x.size:  # the common case, nothing to convert
        xa = x
    else:
        xa = np.asarray(x) if _keeps_integers(x, kern, groups) else as_float_array(x, "input", dt)  # issue 7
    if kern.ndim == 2 and xa.ndim == 1 and 1 in kern.shape:
        kern = kern.ravel()
        c, chosen = _correlation_kernel(kern, mode, method, dt)
    if kern.ndim == 4 or groups != 1:
        from convcli.multichannel import check_groups, convolve_multichannel

        check_groups(kern.shape, groups)
        return convolve_multichannel(check_finite(xa, "input", nan), kern, mode=mode, padding=padding,
                                     boundary=boundary, stride=stride, dilation=dilation, groups=groups, dtype=dt)
    if kern.ndim == 3:  # volumes (D, H, W[, C]): convcli.volume
        from convcli.volume import convolve3d

        return convolve3d(xa, kern, mode=mode, padding=padding, boundary=boundary, stride=stride,
                          dilation=dilation, method=method, dtype=dt, nan=nan)
    if kern.ndim not in (1, 2):
        raise UsageError(f"a {kern.ndim}-D kernel is not supported here (1-D or 2-D kernels)")
    spatial = kern.ndim
    if xa.ndim not in (spatial, spatial + 1):
        raise UsageError(
            f"a {spatial}-D kernel needs a {spatial}-D input or a {spatial}-D input with channels last; "
            f"got an input of shape {xa.shape}"
        )
    check_nan_policy(nan)
    strides = (1,) * spatial if type(stride) is int and stride == 1 else per_axis("stride", stride, spatial)
    dilations = (1,) * spatial if type(dilation) is int and dilation == 1 else per_axis("dilation", dilation, spatial)
    axes = axes_for(xa.shape[:spatial], kern.shape, strides, dilations, padding)
    code = BOUNDARY_CODES[boundary]
    if xa.dtype.kind == "u" and (spatial != 2 or chosen.method == "fft"):
        xa = as_float_array(xa, "input", dt)  # only the 2-D direct and separable paths read integers (issue 7)
    # The Numba direct and separable kernels count (or flag) non-finite outputs as they write them, in rows that
    # together read every input sample at unit stride and dilation (convcli/kernels/direct2d.py); NaN/Inf
    # always propagate through products and sums, so the input needs its own pass only when one is found.
    integers = (xa if xa is x else np.asarray(x)).dtype.kind in "biu"  # finite: no check at all
    watch = (not integers and nan == "error" and set(strides) == {1} and set(dilations) == {1}
             and _numba_counts(chosen, axes, c, xa if spatial == 2 else None))
    if not integers and not watch:
        xa = check_finite(xa, "input", nan)
    if spatial == 1:
        out, bad = _convolve1d(xa, c, axes[0], code, chosen, watch)
    else:
        out, bad = _convolve2d(xa, c, axes, code, chosen, watch)
    if bad:
        check_finite(xa, "input", nan)  # raises; when the input is finite, outputs overflowed
    return out


# Prepared kernels of recent calls, by content: a batch, a benchmark or a filter bank repeats them, and
# validating, flipping and planning a small kernel is ~0.1-0.3 ms of Python and NumPy calls right
# after a large convolution has pushed the interpreter's working set out of the caches (issue 7).
_PREPARED: dict = {}
_PREPARED_MAX = 32


def _prepared_kernel(k, mode: str, method: str, dt: np.dtype):
    """The validated float64 kernel and, for 1-D and 2-D kernels, its correlation form and plan."""
    key = None
    if isinstance(k, np.ndarray) and k.dtype.kind in "biuf" and 0 < k.size <= 4096:
        key = (k.dtype.str, k.shape, k.tobytes(), mode, method, dt.str)
        hit = _PREPARED.get(key)
        if hit is not None:
            return hit
    kern = check_finite(as_float_array(k, "kernel", np.float64), "kernel")
    if key is not None and np.may_share_memory(kern, k):
        kern = kern.copy()  # the cache must not see later changes to the caller's array
    c, chosen = _correlation_kernel(kern, mode, method, dt) if kern.ndim in (1, 2) else (None, None)
    if key is not None:
        _remember(_PREPARED, key, (kern, c, chosen), _PREPARED_MAX)
    return kern, c, chosen


def _remember(cache: dict, key, value, most: int) -> None:
    """``cache[key] = value``, dropping the oldest entry when there are ``most``."""
    if len(cache) >= most:
        try:
            del cache[next(iter(cache))]
        except (KeyError, RuntimeError, StopIteration):  # another thread (--jobs) changed it meanwhile
            pass
    cache[key] = value


def _correlation_kernel(kern: np.ndarray, mode: str, method: str, dt: np.dtype):
    """The kernel in correlation form, in the working precision, and the chosen method."""
    from convcli.methods import Plan, plan

    with np.errstate(over="ignore"):
        c = np.array(np.flip(kern) if mode == "conv" else kern, dtype=dt, order="C")  # always a copy
    if not np.isfinite(c).all():
        raise DataError(f"kernel values overflow {dt}; use dtype=float64 (--double)")
    chosen = plan(c, method)
    if chosen.method == "separable":  # fold symmetric factors: decided once, here, not per call
        cols, sym_cols = zip(*(_exactly_symmetric(f) for f in chosen.cols), strict=True)
        rows, sym_rows = zip(*(_exactly_symmetric(f) for f in chosen.rows), strict=True)
        chosen = Plan("separable", cols, rows, tuple(zip(sym_cols, sym_rows, strict=True)))
    return c, chosen


def _keeps_integers(x, kern: np.ndarray, groups: int) -> bool:
    """A uint8/uint16 image for a 2-D kernel is passed on as it is (issue 7, convcli.intdirect)."""
    from convcli.intdirect import reads_integers

    return kern.ndim == 2 and groups == 1 and reads_integers(x) and x.ndim in (2, 3)


def _numba_counts(chosen, axes, c, x=None) -> bool:
    """Whether the chosen method runs a Numba kernel that counts non-finite outputs (see convolve).

    The same tests as ``_direct_plane`` and ``_separable_plane`` (NumPy for small problems). Without
    ``x``, by size alone (a small direct problem counts as NumPy even when the loaded kernel would run
    it: the channels-last kernel call, chosen by this, must not depend on earlier calls).
    """
    from convcli import smalldirect

    shape = tuple(a.length for a in axes)
    if chosen.method == "direct":
        return not smalldirect.is_small(shape, c.shape) or (x is not None and _small_on_numba(c, x))
    if chosen.method == "separable":
        return not smalldirect.is_small(shape, (c.shape[0] + c.shape[1], 1))
    return False


def _convolve1d(x: np.ndarray, c: np.ndarray, ax: Axis, code: int, chosen, watch: bool = False):
    # each channel becomes a row of a 2-D problem whose vertical kernel size is 1
    rows = np.ascontiguousarray(x.reshape(1, -1) if x.ndim == 1 else x.T)
    bad = 0
    if chosen.method == "fft":
        from convcli.fftconv import fft_correlate

        out = fft_correlate(rows, c.reshape(1, -1), (Axis(rows.shape[0], 1), ax), BOUNDARIES[code])
    else:
        out = np.empty((rows.shape[0], ax.length), dtype=c.dtype)
        bad = _direct_plane(rows, c.reshape(1, -1), out, (Axis(rows.shape[0], 1), ax), code, watch)
    return (out[0] if x.ndim == 1 else np.ascontiguousarray(out.T)), bad


def _convolve2d(x: np.ndarray, c: np.ndarray, axes: tuple[Axis, ...], code: int, chosen, watch: bool = False):
    """The 2-D result and its number of non-finite samples (counted only with ``watch``)."""
    ay, ax = axes
    if x.ndim == 2:
        out = empty_output((ay.length, ax.length), c.dtype, x)
        return out, _plane2d(x, c, out, axes, code, chosen, watch)
    channels = x.shape[2]
    out = empty_output((ay.length, ax.length, channels), c.dtype, x)
    if ax.stride == 1 and _numba_counts(chosen, axes, c):
        # every channel in one kernel call: (H, W, C) read as (H, W*C) with the taps C samples apart (the
        # kernels extend the border columns pixel by pixel). Copying each channel into a plane and back
        # read and wrote the whole image once per channel: an RGB 2048x2048 3x3 took 2.4x OpenCV's time
        # (issue 7). The same sums in the same order as one plane at a time.
        h, w, nch = x.shape
        flat = np.ascontiguousarray(x).reshape(h, w * nch)
        return out, _plane2d(flat, c, out.reshape(out.shape[0], -1), axes, code, chosen, watch, nch)
    plane = empty_apart((ay.length, ax.length), c.dtype, x)  # the kernel reads a contiguous copy of x's plane
    bad = 0
    for ch in range(channels):
        bad += _plane2d(x[:, :, ch], c, plane, axes, code, chosen, watch)
        out[:, :, ch] = plane
    return out, bad


def _plane2d(x, c, out, axes, code, chosen, watch: bool = False, nch: int = 1) -> int:
    """One 2-D plane by the chosen method (``chosen`` is a :class:`convcli.methods.Plan`).

    Returns the number of non-finite outputs when ``watch`` (Numba direct and separable kernels), else 0.
    ``nch > 1``: ``x`` and ``out`` are channels-last images seen as ``(H, W*nch)``, ``axes`` in pixels,
    unit column stride, a Numba direct or separable problem (see ``_convolve2d``).
    """
    ay, ax = axes
    if chosen.method == "fft":
        from convcli.fftsplit import fft_correlate_split

        fft_correlate_split(x, c, axes, BOUNDARIES[code], out=out)
        return 0
    if chosen.method == "direct":
        return _direct_plane(x, c, out, axes, code, watch, nch)
    # separable: columns then rows for each rank-1 term
    term = None
    bad = 0
    for i, (col, row) in enumerate(zip(chosen.cols, chosen.rows, strict=True)):
        dst = out
        if i > 0:
            if term is None:
                term = np.empty_like(out)
            dst = term
        bad += _separable_plane(x, col, row, dst, axes, code, watch,
                                chosen.symmetric[i] if chosen.symmetric else None, nch)
        if i > 0:
            out += dst
    return bad


def _separable_plane(x, col, row, out, axes, code, watch: bool = False, symmetric=None, nch: int = 1) -> int:
    """One rank-1 term: NumPy for small problems, else the fused Numba kernel.

    With ``watch`` (Numba only), returns the number of non-finite outputs of this term; else 0.
    ``symmetric`` is ``(col, row)`` equal to their reverse, when already known (see ``Plan``).
    """
    from convcli import smalldirect

    ay, ax = axes
    if nch == 1 and smalldirect.is_small(out.shape, (col.size + row.size, 1)):
        tmp = np.empty((x.shape[0], ax.length), dtype=out.dtype)
        _direct_plane(x, row.reshape(1, -1), tmp, (Axis(x.shape[0], 1), ax), code)
        _direct_plane(tmp, col.reshape(-1, 1), out, (ay, Axis(ax.length, 1)), code)
        return 0
    from convcli.kernels.separable import correlate_separable
    from convcli.threads import block_count

    (oh, ow), width = out.shape, x.shape[1]
    if symmetric is None:
        col, sym_col = _exactly_symmetric(col)
        row, sym_row = _exactly_symmetric(row)
    else:
        sym_col, sym_row = symmetric
    ox, dx, span = _row_buffer(ax, ow, width, row.size, nch)
    col2, row2, zrow = col.reshape(-1, 1), row.reshape(1, -1), np.zeros(width, dtype=out.dtype)

    def run(src: np.ndarray, dst: np.ndarray, oy: int, counts: np.ndarray) -> None:
        blocks = block_count(dst.shape[0])
        buf = empty_apart((blocks, 2, span), out.dtype, src)  # 4K aliasing (see empty_apart)
        hbuf = np.empty((blocks, (ow - 1) * ax.stride + 1 if ax.stride > 1 else 1), dtype=out.dtype)
        correlate_separable(src, col2, row2, dst, buf, hbuf, zrow, oy, ox, ay.stride, ax.stride, ay.dilation, dx,
                            code, nch, blocks, sym_col, sym_row, counts)

    if x.dtype.kind == "u":  # uint8/uint16, read row band by row band (never checked: integers are finite)
        from convcli.intdirect import by_bands

        none = np.empty(0, dtype=np.int64)
        if by_bands(x, out, col.size, ay.offset, ay.stride, ay.dilation, code, out.dtype,
                    lambda band, rows_out: run(band, rows_out, 0, none)):
            release_loader_memory(correlate_separable)
            return 0
        x = x.astype(out.dtype)
    counts = np.empty(block_count(oh) if watch else 0, dtype=np.int64)  # the kernel writes every entry
    run(np.ascontiguousarray(x), out, ay.offset, counts)
    release_loader_memory(correlate_separable)
    return sum(counts.tolist())  # cheaper than a NumPy reduction right after a large kernel


def _row_buffer(ax: Axis, ow: int, width: int, kw: int, nch: int = 1) -> tuple[int, int, int]:
    """The separable kernel's column offset and dilation in samples, and the length of its
    boundary-extended row of vertical results (one per thread and block; see the kernel's doc)."""
    ox, dx = ax.offset * nch, ax.dilation * nch
    last = ox + (ow - 1) * ax.stride + (kw - 1) * dx
    return ox, dx, max(last, width - 1) - min(ox, 0) + 1


def _exactly_symmetric(f: np.ndarray) -> tuple[np.ndarray, bool]:
    """``f`` made exactly equal to its reverse when it is to a few units of rounding, and whether it is.

    The separable kernel then folds the taps pairwise (half the multiplications). The change is at
    most 4 eps of the largest weight, far inside the rounding of the sums themselves.
    """
    rev = f[::-1]
    if np.array_equal(f, rev):
        return f, True
    f64 = f.astype(np.float64)
    if np.abs(f64 - rev).max() > 4 * np.finfo(f.dtype).eps * np.abs(f64).max():
        return f, False
    return ((f64 + f64[::-1]) / 2).astype(f.dtype), True


def _direct_plane(x, c, out, axes, code, watch: bool = False, nch: int = 1) -> int:
    """The direct method on one plane: NumPy for small problems (no JIT start-up) until this process
    has the Numba kernel loaded, else Numba (the same bits either way, see ``convcli.smalldirect``).

    With ``watch`` (Numba only), returns the number of non-finite outputs; else 0.
    """
    from convcli import smalldirect

    small = nch == 1 and smalldirect.is_small(out.shape, c.shape)
    if x.dtype.kind == "u" and (out.shape[0] < 8 or small):
        x = x.astype(c.dtype)  # issue 7: small problems and single rows convert (cheap) and go on as floats
    if small and not watch and not _small_on_numba(c, x):  # watch: the caller found the kernel loaded
        smalldirect.correlate2d(x, c, out, axes, BOUNDARIES[code])
        return 0
    ay, ax = axes
    if x.dtype.kind == "u":  # uint8/uint16, read row band by row band (issue 7)
        from convcli.intdirect import correlate2d_integer

        if correlate2d_integer(x, c, out, (ay.offset, ax.offset * nch), (ay.stride, ax.stride),
                               (ay.dilation, ax.dilation * nch), code, nch):
            return 0
        x = x.astype(c.dtype)
    return _direct2d(np.ascontiguousarray(x), c, out, (ay.offset, ax.offset * nch), (ay.stride, ax.stride),
                     (ay.dilation, ax.dilation * nch), code, watch, nch)


# Small problems run in NumPy (convcli.smalldirect) so that a short process never loads Numba; once the
# direct kernel is loaded it is the faster path at every size, with the same bits (small calls run on
# one thread in one block, convcli.threads). Medians, convolve(method="direct") by either path with
# the kernel loaded, 2026-11-28: 8x8 3x3 121 us (NumPy) against 27 (kernel), 32x32 7x7 324 against 35,
# a 1x1000 5-tap row 53 against 24, 256x256 3x3 313 against 72, 512x512 7x7 4.6 ms against 0.42.


def _small_on_numba(c: np.ndarray, x: np.ndarray) -> bool:
    """Whether a small direct problem (``smalldirect.is_small``) runs on the Numba kernel: when this
    process has it compiled for these arrays (a call then compiles and loads nothing). ``x`` is the
    input plane, or the whole channels-last input."""
    import sys

    module = sys.modules.get("convcli.kernels.direct2d")
    if module is None:
        return False
    # the arrays as _direct2d passes them: x C-contiguous (a copy, writable, unless it already is),
    # the output a fresh C-contiguous array
    plane = x.ndim == 2 and x.flags.c_contiguous and x.dtype == c.dtype
    key = (c.dtype.char, c.flags.c_contiguous, c.flags.f_contiguous, c.flags.writeable, c.flags.aligned, plane,
           plane and x.flags.writeable, plane and x.flags.aligned)  # what decides the types below
    if key in _LOADED:
        return True
    from numba import typeof, types

    head = (typeof(x) if plane else types.Array(typeof(c).dtype, 2, "C"), typeof(c),
            types.Array(typeof(c).dtype, 2, "C"))
    if any(sig[:3] == head for sig in list(module.correlate2d.overloads)):
        _LOADED.add(key)  # a loaded kernel stays loaded
        return True
    return False


_LOADED: set = set()  # _small_on_numba's answers that were yes (building Numba's types costs ~20 us a call)


def _direct2d(x, c, out, offsets, strides, dilations, code, watch: bool = False, nch: int = 1) -> int:
    from convcli.kernels.direct2d import correlate2d
    from convcli.threads import direct_blocks

    row_blocks, col_blocks = direct_blocks(*out.shape, out.size * c.size)
    counts = np.empty(row_blocks * col_blocks if watch else 0, dtype=np.int64)  # the kernel writes every entry
    with threads_for(out.size * c.size):
        correlate2d(x, c, out, offsets[0], offsets[1], strides[0], strides[1], dilations[0], dilations[1],
                    code, nch, row_blocks, col_blocks, counts)
    release_loader_memory(correlate2d)
    return sum(counts.tolist())  # cheaper than a NumPy reduction right after a large kernel


# Repeated calls on the same geometry (batches, video frames, filter banks, benchmarks): right after a
# large convolution the interpreter runs from cold caches, and validating options, preparing the kernel,
# computing the geometry and choosing the kernel's arguments took ~0.1-0.3 ms per call (issue 7). For a
# C-contiguous 2-D float32 input at unit stride and dilation with nan="error", the arguments of the
# Numba kernel call are remembered per input shape, kernel content and options.
_F32 = np.dtype(np.float32)
_CALLS: dict = {}
_CALLS_MAX = 32


def _repeated_call(x: np.ndarray, k: np.ndarray, mode, padding, boundary, method) -> np.ndarray | None:
    """The result by a remembered Numba kernel call, or None when this call takes the general path."""
    if k.dtype.kind not in "biuf" or not 0 < k.size <= 4096:
        return None
    key = (x.shape, k.shape, k.dtype.char, k.tobytes(), mode, padding, boundary, method)
    try:
        run = _CALLS.get(key)
    except TypeError:  # an unhashable option: the general path says what is wrong with it
        return None
    if run is None:
        run = _plan_call(x.shape, k, mode, padding, boundary, method)
        _remember(_CALLS, key, run, _CALLS_MAX)
    return run(x) if run else None


def _plan_call(shape, k, mode, padding, boundary, method):
    """The kernel call for an input of ``shape`` as a function of the input, or False (general path)."""
    from functools import partial

    from convcli import smalldirect

    check_choice("mode", mode, MODES)
    check_choice("padding", padding, PADDINGS)
    check_choice("boundary", boundary, BOUNDARIES)
    check_choice("method", method, METHODS)
    _, c, chosen = _prepared_kernel(k, mode, method, _F32)
    ay, ax = axes_for(shape, c.shape, (1, 1), (1, 1), padding)
    out_shape, code = (ay.length, ax.length), BOUNDARY_CODES[boundary]
    if chosen.method == "direct" and not smalldirect.is_small(out_shape, c.shape):
        from convcli.kernels.direct2d import correlate2d
        from convcli.threads import direct_blocks

        return partial(_run_direct, correlate2d, c, out_shape, ay.offset, ax.offset, code, *direct_blocks(*out_shape))
    if chosen.method == "direct":
        return partial(_run_small_direct, c, out_shape, (ay, ax), code)
    if (chosen.method == "separable" and len(chosen.cols) == 1 and chosen.symmetric
            and not smalldirect.is_small(out_shape, (c.shape[0] + c.shape[1], 1))):
        from convcli.kernels.separable import correlate_separable
        from convcli.threads import block_count

        col, row, width = chosen.cols[0], chosen.rows[0], shape[1]
        blocks = block_count(out_shape[0])
        buf_shape = (blocks, 2, _row_buffer(ax, out_shape[1], width, row.size)[2])
        return partial(_run_separable, correlate_separable, col.reshape(-1, 1), row.reshape(1, -1), out_shape,
                       buf_shape, np.zeros(width, _F32), ay.offset, ax.offset, code, blocks, *chosen.symmetric[0])
    return False


def _run_direct(kernel, c, shape, oy, ox, code, row_blocks, col_blocks, x):
    # as _direct2d, watching for NaN/Inf
    out = empty_output(shape, _F32, x)
    counts = np.empty(row_blocks * col_blocks, np.int64)
    with threads_for(out.size * c.size):
        kernel(x, c, out, oy, ox, 1, 1, 1, 1, code, 1, row_blocks, col_blocks, counts)
    release_loader_memory(kernel)
    if any(counts.tolist()):
        check_finite(x, "input")  # raises; when the input is finite, outputs overflowed
    return out


def _run_small_direct(c, shape, axes, code, x):
    # a small problem: the loaded kernel watching for NaN/Inf, or NumPy after a check (same bits)
    out = empty_output(shape, _F32, x)
    watch = _small_on_numba(c, x)
    if not watch:
        check_finite(x, "input")
    if _direct_plane(x, c, out, axes, code, watch):
        check_finite(x, "input")  # raises; when the input is finite, outputs overflowed
    return out


def _run_separable(kernel, col2, row2, shape, buf_shape, zrow, oy, ox, code, blocks, sym_col, sym_row, x):
    # as _separable_plane, watching for NaN/Inf (zrow is only read)
    out = empty_output(shape, _F32, x)
    buf = empty_apart(buf_shape, _F32, x)
    counts = np.empty(blocks, np.int64)
    kernel(x, col2, row2, out, buf, np.empty((blocks, 1), _F32), zrow, oy, ox, 1, 1, 1, 1, code, 1, blocks,
           sym_col, sym_row, counts)
    release_loader_memory(kernel)
    if any(counts.tolist()):
        check_finite(x, "input")
    return out
