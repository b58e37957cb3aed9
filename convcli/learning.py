"""Learning the kernel that maps an input to a target, with the convolution's own gradients.

The model is the valid correlation ``Z = correlate_valid(x, k)`` (stride 1) and the loss the mean
squared error ``L = mean((Z - T)^2)``, whose gradient is ``(2/N) g(Z - T, x)``
(:func:`convcli.gradients.conv_grad_kernel`). Input and target are first scaled to unit RMS, so
step sizes do not depend on the data's units; the kernel is scaled back at the end.

Solvers: ``gd`` (plain gradient descent), ``momentum`` (Nesterov), ``cg`` (conjugate gradients
with exact line search, using Hessian-vector products ``(2/N) g(corr(x, p), x)``; it reaches the
minimum in at most as many steps as the kernel has values, up to rounding) and ``lstsq``
(the exact least-squares solution by a QR factorisation of the patch matrix, for comparison).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from convcli.arrays import as_float_array, check_finite
from convcli.conventions import check_choice, per_axis
from convcli.errors import DataError, UsageError
from convcli.gradients import Layout, conv_grad_kernel, correlate_valid, layout

SOLVERS = ("momentum", "gd", "cg", "lstsq")


@dataclass
class LearnResult:
    """What :func:`learn_kernel` found.

    Attributes
    ----------
    kernel : numpy.ndarray
        The kernel in correlation form (``(kh, kw)``, or ``(Cout, Cin, kh, kw)`` with ``channels``).
    losses : list of float
        Mean squared error (target units squared) before each step and after the last one.
    solver, steps, lr
        How it was found (``lr`` on the unit-RMS problem; None for ``lstsq`` and ``cg``).
    rms_error, max_error, relative_error : float
        Of the final prediction against the (valid part of the) target; relative = RMS error / RMS target.
    """

    kernel: np.ndarray
    losses: list[float] = field(default_factory=list)
    solver: str = "momentum"
    steps: int = 0
    lr: float | None = None
    rms_error: float = 0.0
    max_error: float = 0.0
    relative_error: float = 0.0


def valid_target(x_shape: Sequence[int], target: np.ndarray, size: Sequence[int]) -> np.ndarray:
    """The part of ``target`` a valid correlation can predict.

    A target of the valid size is returned as it is; one of the input's size (e.g. written by
    ``filter`` with ``same`` padding) is cropped to the samples that no boundary rule touched.
    """
    kh, kw = size
    h, w = x_shape[:2]
    oh, ow = h - kh + 1, w - kw + 1
    th, tw = target.shape[:2]
    if (th, tw) == (oh, ow):
        return target
    if (th, tw) == (h, w):
        # valid output v sits at same-output index v + (ke-1) - (ke-1)//2
        y0, x0 = (kh - 1) - (kh - 1) // 2, (kw - 1) - (kw - 1) // 2
        return target[y0 : y0 + oh, x0 : x0 + ow]
    raise UsageError(f"the target is {tw}x{th}; for a {kw}x{kh} kernel on a {w}x{h} input it must be "
                     f"{w}x{h} (same) or {ow}x{oh} (valid)")


def learn_kernel(
    x,
    target,
    size: int | Sequence[int],
    *,
    channels: bool = False,
    solver: str = "momentum",
    steps: int = 500,
    lr: float | None = None,
    momentum: float = 0.95,
    seed: int | None = None,
    callback: Callable[[int, float], None] | None = None,
) -> LearnResult:
    """Find the kernel ``k`` with ``correlate_valid(x, k) ~= target`` (least squares).

    Parameters
    ----------
    x : array_like
        ``(H, W)`` or ``(H, W, C)``.
    target : array_like
        The valid output ``(H-kh+1, W-kw+1[, C'])`` or a same-size one ``(H, W[, C'])``, which is
        cropped (see :func:`valid_target`).
    size : int or (int, int)
        Kernel size ``K`` or ``(kh, kw)``.
    channels : bool
        Learn a multi-channel kernel ``(C', C, kh, kw)`` (every target channel from every input
        channel); otherwise one 2-D kernel shared by every channel (``C' == C``), as ``filter`` applies it.
    solver : {'momentum', 'gd', 'cg', 'lstsq'}
        See the module doc.
    steps : int
        Iterations of the iterative solvers (``cg`` stops earlier once converged).
    lr : float or None
        Step size on the unit-RMS problem; None: ``1/L`` with ``L`` the largest curvature of the
        loss, estimated by power iteration.
    momentum : float
        Nesterov momentum of ``momentum`` (0 <= m < 1).
    seed : int or None
        Start from small random values with this seed instead of zeros.
    callback : callable, optional
        Called as ``callback(step, loss)`` after each step (for a progress bar); ``loss`` in target
        units squared, like ``LearnResult.losses``.

    Returns
    -------
    LearnResult

    Raises
    ------
    UsageError
        Bad options or shapes.
    DataError
        Non-finite data, or gradient descent diverging (lower ``lr``).
    """
    solver = check_choice("solver", solver, SOLVERS)
    kh, kw = per_axis("size", size, 2)
    if steps < 1 and solver != "lstsq":
        raise UsageError(f"steps must be at least 1; got {steps}")
    if not 0 <= momentum < 1:
        raise UsageError(f"momentum must be in [0, 1); got {momentum}")
    if lr is not None and not (np.isfinite(lr) and lr > 0):
        raise UsageError(f"the learning rate must be positive; got {lr}")
    xa = check_finite(as_float_array(x, "input", np.float64), "input")
    ta = check_finite(as_float_array(target, "target", np.float64), "target")
    if xa.ndim not in (2, 3) or ta.ndim not in (2, 3):
        raise UsageError(f"input and target must be images (H, W) or (H, W, C); got {xa.shape} and {ta.shape}")
    if kh > xa.shape[0] or kw > xa.shape[1]:
        raise DataError(f"the kernel ({kw}x{kh}) is larger than the input ({xa.shape[1]}x{xa.shape[0]})")
    ta = valid_target(xa.shape, ta, (kh, kw))
    if channels:
        cout = 1 if ta.ndim == 2 else ta.shape[2]
        cin = 1 if xa.ndim == 2 else xa.shape[2]
        kshape: tuple[int, ...] = (cout, cin, kh, kw)
        if ta.ndim == 2:
            ta = ta[:, :, None]
    else:
        kshape = (kh, kw)
    lay = layout(xa.shape, kshape)
    if ta.shape != lay.out_shape:
        raise UsageError(f"a shared {kw}x{kh} kernel maps an input of shape {xa.shape} to shape {lay.out_shape}, "
                         f"but the target's valid part has shape {ta.shape}; use --channels to learn a "
                         f"multi-channel kernel")
    sx = _rms(xa)
    st = _rms(ta)
    xs, ts = xa / sx, ta / st
    k0 = np.zeros(kshape) if seed is None else np.random.default_rng(seed).normal(0, 0.01, size=kshape)
    problem = _Problem(xs, ts, lay)
    if callback is not None:
        report = callback

        def callback(step: int, loss: float) -> None:  # losses in target units, as in the result
            report(step, loss * st * st)
    if solver == "lstsq":
        ks, losses, used, step = _lstsq(xs, ts, lay), [], 0, None
    elif solver == "cg":
        ks, losses, used = _cg(problem, k0, steps, callback)
        step = None
    else:
        step = lr if lr is not None else 1.0 / problem.curvature()
        ks, losses, used = _descent(problem, k0, steps, step, momentum if solver == "momentum" else 0.0, callback)
    kernel = ks * (st / sx)
    residual = correlate_valid(xa, kernel, dtype=np.float64) - ta
    rms = float(np.sqrt(np.mean(residual**2)))
    return LearnResult(
        kernel=kernel,
        losses=[float(v * st * st) for v in losses] + ([rms * rms] if solver != "lstsq" else []),
        solver=solver,
        steps=used,
        lr=step,
        rms_error=rms,
        max_error=float(np.max(np.abs(residual))),
        relative_error=rms / st if st > 0 else 0.0,
    )


def _rms(a: np.ndarray) -> float:
    r = float(np.sqrt(np.mean(a * a)))
    return r if r > 0 else 1.0


class _Problem:
    """The scaled least-squares problem: loss, gradient and Hessian-vector products."""

    def __init__(self, xs: np.ndarray, ts: np.ndarray, lay: Layout) -> None:
        self.xs, self.ts, self.lay = xs, ts, lay
        self.scale = 2.0 / ts.size

    def forward(self, k: np.ndarray) -> np.ndarray:
        # the integrator may switch this to convolve(..., mode="corr", padding="valid") once 4-D kernels land
        return correlate_valid(self.xs, k, dtype=np.float64)

    def back(self, g: np.ndarray) -> np.ndarray:
        return self.scale * conv_grad_kernel(self.xs, g, self.lay.kernel_shape, dtype=np.float64)

    def loss_grad(self, k: np.ndarray) -> tuple[float, np.ndarray]:
        r = self.forward(k) - self.ts
        return float(np.mean(r * r)), self.back(r)

    def curvature(self, iterations: int = 20) -> float:
        """Largest eigenvalue of the Hessian ``(2/N) A^T A``, by power iteration."""
        v = np.random.default_rng(0).normal(size=self.lay.kernel_shape)
        v /= np.linalg.norm(v)
        value = 1.0
        for _ in range(iterations):
            hv = self.back(self.forward(v))
            value = float(np.linalg.norm(hv))
            if value == 0:
                return 1.0
            v = hv / value
        return value * 1.01  # a little margin: power iteration approaches from below


def _descent(p: _Problem, k: np.ndarray, steps: int, lr: float, beta: float, callback):
    """Gradient descent with Nesterov momentum (Bengio's form: the gradient at the iterate itself)."""
    vel = np.zeros_like(k)
    losses = []
    first = None
    for step in range(steps):
        loss, g = p.loss_grad(k)
        if not np.isfinite(loss) or (first is not None and loss > 1e6 * max(first, 1e-300)):
            raise DataError(f"gradient descent diverged at step {step} (loss {loss:.3g}); use a smaller --lr")
        first = loss if first is None else first
        losses.append(loss)
        prev = vel
        vel = beta * vel - lr * g
        k = k - beta * prev + (1 + beta) * vel
        if callback:
            callback(step + 1, loss)
    return k, losses, steps


def _cg(p: _Problem, k: np.ndarray, steps: int, callback):
    """Linear conjugate gradients on the normal equations, via forward and gradient passes."""
    z = p.forward(k)
    g = p.back(z - p.ts)
    d = -g
    gg = float(np.sum(g * g))
    g0 = gg
    losses = []
    used = 0
    for step in range(steps):
        r = z - p.ts
        losses.append(float(np.mean(r * r)))
        if callback:
            callback(step + 1, losses[-1])
        used = step + 1
        if gg <= 1e-28 * g0 or gg == 0:
            break
        zd = p.forward(d)
        hd = p.back(zd)
        dhd = float(np.sum(d * hd))
        if dhd <= 0:
            break
        alpha = gg / dhd
        k = k + alpha * d
        z = z + alpha * zd
        g = g + alpha * hd
        gg_new = float(np.sum(g * g))
        d = -g + (gg_new / gg) * d
        gg = gg_new
    return k, losses, used


def _lstsq(xs: np.ndarray, ts: np.ndarray, lay: Layout) -> np.ndarray:
    """Exact least squares via a QR factorisation of ``[A | b]`` built in chunks of output rows."""
    from numpy.lib.stride_tricks import sliding_window_view

    x3 = xs if xs.ndim == 3 else xs[:, :, None]
    t3 = ts if ts.ndim == 3 else ts[:, :, None]
    kh, kw = lay.kh, lay.kw
    oh = t3.shape[0]
    n_params = int(np.prod(lay.kernel_shape[-2:])) * (1 if lay.shared else lay.channels)
    per_row = t3.shape[1] * (lay.channels if lay.shared else 1) * n_params
    chunk = max(1, 4_000_000 // max(per_row, 1))
    outputs = 1 if lay.shared else t3.shape[2]
    r_aug = np.zeros((0, n_params + outputs))
    for r0 in range(0, oh, chunk):
        r1 = min(oh, r0 + chunk)
        win = sliding_window_view(x3[r0 : r1 + kh - 1], (kh, kw), axis=(0, 1))  # (rows, ow, C, kh, kw)
        if lay.shared:
            a = win.reshape(-1, kh * kw)  # one row per (position, channel)
            b = t3[r0:r1].reshape(-1, 1)
        else:
            a = win.reshape(win.shape[0] * win.shape[1], -1)  # columns in K[i, ci, a, b] order
            b = t3[r0:r1].reshape(-1, t3.shape[2])
        r_aug = np.linalg.qr(np.vstack([r_aug, np.hstack([a, b])]), mode="r")
    r = r_aug[:n_params, :n_params]
    qtb = r_aug[:n_params, n_params:]
    sol = np.linalg.lstsq(r, qtb, rcond=None)[0]  # (n_params, outputs)
    if lay.shared:
        return sol[:, 0].reshape(lay.kernel_shape)
    return np.ascontiguousarray(sol.T).reshape(lay.kernel_shape)
