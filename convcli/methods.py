"""Choosing the convolution algorithm: direct, separable (sum of rank-1 passes) or FFT.

``auto`` compares rough per-output-sample costs (in multiply-adds of the direct kernel):

- direct: ``kh*kw`` taps, plus a fixed cost per pass over the output;
- separable: ``r*(kh + kw)`` taps for a kernel of numerical rank ``r`` (singular values above
  ``rank_tolerance``), plus two passes and a temporary per term;
- FFT: about constant per sample (``FFT_COST``); it is chosen for a 2-D kernel of at least
  ``FFT_MIN_TAPS`` taps (``FFT_MIN_TAPS_1D`` for a 1-D one) unless a separable sum is cheaper.

The constants were measured with ``python -m benchmarks.bench_methods`` (float32 2048x2048,
random dense kernels, reflect boundary, medians of interleaved runs) on the project's 2-core AMD
EPYC (AVX-512) machine, shared (load average 3.3-4).
2026-11-27 21:48-21:50 UTC, two runs, with the tiled Numba FFT (``convcli/fftsplit.py``):
FFT/direct time 2.26-2.58 at 7x7, 1.05-1.10 at 11x11, 0.90 at 12x12, 0.68-0.82 at 13x13,
0.51-0.58 at 15x15, 0.23-0.28 at 21x21, 0.19 at 25x25, 0.11 at 31x31, so FFT starts at 144 taps
(12x12) and costs about 170-230 direct taps per sample (``FFT_COST`` 200); separable
(rank-1)/direct time 0.69-0.78 at 7x7, 0.52-0.56 at 9x9, 0.35 at 11x11, 0.25-0.27 at 13x13,
0.23-0.24 at 15x15, i.e. a rank-1 term costs about as much as 55-66 direct taps beyond its
``kh + kw`` (``SEPARABLE_TERM_COST`` 60).
Earlier (same day, NumPy's pocketfft on two halves): FFT/direct 2.28 at 15x15, 1.29 at 21x21,
0.70 at 25x25, 0.44 at 31x31 (FFT from 500 taps); separable (rank-1)/direct 1.18 at 7x7 and 9x9,
0.76 at 11x11, 0.37 at 13x13 (term cost 100). 1-D kernels keep the FFT from 500 taps (one direct
pass each; not re-measured).
Every method gives the same result as ``direct`` to floating-point rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("auto", "direct", "separable", "fft")

FFT_MIN_TAPS = 144  # 2-D kernels: direct below, FFT from here (see the module doc)
FFT_MIN_TAPS_1D = 500  # 1-D kernels (one direct pass)
FFT_COST = 200  # the FFT's time per output sample, in direct taps
PASS_COST = 6  # fixed cost of one pass over the output, in taps
SEPARABLE_TERM_COST = 60  # two passes over the whole image and a temporary, per rank-1 term


@dataclass(frozen=True)
class Plan:
    """The chosen algorithm and, for ``separable``, the factors ``cols[i] (kh,)`` x ``rows[i] (kw,)``.

    ``symmetric[i]``, when given, says whether ``cols[i]`` and ``rows[i]`` equal their reverse exactly
    (the separable kernel then folds their taps); empty means not yet known.
    """

    method: str
    cols: tuple = ()
    rows: tuple = ()
    symmetric: tuple = ()


def rank_tolerance(dtype) -> float:
    """Relative singular value below which a kernel term is dropped (a few units of rounding)."""
    return 4 * float(np.finfo(np.dtype(dtype)).eps)


def separable_factors(c: np.ndarray, dtype=np.float32) -> tuple[tuple, tuple]:
    """Rank-``r`` factorisation of a 2-D kernel: ``c ~= sum_i outer(cols[i], rows[i])``."""
    c64 = np.asarray(c, dtype=np.float64)
    one = _rank1_factors(c64, dtype)
    if one is not None:
        return one
    u, s, vt = np.linalg.svd(c64, full_matrices=False)
    if s[0] == 0:
        return (np.zeros(c.shape[0], dtype),), (np.zeros(c.shape[1], dtype),)
    r = max(1, int(np.count_nonzero(s > rank_tolerance(dtype) * s[0])))
    root = np.sqrt(s[:r])
    cols = tuple(np.ascontiguousarray(u[:, i] * root[i], dtype=dtype) for i in range(r))
    rows = tuple(np.ascontiguousarray(vt[i] * root[i], dtype=dtype) for i in range(r))
    return cols, rows


def _rank1_factors(c64: np.ndarray, dtype) -> tuple[tuple, tuple] | None:
    """A column and a row of ``c`` through its largest entry, when their outer product is ``c``
    within the rank tolerance; else None.

    The SVD would find the same rank: its second singular value is at most this residual ``res``
    and its first at least ``sqrt(|c|^2 - res^2)`` (Frobenius norms). This takes microseconds where
    LAPACK's SVD of a 49x49 kernel took 0.3 ms alone and up to 100 ms with OpenBLAS threads on a
    busy 2-core machine (measured 2026-11-27).
    """
    i, j = np.unravel_index(int(np.argmax(np.abs(c64))), c64.shape)
    pivot = c64[i, j]
    if pivot == 0:
        return None
    col, row = c64[:, j], c64[i, :] / pivot
    res = float(np.sqrt(np.sum((c64 - np.outer(col, row)) ** 2)))
    total = float(np.sum(c64**2))
    if res > rank_tolerance(dtype) * np.sqrt(max(total - res * res, 0.0)):
        return None
    return (np.ascontiguousarray(col, dtype=dtype),), (np.ascontiguousarray(row, dtype=dtype),)


def plan(c: np.ndarray, method: str = "auto") -> Plan:
    """Choose the algorithm for the 1-D or 2-D correlation kernel ``c`` (see the module doc)."""
    taps = c.size
    if c.ndim == 1 or 1 in c.shape:  # a 1-D kernel is already separable: direct is one pass
        if method == "fft" or (method == "auto" and taps >= FFT_MIN_TAPS_1D):
            return Plan("fft")
        return Plan("direct")
    if method == "direct":
        return Plan("direct")
    if method == "fft":
        return Plan("fft")
    kh, kw = c.shape
    direct = taps + PASS_COST * -(-kh // 3) * -(-kw // 3)
    term, limit = kh + kw + SEPARABLE_TERM_COST, min(direct, FFT_COST)
    if method == "auto" and 2 * term >= limit:
        # at most a rank-1 kernel can be cheaper separated: no SVD (LAPACK's call, and OpenBLAS's
        # threads spinning after it, cost more than a 7x7 convolution at 2048^2 on 2 busy cores)
        one = _rank1_factors(np.asarray(c, dtype=np.float64), c.dtype) if term < limit else None
        if one is not None:
            return Plan("separable", *one)
        return Plan("fft") if taps >= FFT_MIN_TAPS else Plan("direct")
    cols, rows = separable_factors(c, c.dtype)
    if method == "separable":
        return Plan("separable", cols, rows)
    separable = len(cols) * (kh + kw + SEPARABLE_TERM_COST)
    if separable < direct and separable < FFT_COST:
        return Plan("separable", cols, rows)
    if taps >= FFT_MIN_TAPS:
        return Plan("fft")
    return Plan("direct")


def select_method(k, *, mode: str = "conv", method: str = "auto", dtype=None) -> str:
    """The algorithm ``convolve(x, k, method=method, ...)`` uses: 'direct', 'separable' or 'fft'.

    The choice depends only on the kernel (its size and numerical rank), not on the input.

    Examples
    --------
    >>> from convcli.methods import select_method
    >>> select_method([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    'direct'
    >>> select_method(np.ones((9, 9)))
    'separable'
    """
    from convcli.arrays import as_float_array, check_finite, resolve_dtype
    from convcli.conventions import MODES, check_choice

    check_choice("mode", mode, MODES)
    check_choice("method", method, METHODS)
    kern = check_finite(as_float_array(k, "kernel", np.float64), "kernel")
    c = np.flip(kern) if mode == "conv" else kern
    return plan(np.asarray(c, dtype=resolve_dtype(dtype)), method).method
