"""3-D convolution of volumes ``(D, H, W)`` and channels-last ``(D, H, W, C)``; per-frame 2-D filtering.

:func:`convcli.convolve` hands every 3-D kernel to :func:`convolve3d`. A rank-1 kernel (the outer
product of its three axis profiles, e.g. a 3-D Gaussian or box) is applied as three 1-D passes,
``kd + kh + kw`` instead of ``kd * kh * kw`` multiply-adds per sample; both methods follow the same
geometry and give the same result to floating-point rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convcli.arrays import as_float_array, check_finite, empty_output, resolve_dtype
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
from convcli.errors import UsageError

SEPARABLE_TOL = 1e-9  # relative to the kernel's largest magnitude


def separable_factors(kernel: np.ndarray, tol: float = SEPARABLE_TOL) -> tuple[np.ndarray, ...] | None:
    """The three 1-D factors ``(fd, fh, fw)`` of a rank-1 3-D kernel, or None.

    The factors are the kernel's profiles through its largest-magnitude sample, scaled so that
    ``fd[:, None, None] * fh[None, :, None] * fw[None, None, :]`` reproduces the kernel; the kernel
    counts as separable only when that product equals it to ``tol`` times its largest magnitude.
    """
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 3:
        return None
    peak = np.unravel_index(int(np.argmax(np.abs(k))), k.shape)
    top = k[peak]
    if top == 0:
        return None
    b, a, t = peak
    fd = k[:, a, t] / top
    fh = k[b, :, t] / top
    fw = k[b, a, :].copy()
    product = fd[:, None, None] * fh[None, :, None] * fw[None, None, :]
    if np.max(np.abs(product - k)) > tol * abs(top):
        return None
    return fd, fh, fw


def convolve3d(
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
) -> np.ndarray:
    """Convolve a volume ``(D, H, W)`` (or each channel of ``(D, H, W, C)``) with a 3-D kernel.

    Same options and conventions as :func:`convcli.convolve` (which calls this for 3-D kernels);
    ``stride`` and ``dilation`` take 1 or 3 values (depth, rows, columns). ``method='auto'`` uses
    three 1-D passes when the kernel is separable (see :func:`separable_factors`), ``'direct'``
    always the full 3-D loop.

    Returns
    -------
    numpy.ndarray
        float32 (or ``dtype``), ``(D', H', W')`` or ``(D', H', W', C)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convcli import convolve
    >>> convolve(np.ones((4, 5, 6)), np.ones((3, 3, 3)) / 27).shape
    (4, 5, 6)
    """
    mode = check_choice("mode", mode, MODES)
    padding = check_choice("padding", padding, PADDINGS)
    boundary = check_choice("boundary", boundary, BOUNDARIES)
    method = check_choice("method", method, ("auto", "direct", "separable"))
    dt = resolve_dtype(dtype)
    kern = check_finite(as_float_array(k, "kernel", np.float64), "kernel")
    if kern.ndim != 3:
        raise UsageError(f"a 3-D kernel is needed here; got shape {kern.shape}")
    xa = as_float_array(x, "input", dt)
    if xa.ndim not in (3, 4):
        raise UsageError(f"a 3-D kernel needs a volume (D, H, W) or (D, H, W, C); got an input of shape {xa.shape}")
    xa = check_finite(xa, "input", nan)
    axes = axes_for(xa.shape[:3], kern.shape, per_axis("stride", stride, 3), per_axis("dilation", dilation, 3),
                    padding)
    c = np.flip(kern) if mode == "conv" else kern
    factors = None if method == "direct" else separable_factors(c)
    if method == "separable" and factors is None:
        raise UsageError("method='separable' needs a rank-1 kernel (an outer product of three 1-D profiles)")
    if method == "auto" and factors is not None and not _separable_pays(c.shape):
        factors = None
    code = BOUNDARY_CODES[boundary]
    cd = np.ascontiguousarray(c, dtype=dt)
    fs = None if factors is None else [np.ascontiguousarray(f, dtype=dt) for f in factors]

    def one(src: np.ndarray) -> np.ndarray:
        src = np.ascontiguousarray(src)
        return _run(src, cd, axes, code) if fs is None else _separable(src, fs, axes, code)

    if xa.ndim == 3:
        return one(xa)
    out = np.empty(tuple(a.length for a in axes) + xa.shape[3:], dtype=dt)
    for ch in range(xa.shape[3]):
        out[..., ch] = one(xa[..., ch])
    return out


def chosen_method(kernel: np.ndarray, method: str = "auto") -> str:
    """``'separable'`` or ``'direct'``: what :func:`convolve3d` does with this 3-D kernel."""
    if method == "direct" or np.ndim(kernel) != 3:
        return "direct"
    if method == "separable":
        return "separable"
    k = np.asarray(kernel)
    return "separable" if separable_factors(k) is not None and _separable_pays(k.shape) else "direct"


def _separable_pays(shape: tuple[int, ...]) -> bool:
    # three passes read and write the volume three times; below ~2 taps per pass saved, direct wins
    kd, kh, kw = shape
    return kd * kh * kw >= 2 * (kd + kh + kw)


def _separable(x: np.ndarray, factors: list[np.ndarray], axes: tuple[Axis, ...], code: int) -> np.ndarray:
    """Columns, then rows, then planes; each pass uses its axis's geometry and the identity elsewhere."""
    fd, fh, fw = factors
    az, ay, ax = axes

    def ident(n: int) -> Axis:
        return Axis(n, 1, padding="same")

    cur = x
    for c, geometry in (
        (fw.reshape(1, 1, -1), (ident(x.shape[0]), ident(x.shape[1]), ax)),
        (fh.reshape(1, -1, 1), (ident(x.shape[0]), ay, ident(ax.length))),
        (fd.reshape(-1, 1, 1), (az, ident(ay.length), ident(ax.length))),
    ):
        if c.size == 1 and c.ravel()[0] == 1.0 and all(g.stride == 1 and g.length == g.n for g in geometry):
            continue
        cur = _run(cur, np.ascontiguousarray(c), geometry, code)
    return cur


