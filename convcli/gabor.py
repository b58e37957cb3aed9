"""Gabor kernels and banks: the simple-cell model, quadrature pairs and complex-cell energy.

The kernel is SPEC's ``w(x,y) = alpha * exp(-beta_x x'^2 - beta_y y'^2) * cos(f x' + phi)`` with
``x' = (x-x0) cos(tau) + (y-y0) sin(tau)``, ``y' = -(x-x0) sin(tau) + (y-y0) cos(tau)``; ``x`` is the
column index (rightward), ``y`` the row index (downward), so a positive ``theta`` turns the carrier
clockwise on screen. A response is the correlation ``s(I) = sum w(x,y) I(x,y)`` at every position.

A bank filters one image with every (frequency, orientation) pair, as an even (phase ``phase``) and an
odd (``phase + 90``) kernel, and keeps the quadrature energy ``sqrt(even^2 + odd^2)``. With an
isotropic envelope (``gamma = 1``, or theta a multiple of 90) the complex kernel ``even - i*odd`` is the
outer product of two complex 1-D kernels, so each pair costs six 1-D passes instead of ``2 K^2`` taps
(:mod:`convcli.gabor_sep`); other pairs, and kernels over :data:`SEPARABLE_MAX_SIZE` taps, share one FFT of
the image (:func:`convcli.fftconv.fft_correlate_pairs`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from convcli.arrays import as_float_array, check_finite, resolve_dtype
from convcli.conventions import BOUNDARIES, axes_for, check_choice
from convcli.errors import UsageError

#: default ``sigma`` is ``SIGMA_PER_WAVELENGTH / frequency``: a one-octave half-magnitude bandwidth,
#: scikit-image's default (``bandwidth=1``).
SIGMA_PER_WAVELENGTH = math.sqrt(math.log(2) / 2) / math.pi * 3.0
MAX_SIZE = 4097
METHODS = ("auto", "separable", "fft")
SEPARABLE_MAX_SIZE = 255


def _finite(name: str, value, *, positive: bool = False, nonnegative: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number; got {value!r}") from None
    if not math.isfinite(v):
        raise UsageError(f"{name} must be finite; got {value!r}")
    if positive and v <= 0:
        raise UsageError(f"{name} must be greater than 0; got {v:g}")
    if nonnegative and v < 0:
        raise UsageError(f"{name} must be at least 0; got {v:g}")
    return v


def _one_of(friendly: str, fv, raw: str, rv):
    if fv is not None and rv is not None:
        raise UsageError(f"give {friendly} or {raw}, not both")


@dataclass(frozen=True)
class GaborParams:
    """The raw parameters of one kernel (SPEC's names; angles in radians)."""

    alpha: float
    beta_x: float
    beta_y: float
    f: float
    phi: float
    tau: float
    size: int
    x0: float
    y0: float


def gabor_params(
    *,
    theta: float | None = None,
    frequency: float | None = None,
    sigma: float | None = None,
    gamma: float | None = None,
    phase: float | None = None,
    size: int | None = None,
    alpha: float | None = None,
    beta_x: float | None = None,
    beta_y: float | None = None,
    f: float | None = None,
    phi: float | None = None,
    tau: float | None = None,
    x0: float | None = None,
    y0: float | None = None,
) -> GaborParams:
    """Resolve friendly and raw parameters into :class:`GaborParams` (see :func:`gabor_kernel`)."""
    _one_of("theta", theta, "tau", tau)
    _one_of("frequency", frequency, "f", f)
    _one_of("sigma", sigma, "beta_x", beta_x)
    _one_of("gamma", gamma, "beta_y", beta_y)
    _one_of("phase", phase, "phi", phi)
    tau_r = _finite("tau", tau) if tau is not None else math.radians(_finite("theta", 0.0 if theta is None else theta))
    phi_r = _finite("phi", phi) if phi is not None else math.radians(_finite("phase", 0.0 if phase is None else phase))
    if f is not None:
        f_r = _finite("f", f, nonnegative=True)
    else:
        f_r = 2 * math.pi * _finite("frequency", 0.1 if frequency is None else frequency, nonnegative=True)
    if beta_x is not None:
        bx = _finite("beta_x", beta_x, positive=True)
    else:
        if sigma is None:
            if f_r == 0:
                raise UsageError("frequency 0 needs an explicit sigma (the default sigma is 0.56/frequency)")
            sigma = SIGMA_PER_WAVELENGTH * 2 * math.pi / f_r
        s = _finite("sigma", sigma, positive=True)
        bx = 1.0 / (2.0 * s * s)
    if beta_y is not None:
        by = _finite("beta_y", beta_y, nonnegative=True)
    else:
        g = _finite("gamma", 1.0 if gamma is None else gamma, positive=True)
        by = g * g * bx
    a = _finite("alpha", 1.0 if alpha is None else alpha)
    if size is None:
        if by <= 0:
            raise UsageError("beta_y = 0 (an unbounded envelope) needs an explicit size")
        size = default_size(bx, by)
    else:
        size_f = _finite("size", size, positive=True)
        if size_f != int(size_f):
            raise UsageError(f"size must be a whole number; got {size}")
        size = int(size_f)
    if size > MAX_SIZE:
        raise UsageError(f"size {size} is too large (at most {MAX_SIZE})")
    centre = (size - 1) / 2.0
    cx = centre if x0 is None else _finite("x0", x0)
    cy = centre if y0 is None else _finite("y0", y0)
    return GaborParams(a, bx, by, f_r, phi_r, tau_r, size, cx, cy)


def default_size(beta_x: float, beta_y: float) -> int:
    """Odd size covering +-3 sigma of the wider envelope axis: ``2*ceil(3*max(sx, sy)) + 1``.

    ``sx = 1/sqrt(2 beta_x)``, ``sy = 1/sqrt(2 beta_y)``; it does not depend on the orientation.
    """
    wider = 1.0 / math.sqrt(2.0 * min(beta_x, beta_y))
    return 2 * math.ceil(3.0 * wider - 1e-9) + 1


def kernel_from_params(p: GaborParams) -> np.ndarray:
    """Sample the formula on the ``size x size`` grid (rows = y, columns = x); float64."""
    y, x = np.mgrid[0:p.size, 0:p.size].astype(np.float64)
    dx, dy = x - p.x0, y - p.y0
    c, s = math.cos(p.tau), math.sin(p.tau)
    xr = dx * c + dy * s
    yr = -dx * s + dy * c
    return p.alpha * np.exp(-p.beta_x * xr * xr - p.beta_y * yr * yr) * np.cos(p.f * xr + p.phi)


def gabor_kernel(
    *,
    theta: float | None = None,
    frequency: float | None = None,
    sigma: float | None = None,
    gamma: float | None = None,
    phase: float | None = None,
    size: int | None = None,
    alpha: float | None = None,
    beta_x: float | None = None,
    beta_y: float | None = None,
    f: float | None = None,
    phi: float | None = None,
    tau: float | None = None,
    x0: float | None = None,
    y0: float | None = None,
) -> np.ndarray:
    """The Gabor kernel of SPEC's simple-cell model, sampled on a square grid.

    ``w(x,y) = alpha * exp(-beta_x x'^2 - beta_y y'^2) * cos(f x' + phi)``, ``x'`` and ``y'`` the
    coordinates rotated by ``tau`` about ``(x0, y0)``; ``x`` = column (rightward), ``y`` = row
    (downward). Give each quantity by its friendly or its raw name, not both.

    Parameters
    ----------
    theta : float, default 0
        Orientation of the carrier (the ``x'`` axis) in degrees; ``tau = radians(theta)``. 0 varies along
        rows (vertical stripes), 90 along columns (horizontal stripes).
    frequency : float, default 0.1
        Cycles per pixel along ``x'``; ``f = 2*pi*frequency``.
    sigma : float, default ``0.5622 / frequency``
        Envelope standard deviation along ``x'`` in pixels; ``beta_x = 1/(2 sigma^2)``. The default
        gives a one-octave bandwidth (scikit-image's ``bandwidth=1``).
    gamma : float, default 1
        Aspect ratio: ``beta_y = gamma^2/(2 sigma^2)`` (envelope sigma along ``y'`` is ``sigma/gamma``).
    phase : float, default 0
        ``phi`` in degrees (0 even/cosine, 90 odd).
    size : int, optional
        Side length; default ``2*ceil(3*max(sigma, sigma/gamma)) + 1``, odd and the same for every theta.
    alpha, beta_x, beta_y, f, phi, tau : float, optional
        The raw parameters (``phi`` and ``tau`` in radians); ``alpha`` defaults to 1 (peak 1, as
        OpenCV's ``getGaborKernel``).
    x0, y0 : float, optional
        Centre in kernel pixel coordinates (column, row); default ``(size-1)/2``.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float64, rows = y.

    Raises
    ------
    UsageError
        A non-finite or out-of-range value, or a quantity given twice.
    """
    return kernel_from_params(gabor_params(
        theta=theta, frequency=frequency, sigma=sigma, gamma=gamma, phase=phase, size=size, alpha=alpha,
        beta_x=beta_x, beta_y=beta_y, f=f, phi=phi, tau=tau, x0=x0, y0=y0))


# --- banks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GaborBank:
    """A bank of quadrature pairs, frequency-major (``for frequency: for theta``).

    Attributes
    ----------
    thetas, frequencies, sigmas : numpy.ndarray
        Per filter: orientation (degrees), frequency (cycles/pixel), envelope sigma (pixels).
    sizes : numpy.ndarray
        Per filter: its own kernel size (odd).
    gamma, phase : float
        Aspect ratio and the even kernel's phase (degrees); the odd kernel's phase is ``phase + 90``.
    n_orientations : int
        Orientations per frequency.
    """

    thetas: np.ndarray
    frequencies: np.ndarray
    sigmas: np.ndarray
    sizes: np.ndarray
    gamma: float
    phase: float
    n_orientations: int

    def __len__(self) -> int:
        return len(self.thetas)

    def params(self, i: int, phase_offset: float = 0.0) -> GaborParams:
        return gabor_params(theta=float(self.thetas[i]), frequency=float(self.frequencies[i]),
                            sigma=float(self.sigmas[i]), gamma=self.gamma, phase=self.phase + phase_offset,
                            size=int(self.sizes[i]))

    def kernels(self, which: str = "even", *, zero_mean: bool = False,
                indices: Sequence[int] | None = None) -> np.ndarray:
        """The kernels ``(n, K, K)`` (float64), each zero-padded (centred) to ``K`` = the largest size.

        Zero padding an odd, centred kernel does not change its ``same`` response. ``zero_mean``
        subtracts each kernel's mean over its own size first; ``indices`` picks some filters.
        """
        which = check_choice("which", which, ("even", "odd"))
        picks = list(range(len(self))) if indices is None else list(indices)
        big = int(max(self.sizes[i] for i in picks))
        out = np.zeros((len(picks), big, big))
        for row, i in enumerate(picks):
            k = kernel_from_params(self.params(i, 90.0 if which == "odd" else 0.0))
            if zero_mean:
                k = k - k.mean()
            p = (big - k.shape[0]) // 2
            out[row, p:p + k.shape[0], p:p + k.shape[1]] = k
        return out

    def labels(self) -> list[str]:
        """``theta22.5_freq0.1``-style names, one per filter."""
        return [f"theta{t:g}_freq{f:g}" for t, f in zip(self.thetas, self.frequencies, strict=True)]


def orientations_list(orientations) -> np.ndarray:
    """``N`` evenly spaced over [0, 180) (energy is 180-periodic), or explicit angles in degrees."""
    if isinstance(orientations, (int, np.integer)) and not isinstance(orientations, bool):
        if orientations < 1:
            raise UsageError(f"orientations must be at least 1; got {orientations}")
        return 180.0 * np.arange(int(orientations)) / int(orientations)
    values = [_finite("orientation", v) for v in np.atleast_1d(orientations)]
    if not values:
        raise UsageError("no orientations")
    return np.array(values)


def gabor_bank(
    orientations: int | Sequence[float] = 8,
    frequencies: float | Sequence[float] = (0.05, 0.1, 0.2, 0.4),
    *,
    sigma: float | Sequence[float] | None = None,
    gamma: float = 1.0,
    phase: float = 0.0,
    size: int | None = None,
) -> GaborBank:
    """A bank of Gabor quadrature pairs.

    Parameters
    ----------
    orientations : int or sequence of float
        ``N`` orientations ``0, 180/N, ..., 180*(N-1)/N`` degrees, or the angles themselves.
    frequencies : float or sequence of float
        Cycles per pixel, each > 0.
    sigma : float or sequence of float, optional
        Envelope sigma for all frequencies or one per frequency; default ``0.5622/frequency``.
    gamma : float
        Aspect ratio (1: isotropic envelope, the fast separable path).
    phase : float
        Phase of the even kernel in degrees; the odd one is ``phase + 90``.
    size : int, optional
        One size for every kernel; default each filter's own ``gabor_kernel`` default size.

    Returns
    -------
    GaborBank
    """
    thetas = orientations_list(orientations)
    freqs = [_finite("frequency", v, positive=True) for v in np.atleast_1d(frequencies)]
    if not freqs:
        raise UsageError("no frequencies")
    if sigma is None:
        sigmas = [SIGMA_PER_WAVELENGTH / fr for fr in freqs]
    else:
        given = [_finite("sigma", v, positive=True) for v in np.atleast_1d(sigma)]
        if len(given) == 1:
            given = given * len(freqs)
        if len(given) != len(freqs):
            raise UsageError(f"give one sigma or one per frequency ({len(freqs)}); got {len(given)}")
        sigmas = given
    gamma = _finite("gamma", gamma, positive=True)
    phase = _finite("phase", phase)
    rows_t, rows_f, rows_s, rows_n = [], [], [], []
    for fr, sg in zip(freqs, sigmas, strict=True):
        n = gabor_params(frequency=fr, sigma=sg, gamma=gamma, size=size).size
        for t in thetas:
            rows_t.append(t)
            rows_f.append(fr)
            rows_s.append(sg)
            rows_n.append(n)
    return GaborBank(np.array(rows_t), np.array(rows_f), np.array(rows_s), np.array(rows_n, dtype=np.int64),
                     gamma, phase, len(thetas))


# --- responses ---------------------------------------------------------------------------------


@dataclass
class GaborResponses:
    """Responses of a bank to one image; arrays are ``(n_filters, H, W)`` or ``(n_filters, H, W, C)``.

    ``even``/``odd`` are None unless asked for; ``energy`` is ``sqrt(even^2 + odd^2)``.
    """

    bank: GaborBank
    energy: np.ndarray
    even: np.ndarray | None = None
    odd: np.ndarray | None = None

    def max_over_orientations(self) -> tuple[np.ndarray, np.ndarray]:
        """Per frequency, the largest energy over orientations and the orientation (degrees) reaching it.

        Returns ``(max_energy, argmax_theta)``, each ``(n_frequencies, H, W[, C])``; ties go to the
        first orientation.
        """
        n_o = self.bank.n_orientations
        e = self.energy.reshape(-1, n_o, *self.energy.shape[1:])
        idx = np.argmax(e, axis=1)
        best = np.take_along_axis(e, idx[:, None], axis=1)[:, 0]
        thetas = self.bank.thetas[:n_o]
        return best, thetas[idx].astype(self.energy.dtype)

    def features(self) -> dict[str, np.ndarray]:
        """Texture features: per filter (and channel) the mean and the standard deviation of energy."""
        axes = (1, 2)
        e = self.energy.astype(np.float64)
        return {"mean": e.mean(axis=axes), "std": e.std(axis=axes)}


def to_luma(x: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma ``0.299 R + 0.587 G + 0.114 B`` of a channels-last RGB(A) array; gray passes."""
    if x.ndim == 2:
        return x
    if x.ndim == 3 and x.shape[2] == 1:
        return x[:, :, 0]
    if x.ndim == 3 and x.shape[2] in (3, 4):
        w = np.array([0.299, 0.587, 0.114], dtype=np.float64)
        return (x[:, :, :3].astype(np.float64) @ w).astype(x.dtype if x.dtype.kind == "f" else np.float64)
    if x.ndim == 3 and x.shape[2] == 2:  # gray + alpha
        return x[:, :, 0]
    raise UsageError(f"cannot convert an array of shape {x.shape} to gray (need 1 to 4 channels)")


def gabor_filter(
    x,
    bank: GaborBank,
    *,
    boundary: str = "reflect",
    gray: bool = False,
    zero_mean: bool = False,
    keep: Sequence[str] = (),
    method: str = "auto",
    dtype=None,
    nan: str = "error",
) -> GaborResponses:
    """Filter an image with every pair of a bank (correlation, ``same`` size).

    Parameters
    ----------
    x : array_like
        ``(H, W)`` or channels-last ``(H, W, C)`` (each channel filtered alone unless ``gray``).
    bank : GaborBank
    boundary : {'reflect', 'mirror', 'nearest', 'wrap', 'zero'}
    gray : bool
        Convert RGB(A) to ITU-R 601 luma first.
    zero_mean : bool
        Remove each kernel's mean (DC) first, so flat regions respond 0.
    keep : sequence of {'even', 'odd'}
        Which signed responses to keep besides the energy.
    method : {'auto', 'separable', 'fft'}
        ``auto``: separable when ``gamma == 1`` or theta is a multiple of 90 (kernels up to 255 taps),
        else FFT (same results to rounding).
    dtype : {None, numpy.float32, numpy.float64}
    nan : {'error', 'zero'}

    Returns
    -------
    GaborResponses
    """
    boundary = check_choice("boundary", boundary, BOUNDARIES)
    method = check_choice("method", method, METHODS)
    for k in keep:
        check_choice("keep", k, ("even", "odd"))
    dt = resolve_dtype(dtype)
    xa = as_float_array(x, "input", np.float64 if gray else dt)
    if gray:
        xa = to_luma(xa)
    if xa.ndim not in (2, 3):
        raise UsageError(f"a Gabor bank filters 2-D images (H, W) or (H, W, C); got shape {xa.shape}")
    xa = check_finite(xa.astype(dt, copy=False), "input", nan)
    from convcli.gabor_sep import is_separable

    if method == "separable" and not all(is_separable(bank.params(i)) for i in range(len(bank))):
        raise UsageError("the separable method needs an isotropic envelope (gamma = 1) or orientations "
                         "that are multiples of 90 degrees")
    separable, by_fft = _plan(bank, method)
    planes = [xa] if xa.ndim == 2 else [np.ascontiguousarray(xa[:, :, c]) for c in range(xa.shape[2])]
    n = len(bank)
    shape = (n, *xa.shape)
    energy = np.empty(shape, dtype=dt)
    even = np.empty(shape, dtype=dt) if "even" in keep else None
    odd = np.empty(shape, dtype=dt) if "odd" in keep else None
    for c, plane in enumerate(planes):
        idx = (slice(None),) if xa.ndim == 2 else (slice(None), slice(None), slice(None), c)
        _filter_plane(plane, bank, boundary, zero_mean, separable, by_fft, energy, even, odd, idx)
    return GaborResponses(bank, energy, even, odd)


def _plan(bank: GaborBank, method: str) -> tuple[list[int], list[int]]:
    """Which filters take the separable path and which the FFT path.

    ``auto``: separable for isotropic envelopes (and axis-aligned orientations) up to
    :data:`SEPARABLE_MAX_SIZE` taps (its cost grows with the size, the FFT's does not; measured
    crossover ~260 taps at 1024x1024), FFT otherwise.
    """
    from convcli.gabor_sep import is_separable

    every = list(range(len(bank)))
    if method == "fft":
        return [], every
    if method == "separable":
        return every, []
    small = [i for i in every if bank.sizes[i] <= SEPARABLE_MAX_SIZE and is_separable(bank.params(i))]
    return small, [i for i in every if i not in small]


def _filter_plane(plane, bank, boundary, zero_mean, separable, by_fft, energy, even, odd, idx) -> None:
    if separable:
        from convcli.gabor_sep import separable_pair

        buffers: dict = {}
        done = set(range(len(bank))) - set(separable)
        for i in separable:
            if i in done:
                continue
            j = _mirror_partner(bank, i, done)
            group = [i] if j is None else [i, j]
            for slot, k in zip(("energy", "energy2"), group, strict=False):
                target = energy[(k, *idx[1:])]
                buffers[slot] = target if target.flags.c_contiguous else None
            results = separable_pair(plane, bank.params(i), boundary, zero_mean, buffers, mirror=j is not None)
            for k, (re, im, en) in zip(group, results, strict=True):
                _store(k, re, im, energy, even, odd, idx, en)
                done.add(k)
    if by_fft:
        from convcli.fftconv import fft_correlate_pairs

        ev = bank.kernels("even", zero_mean=zero_mean, indices=by_fft)
        od = bank.kernels("odd", zero_mean=zero_mean, indices=by_fft)
        axes = axes_for(plane.shape, ev.shape[1:], (1, 1), (1, 1), "same")

        def sink(row, re, im):
            _store(by_fft[row], re, im, energy, even, odd, idx)

        fft_correlate_pairs(plane, ev, od, axes, boundary, sink)


def _mirror_partner(bank: GaborBank, i: int, done: set[int]) -> int | None:
    """Another filter of the same frequency at orientation ``180 - theta`` (mod 360), if any."""
    want = (180.0 - bank.thetas[i]) % 360.0
    for j in range(len(bank)):
        if j == i or j in done or bank.frequencies[j] != bank.frequencies[i] or bank.sigmas[j] != bank.sigmas[i]:
            continue
        if bank.sizes[j] == bank.sizes[i] and abs((bank.thetas[j] % 360.0) - want) < 1e-9:
            return j
    return None


def _store(i, re, im, energy, even, odd, idx, en=None) -> None:
    at = (i, *idx[1:])
    if en is None:
        en = np.sqrt(re * re + im * im)  # np.hypot is several times slower
    if not np.may_share_memory(en, energy):
        energy[at] = en
    if even is not None:
        even[at] = re
    if odd is not None:
        odd[at] = im


__all__ = ["GaborBank", "GaborResponses", "gabor_bank", "gabor_filter", "gabor_kernel", "to_luma"]
