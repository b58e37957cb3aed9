"""Convolution in the frequency domain: one image, one kernel or a bank of same-sized kernels.

The input is extended by the boundary rule over exactly the region the output reads, then the
valid correlation with the (dilated) kernel is computed by real FFTs of a fast length; the image
transform is reused across a bank of kernels, and kernels are spread over threads (NumPy's FFT
releases the GIL; each output is computed whole by one thread, so results do not depend on the
thread count). Results equal the direct method's to floating-point rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from convcli.conventions import Axis
from convcli.extend import extend_axis


def next_fast_len(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n (fast sizes for pocketfft)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def _region(x: np.ndarray, axes: Sequence[Axis], kshape: Sequence[int], boundary: str) -> np.ndarray:
    """The boundary-extended input that the output reads (correlation form)."""
    out = x
    for axis, (ax, k) in enumerate(zip(axes, kshape, strict=True)):
        span = (ax.length - 1) * ax.stride + (k - 1) * ax.dilation + 1
        if ax.offset != 0 or span != out.shape[axis]:
            out = extend_axis(out, ax.offset, span, axis, boundary)
    return out


def _dilate(c: np.ndarray, dilations: Sequence[int]) -> np.ndarray:
    if all(d == 1 for d in dilations):
        return c
    shape = [d * (s - 1) + 1 for d, s in zip(dilations, c.shape, strict=True)]
    out = np.zeros(shape, dtype=c.dtype)
    out[tuple(slice(None, None, d) for d in dilations)] = c
    return out


def fft_correlate_bank(
    x: np.ndarray,
    kernels: np.ndarray,
    axes: Sequence[Axis],
    boundary: str,
    *,
    workers: int = 2,
) -> np.ndarray:
    """Correlate a 2-D plane with each kernel of a bank ``(n, kh, kw)``; returns ``(n, oh, ow)``.

    ``axes`` is the geometry (see :mod:`convcli.conventions`) of the output; kernels are in
    correlation form (flip them first for true convolution).
    """
    kernels = np.asarray(kernels)
    dtype = x.dtype
    region = _region(x, axes, kernels.shape[1:], boundary)
    dil = [ax.dilation for ax in axes]
    ke = [d * (s - 1) + 1 for d, s in zip(dil, kernels.shape[1:], strict=True)]
    shape = tuple(next_fast_len(n) for n in region.shape)
    spectrum = np.fft.rfft2(region, s=shape)
    valid = tuple(r - e + 1 for r, e in zip(region.shape, ke, strict=True))
    picks = tuple(slice(0, v, ax.stride) for v, ax in zip(valid, axes, strict=True))
    out = np.empty((kernels.shape[0], axes[0].length, axes[1].length), dtype=dtype)

    def one(i: int) -> None:
        kspec = np.fft.rfft2(_dilate(kernels[i].astype(dtype, copy=False), dil), s=shape)
        out[i] = np.fft.irfft2(spectrum * np.conj(kspec), s=shape)[picks]

    if workers > 1 and kernels.shape[0] > 1:
        with ThreadPoolExecutor(min(workers, kernels.shape[0])) as pool:
            list(pool.map(one, range(kernels.shape[0])))
    else:
        for i in range(kernels.shape[0]):
            one(i)
    return out


def fft_correlate(x: np.ndarray, c: np.ndarray, axes: Sequence[Axis], boundary: str) -> np.ndarray:
    """Correlate a 2-D plane with one kernel (correlation form); see :func:`fft_correlate_bank`."""
    return fft_correlate_bank(x, c[None], axes, boundary, workers=1)[0]


def fft_correlate_pairs(
    x: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    axes: Sequence[Axis],
    boundary: str,
    sink,
    *,
    workers: int = 2,
) -> None:
    """Correlate a 2-D plane with pairs of real kernels ``(n, kh, kw)``, one complex FFT per pair.

    Pair ``i`` is the complex kernel ``h = first[i] + 1j*second[i]``; since ``x`` is real,
    ``corr(x, h) = corr(x, first[i]) + 1j*corr(x, second[i])``, so one inverse transform gives both
    responses (e.g. a Gabor quadrature pair). The image is transformed once; kernel transforms only
    touch the kernel's own rows before the column pass. ``sink(i, re, im)`` receives each pair's two
    ``(oh, ow)`` responses (called from worker threads, one pair at a time per thread).
    """
    dtype = x.dtype
    cdtype = np.result_type(dtype, np.complex64)
    kh, kw = first.shape[1:]
    region = _region(x, axes, (kh, kw), boundary)
    dil = [ax.dilation for ax in axes]
    ke = [d * (s - 1) + 1 for d, s in zip(dil, (kh, kw), strict=True)]
    shape = tuple(next_fast_len(n) for n in region.shape)
    spectrum = np.fft.fft2(region.astype(cdtype), s=shape)
    valid = tuple(r - e + 1 for r, e in zip(region.shape, ke, strict=True))
    picks = tuple(slice(0, v, ax.stride) for v, ax in zip(valid, axes, strict=True))

    def one(i: int) -> None:
        # conj(FFT(conj(h))) is the transform that turns circular correlation into a product
        h = _dilate((first[i] - 1j * second[i]).astype(cdtype), dil)
        kspec = np.fft.fft(np.fft.fft(h, n=shape[1], axis=1), n=shape[0], axis=0)
        np.conjugate(kspec, out=kspec)
        kspec *= spectrum
        out = np.fft.ifft2(kspec)[picks]
        sink(i, out.real, out.imag)

    n = first.shape[0]
    if workers > 1 and n > 1:
        with ThreadPoolExecutor(min(workers, n)) as pool:
            list(pool.map(one, range(n)))
    else:
        for i in range(n):
            one(i)