_RUN_SAMPLES = 4096  # output samples per flat run: long enough to vectorise, short enough for L1


def _run(x: np.ndarray, c: np.ndarray, axes: tuple[Axis, ...], code: int) -> np.ndarray:
    """One 3-D correlation into a new array (see :mod:`convcli.kernels.direct3d`); the rows of a
    plane are split into blocks of about ``_RUN_SAMPLES`` output samples."""
    from convcli.kernels.direct3d import correlate3d
    from convcli.threads import block_count

    az, ay, ax = axes
    od, oh, ow = az.length, ay.length, ax.length
    out = empty_output((od, oh, ow), c.dtype, x)
    row_blocks = -(-block_count(od * oh) // od)
    if ay.stride == 1 and ax.stride == 1:
        ws = ow + (ax.k - 1) * ax.dilation
        row_blocks = max(row_blocks, -(-oh * ws // _RUN_SAMPLES))
    correlate3d(np.ascontiguousarray(x), c, out, az.offset, ay.offset, ax.offset, az.stride, ay.stride,
                ax.stride, az.dilation, ay.dilation, ax.dilation, code, max(1, min(oh, row_blocks)))
    return out


def map_frames(func, frames) -> np.ndarray:
    """Apply a 2-D operation to every frame of a stack and stack the results: ``func(frames[i])``
    for ``i`` in order, each result the same shape (how per-frame commands accept volumes)."""
    xa = np.asarray(frames)
    if xa.ndim not in (3, 4):
        raise UsageError(f"a stack is (D, H, W) or (D, H, W, C); got shape {xa.shape}")
    first = np.asarray(func(xa[0]))
    out = np.empty((xa.shape[0],) + first.shape, dtype=first.dtype)
    out[0] = first
    for i in range(1, xa.shape[0]):
        out[i] = func(xa[i])
    return out


def convolve_frames(x, k, **options) -> np.ndarray:
    """Filter each frame of a stack ``(D, H, W)`` / ``(D, H, W, C)`` alone with a 2-D kernel.

    ``options`` are those of :func:`convcli.convolve` (stride and dilation per frame axis).
    The result is exactly the per-frame loop ``stack([convolve(frame, k) for frame in x])``.
    """
    from convcli.convolve import convolve

    return map_frames(lambda frame: convolve(frame, k, **options), x)
