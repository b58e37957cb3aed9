"""The separable path for isotropic (and axis-aligned) Gabor pairs.

With ``beta_x == beta_y = beta`` and the centre at the kernel's middle, the complex kernel
``alpha * exp(-beta (x^2 + y^2)) * exp(i (f x' + phi))`` is ``alpha e^{i phi} u(y) v(x)`` with
``v(x) = exp(-beta x^2) exp(i f cos(tau) x)`` and ``u(y) = exp(-beta y^2) exp(i f sin(tau) y)``
(the envelope is rotation invariant and ``x'`` is linear). Its real part is the even kernel and
minus its imaginary part the odd (phase + 90 degrees) one. A complex row pass then a complex column
pass is six real 1-D correlations of ``K`` taps instead of ``2 K^2`` taps, done by the direct kernel;
boundary rules act per axis, so this equals the 2-D correlation with the boundary-extended image.
An anisotropic envelope is separable too when theta is a multiple of 90 degrees.
"""

from __future__ import annotations

import math

import numpy as np

from convcli.conventions import BOUNDARY_CODES, axes_for


def _correlate(x: np.ndarray, c: np.ndarray, boundary: str, out: np.ndarray | None = None) -> np.ndarray:
    from convcli.kernels.direct2d import correlate2d
    from convcli.threads import block_count

    ay, ax = axes_for(x.shape, c.shape, (1, 1), (1, 1), "same")
    if out is None:
        out = np.empty((ay.length, ax.length), dtype=x.dtype)
    correlate2d(x, c, out, ay.offset, ax.offset, 1, 1, 1, 1, BOUNDARY_CODES[boundary], 1, block_count(ay.length), 1,
                np.empty(0, np.int64))
    return out


def axis_cos_sin(tau: float) -> tuple[float, float]:
    """``cos`` and ``sin`` of ``tau`` with values within 1e-12 of 0 made exactly 0 (cos(pi/2) is 6e-17)."""
    c, s = math.cos(tau), math.sin(tau)
    return (0.0 if abs(c) < 1e-12 else c), (0.0 if abs(s) < 1e-12 else s)


def is_separable(p) -> bool:
    """Isotropic envelope, or an axis-aligned orientation (theta a multiple of 90 degrees)."""
    c, s = axis_cos_sin(p.tau)
    return p.beta_x == p.beta_y or c * s == 0.0


def complex_factors(p) -> tuple[np.ndarray, np.ndarray, complex]:
    """``(u, v, scale)``: the 1-D complex factors (rows, columns) and ``alpha * e^{i phi}``.

    ``u(y) = exp(-(beta_x s^2 + beta_y c^2) y^2) e^{i f s y}``, ``v(x) = exp(-(beta_x c^2 + beta_y s^2) x^2)
    e^{i f c x}`` (``c, s`` = cos, sin of tau): exact when :func:`is_separable`.
    """
    c, s = axis_cos_sin(p.tau)
    t = np.arange(p.size, dtype=np.float64)
    dx = t - p.x0
    dy = t - p.y0
    v = np.exp(-(p.beta_x * c * c + p.beta_y * s * s) * dx * dx) * np.exp(1j * p.f * c * dx)
    u = np.exp(-(p.beta_x * s * s + p.beta_y * c * c) * dy * dy) * np.exp(1j * p.f * s * dy)
    return u, v, p.alpha * complex(math.cos(p.phi), math.sin(p.phi))


def separable_pair(plane: np.ndarray, p, boundary: str, zero_mean: bool = False,
                   buffers: dict | None = None, *, mirror: bool = False) -> list[tuple[np.ndarray, ...]]:
    """Even (phase ``phi``) and odd (``phi + 90``) correlations of ``plane`` with an isotropic pair,
    and the energy ``sqrt(even^2 + odd^2)``: ``[(even, odd, energy)]``.

    With ``mirror``, also those of the pair at orientation ``180 - theta`` (a second tuple), which
    shares the row pass and the column sums. ``buffers`` (a dict kept by the caller) lets a bank reuse
    work arrays and box sums; the returned arrays live in it (copy them before the next call), and
    ``energy``/``energy2`` entries set by the caller are written in place.
    """
    from convcli.kernels.gabor_sep import complex_col_pass, complex_col_pass_mirror, complex_row_pass
    from convcli.threads import block_count

    dt = plane.dtype
    buffers = {} if buffers is None else buffers
    h, w = plane.shape
    names = ("a", "b", "even", "odd", "energy") + (("even2", "odd2", "energy2") if mirror else ())
    for name in names:
        if buffers.get(name) is None:
            buffers[name] = np.empty((h, w), dtype=dt)
    a, b = buffers["a"], buffers["b"]
    u, v, scale = complex_factors(p)
    half = (p.size - 1) // 2
    code = BOUNDARY_CODES[boundary]
    vr, vi = np.ascontiguousarray(v.real, dtype=dt), np.ascontiguousarray(v.imag, dtype=dt)
    ur, ui = np.ascontiguousarray(u.real, dtype=dt), np.ascontiguousarray(u.imag, dtype=dt)
    sr, si = dt.type(scale.real), dt.type(scale.imag)
    blocks = block_count(h)
    complex_row_pass(plane, vr, vi, a, b, -half, code, blocks)
    first = (buffers["even"], buffers["odd"], buffers["energy"])
    if mirror:
        second = (buffers["even2"], buffers["odd2"], buffers["energy2"])
        complex_col_pass_mirror(a, b, ur, ui, sr, si, *first, *second, -half, code, blocks)
        results = [first, second]
        factors = [np.outer(u, v), np.outer(u, np.conj(v))]
    else:
        complex_col_pass(a, b, ur, ui, sr, si, *first, -half, code, blocks)
        results = [first]
        factors = [np.outer(u, v)]
    if zero_mean:
        box = buffers.get(("box", p.size))
        if box is None:
            box = _correlate(_correlate(plane, np.ones((1, p.size), dtype=dt), boundary),
                             np.ones((p.size, 1), dtype=dt), boundary)
            buffers[("box", p.size)] = box
        for (even, odd, energy), g in zip(results, factors, strict=True):
            mean = scale * g.mean()
            even -= dt.type(mean.real) * box
            odd -= dt.type(-mean.imag) * box
            np.multiply(even, even, out=energy)
            energy += odd * odd
            np.sqrt(energy, out=energy)
    return results
