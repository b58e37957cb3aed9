"""Gradients of a valid, strided (multi-channel) correlation, and that correlation itself.

``Z = correlate_valid(x, k, stride=s)`` is ``convolve(x, k, mode="corr", padding="valid", stride=s)``
extended to the contract's multi-channel kernels. For a loss ``J`` with ``G = dJ/dZ``,
:func:`conv_grad_kernel` is ``dJ/dk`` (the seed's ``g(G, V, s)``) and :func:`conv_grad_input` is
``dJ/dx`` (the seed's ``h(K, G, s)``). Shapes, channels last like the rest of convcli:

========================  ======================  ==================================
kernel                    input ``x``             output ``Z`` (and ``grad_out``)
========================  ======================  ==================================
``(kw,)``                 ``(N,)`` / ``(N, C)``   ``(ON,)`` / ``(ON, C)``, each channel alone
``(kh, kw)``              ``(H, W)`` / ``(H, W, C)``  ``(OH, OW)`` / ``(OH, OW, C)``, each channel alone
``(Cout, Cin, kw)``       ``(N, Cin)``            ``(ON, Cout)``
``(Cout, Cin, kh, kw)``   ``(H, W, Cin)``         ``(OH, OW, Cout)``
========================  ======================  ==================================

(with ``Cin = 1`` the input may leave out its channel axis). A 1-D or 2-D kernel on a
multi-channel input is shared by every channel, as in ``convolve``; its gradient sums over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from convcli.arrays import as_float_array, check_finite, resolve_dtype
from convcli.conventions import axes_for, per_axis
from convcli.errors import UsageError


@dataclass(frozen=True)
class Layout:
    """How an input and a kernel of given shapes map onto the planar 2-D problem."""

    spatial: int  # 1 or 2
    in_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    shared: bool  # a 1-D/2-D kernel applied to each channel alone
    channels: int  # input channels (Cin, or the number of channels a shared kernel is applied to)
    cout: int
    kh: int
    kw: int
    strides: tuple[int, int]  # (sy, sx) of the planar problem


def layout(in_shape: Sequence[int], kernel_shape: Sequence[int], stride: int | Sequence[int] = 1) -> Layout:
    """Validate the shapes of a valid correlation and describe it (see the module doc).

    Raises
    ------
    UsageError
        Shapes that do not fit together.
    DataError
        A kernel larger than the input.
    """
    in_shape = tuple(int(n) for n in in_shape)
    kshape = tuple(int(n) for n in kernel_shape)
    if any(n <= 0 for n in kshape) or any(n <= 0 for n in in_shape):
        raise UsageError(f"shapes must be positive; got input {in_shape} and kernel {kshape}")
    kn = len(kshape)
    if kn in (1, 2):
        spatial, shared = kn, True
        if len(in_shape) not in (spatial, spatial + 1):
            raise UsageError(f"a {kn}-D kernel needs a {spatial}-D input (or one with channels last); "
                             f"got an input of shape {in_shape}")
        channels = in_shape[spatial] if len(in_shape) == spatial + 1 else 1
        cout = channels
        window = kshape
    elif kn in (3, 4):
        spatial, shared = kn - 2, False
        cout, cin = kshape[:2]
        window = kshape[2:]
        has_channels = len(in_shape) == spatial + 1
        if len(in_shape) not in (spatial, spatial + 1) or (not has_channels and cin != 1) or (
                has_channels and in_shape[spatial] != cin):
            need = "(N, Cin)" if spatial == 1 else "(H, W, Cin)"
            raise UsageError(f"a kernel of shape {kshape} (out, in, ...) needs an input {need} with "
                             f"Cin = {cin}; got an input of shape {in_shape}")
        channels = cin
    else:
        raise UsageError(f"a {kn}-D kernel is not supported (1-D, 2-D, or (out, in, ...) 3-D/4-D)")
    strides = per_axis("stride", stride, spatial)
    axes = axes_for(in_shape[:spatial], window, strides, (1,) * spatial, "valid")
    out_spatial = tuple(ax.length for ax in axes)
    if shared:
        out_shape = out_spatial + in_shape[spatial:]
    else:
        out_shape = out_spatial + (cout,)
    kh, kw = (1, window[0]) if spatial == 1 else window
    sy, sx = (1, strides[0]) if spatial == 1 else strides
    return Layout(spatial, in_shape, kshape, out_shape, shared, channels, cout, kh, kw, (sy, sx))


def _planar(a: np.ndarray, lay: Layout, channels_present: bool, dt) -> np.ndarray:
    """Channels-last data -> (C, H, W) contiguous (H = 1 for 1-D)."""
    if not channels_present:
        a = a[..., None]
    if lay.spatial == 1:
        a = a[None]
    return np.ascontiguousarray(np.moveaxis(a, -1, 0), dtype=dt)


def _channels_last(p: np.ndarray, lay: Layout, shape: tuple[int, ...]) -> np.ndarray:
    a = np.moveaxis(p, 0, -1)
    if lay.spatial == 1:
        a = a[0]
    return np.ascontiguousarray(a.reshape(shape))


def _kernel4(k: np.ndarray, lay: Layout, dt) -> np.ndarray:
    """Any accepted kernel -> (Cout, Cin, kh, kw); a shared kernel -> (1, 1, kh, kw)."""
    if lay.shared:
        k4 = k.reshape(1, 1, lay.kh, lay.kw)
    else:
        k4 = k.reshape(lay.cout, lay.channels, lay.kh, lay.kw)
    return np.ascontiguousarray(k4, dtype=dt)


def _grad_shape_check(grad_out: np.ndarray, lay: Layout) -> None:
    if grad_out.shape != lay.out_shape:
        raise UsageError(f"grad_out has shape {grad_out.shape}, but the valid correlation of an input "
                         f"{lay.in_shape} with a kernel {lay.kernel_shape} has shape {lay.out_shape}")


def correlate_valid(x, k, *, stride: int | Sequence[int] = 1, dtype=None) -> np.ndarray:
    """Valid, strided correlation with 1-D, 2-D or multi-channel ``(out, in, ...)`` kernels.

    The same as ``convolve(x, k, mode="corr", padding="valid", stride=stride)`` for 1-D/2-D
    kernels; also takes ``K[out, in, kh, kw]`` (and ``K[out, in, kw]`` for signals), computing
    ``Z[j, k, i] = sum_{l,m,n} x[j*sy + m, k*sx + n, l] * K[i, l, m, n]``. This is the forward pass
    whose gradients are :func:`conv_grad_kernel` and :func:`conv_grad_input`.

    Parameters
    ----------
    x : array_like
        Input, channels last (see the module table).
    k : array_like
        Kernel.
    stride : int or sequence of int
        Output sample spacing per spatial axis.
    dtype : {None, numpy.float32, numpy.float64}
        Result precision (float32 by default); sums are accumulated in float64.

    Returns
    -------
    numpy.ndarray
        ``Z``, shaped as in the module table.

    Examples
    --------
    >>> correlate_valid(np.arange(6.0), [1.0, -1.0])
    array([-1., -1., -1., -1., -1.], dtype=float32)
    """
    from convcli.kernels.grad2d import corr_valid

    dt = resolve_dtype(dtype)
    xa = check_finite(as_float_array(x, "input", np.float64), "input")
    ka = check_finite(as_float_array(k, "kernel", np.float64), "kernel")
    lay = layout(xa.shape, ka.shape, stride)
    k4 = _kernel4(ka, lay, np.float64)
    sy, sx = lay.strides
    oh, ow = (1, lay.out_shape[0]) if lay.spatial == 1 else lay.out_shape[:2]
    xp = _planar(xa, lay, xa.ndim == lay.spatial + 1, np.float64)
    if lay.shared:
        planes = [corr_valid(xp[c : c + 1], k4, np.empty((1, oh, ow)), sy, sx) for c in range(lay.channels)]
        zp = np.concatenate(planes, axis=0)
    else:
        zp = corr_valid(xp, k4, np.empty((lay.cout, oh, ow)), sy, sx)
    return _channels_last(zp, lay, lay.out_shape).astype(dt, copy=False)


def conv_grad_kernel(x, grad_out, kernel_shape: Sequence[int], *, stride: int | Sequence[int] = 1,
                     dtype=None) -> np.ndarray:
    """Gradient with respect to the kernel of ``J = sum(grad_out * correlate_valid(x, k, stride))``.

    The seed's ``g(G, V, s)[i, j, k, l] = sum_{m,n} G[i, m, n] * V[j, m*s + k, n*s + l]`` (0-based,
    channels last here). It does not depend on ``k``, only on its shape.

    Parameters
    ----------
    x : array_like
        The forward pass's input, channels last.
    grad_out : array_like
        ``G = dJ/dZ``, shaped like the forward output.
    kernel_shape : sequence of int
        The kernel's shape: ``(kw,)``, ``(kh, kw)``, ``(Cout, Cin, kw)`` or ``(Cout, Cin, kh, kw)``.
    stride : int or sequence of int
        The forward pass's stride.
    dtype : {None, numpy.float32, numpy.float64}
        Result precision (float32 by default); sums are accumulated in float64.

    Returns
    -------
    numpy.ndarray
        ``dJ/dk``, of shape ``kernel_shape``.

    Raises
    ------
    UsageError
        Shapes that do not fit together.

    Examples
    --------
    >>> conv_grad_kernel(np.arange(4.0), np.ones(3), (2,))
    array([3., 6.], dtype=float32)
    """
    from convcli.kernels.grad2d import grad_kernel

    dt = resolve_dtype(dtype)
    xa = check_finite(as_float_array(x, "input", np.float64), "input")
    ga = check_finite(as_float_array(grad_out, "grad_out", np.float64), "grad_out")
    lay = layout(xa.shape, tuple(kernel_shape), stride)
    _grad_shape_check(ga, lay)
    sy, sx = lay.strides
    xp = _planar(xa, lay, xa.ndim == lay.spatial + 1, np.float64)
    gp = _planar(ga, lay, ga.ndim == lay.spatial + 1, np.float64)
    if lay.shared:
        total = np.zeros((1, 1, lay.kh, lay.kw))
        for c in range(lay.channels):
            total += grad_kernel(xp[c : c + 1], gp[c : c + 1], np.empty((1, 1, lay.kh, lay.kw)), sy, sx)
    else:
        total = grad_kernel(xp, gp, np.empty((lay.cout, lay.channels, lay.kh, lay.kw)), sy, sx)
    return total.reshape(lay.kernel_shape).astype(dt, copy=False)


def conv_grad_input(kernel, grad_out, input_shape: Sequence[int], *, stride: int | Sequence[int] = 1,
                    dtype=None) -> np.ndarray:
    """Gradient with respect to the input of ``J = sum(grad_out * correlate_valid(x, kernel, stride))``.

    The seed's ``h(K, G, s)``: each input sample receives ``G[i, r, q] * K[i, l, a, b]`` from every
    (output position, kernel offset) pair that read it. Input samples no output reads (the
    right/bottom remainder when the stride does not divide the size) get 0.

    Parameters
    ----------
    kernel : array_like
        The forward pass's kernel.
    grad_out : array_like
        ``G = dJ/dZ``, shaped like the forward output.
    input_shape : sequence of int
        The forward pass's input shape (channels last).
    stride : int or sequence of int
        The forward pass's stride.
    dtype : {None, numpy.float32, numpy.float64}
        Result precision (float32 by default); sums are accumulated in float64.

    Returns
    -------
    numpy.ndarray
        ``dJ/dx``, of shape ``input_shape``.

    Raises
    ------
    UsageError
        Shapes that do not fit together.

    Examples
    --------
    >>> conv_grad_input([1.0, -1.0], np.ones(3), (4,))
    array([ 1.,  0.,  0., -1.], dtype=float32)
    """
    from convcli.kernels.grad2d import grad_input

    dt = resolve_dtype(dtype)
    ka = check_finite(as_float_array(kernel, "kernel", np.float64), "kernel")
    ga = check_finite(as_float_array(grad_out, "grad_out", np.float64), "grad_out")
    in_shape = tuple(int(n) for n in input_shape)
    lay = layout(in_shape, ka.shape, stride)
    _grad_shape_check(ga, lay)
    sy, sx = lay.strides
    k4 = _kernel4(ka, lay, np.float64)
    gp = _planar(ga, lay, ga.ndim == lay.spatial + 1, np.float64)
    h, w = (1, in_shape[0]) if lay.spatial == 1 else in_shape[:2]
    if lay.shared:
        planes = [grad_input(k4, gp[c : c + 1], np.empty((1, h, w)), sy, sx) for c in range(lay.channels)]
        xp = np.concatenate(planes, axis=0)
    else:
        xp = grad_input(k4, gp, np.empty((lay.channels, h, w)), sy, sx)
    return _channels_last(xp, lay, in_shape).astype(dt, copy=False)
