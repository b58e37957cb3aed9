"""Operation and parameter counts of one convolution, side by side with the dense matrix, separable,
FFT, strided, tiled and locally connected ways of computing (or storing) the same linear map.

Counting conventions (also returned in the report, under ``conventions``):

- a multiplication and an addition are one FLOP each; a dot product of ``T`` taps costs ``T``
  multiplications and ``T - 1`` additions (the seed's "2 multiplications + 1 addition" per output for
  the two-tap edge kernel); ``multiply_adds`` counts ``T`` per output (2 FLOPs each in the common
  "FLOPs = 2 x MACs" convention);
- no bias, and every tap is counted, also taps that read padding (that is what a direct kernel does);
- the dense matrix has one row per output sample and one column per input sample; a dense
  matrix-vector product is one multiply-add per entry; nonzeros are structural (taps of nonzero
  kernel entries that land on distinct input samples), which is what a sparse format stores.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from convcli.arrays import as_float_array, check_finite
from convcli.conventions import BOUNDARIES, MODES, PADDINGS, Axis, axes_for, check_choice, per_axis
from convcli.convmatrix import map_indices
from convcli.errors import UsageError

CONVENTIONS = {
    "flops": "a multiplication or an addition is 1 FLOP; a T-tap dot product costs T multiplications and "
             "T-1 additions (the seed's 2 multiplications + 1 addition per output for a two-tap kernel)",
    "multiply_adds": "T per output (a multiply-add is 2 FLOPs in the 'FLOPs = 2 x MACs' convention)",
    "padding": "every tap is counted, also taps that read padding; no bias",
    "dense": "rows = output samples, columns = input samples; a dense matrix-vector product is one "
             "multiply-add per entry (rows x (2 cols - 1) FLOPs); float32 = 4 bytes per entry; nonzeros are "
             "structural (nonzero taps landing on distinct input samples), CSR = 4-byte value + 4-byte column "
             "index per nonzero + 4 bytes per row",
    "separable": "a rank-r kernel is a sum of r outer products of 1-D kernels, applied as 1-D passes axis by "
                 "axis (the first passes run over every input row the later ones need)",
    "fft": "2.5 N log2 N FLOPs per real FFT of N points (half of 5 N log2 N for a complex radix-2 FFT); "
           "6 FLOPs per complex product, 2 per complex sum",
}

_SHAPE_ONLY = re.compile(r"^\s*\d+(\s*x\s*\d+){0,2}\s*$", re.IGNORECASE)


def parse_shape(text: str, *, what: str = "--input", channels: bool = True) -> tuple[int, ...]:
    """``'320x280'`` -> ``(280, 320)``; ``'WxHxC'`` -> ``(H, W, C)`` (with ``channels``); ``'N'`` -> ``(N,)``."""
    parts = [p.strip() for p in str(text).lower().split("x")]
    most = 3 if channels else 2
    if not 1 <= len(parts) <= most or not all(p.isdigit() for p in parts):
        form = "N, WxH or WxHxC" if channels else "N or WxH"
        raise UsageError(f"{what} must be {form} (positive whole numbers); got {text!r}")
    values = [int(p) for p in parts]
    if any(v < 1 for v in values):
        raise UsageError(f"{what} sizes must be positive; got {text!r}")
    if len(values) == 1:
        return (values[0],)
    w, h = values[:2]
    return (h, w) + tuple(values[2:])


def is_shape_spec(spec: str) -> bool:
    """True for a kernel given by its size only (``'3x3'``, ``'5'``): counts that need values are skipped."""
    return bool(_SHAPE_ONLY.match(spec))


@dataclass(frozen=True)
class Layer:
    """A normalised convolution layer: spatial geometry, channels and the kernel's nonzero pattern."""

    spatial_in: tuple[int, ...]
    kshape: tuple[int, ...]
    cin: int
    cout: int
    groups: int
    shared: bool                     # one spatial kernel applied to each channel alone
    kernels: np.ndarray | None       # (cout, cin_g, *kshape), correlation orientation; None: shape only
    has_channels: bool

    @property
    def cin_g(self) -> int:
        return self.cin // self.groups

    @property
    def taps(self) -> int:
        return math.prod(self.kshape)


def op_counts(
    input_shape: Sequence[int],
    kernel,
    *,
    mode: str = "conv",
    padding: str = "same",
    boundary: str = "reflect",
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    channels_in: int | None = None,
    channels_out: int | None = None,
    groups: int | None = None,
    layers: int = 3,
    tile: int = 2,
) -> dict:
    """Count the work and the parameters of one convolution, computed several ways.

    Parameters
    ----------
    input_shape : sequence of int
        Array shape, channels last: ``(N,)``, ``(H, W)``, ``(H, W, C)`` (or ``(D, H, W[, C])``).
    kernel : array_like or tuple of int
        The kernel's values (1-D to 3-D spatial, or a 4-D layer ``K[out, in/groups, kh, kw]``), or,
        as a ``tuple`` of ints, only its shape (then every tap counts as nonzero and the rank is unknown).
    mode, padding, boundary, stride, dilation
        As :func:`convcli.convolve` (``boundary`` matters for the matrix's nonzeros and the FFT size).
    channels_in, channels_out, groups : int, optional
        The layer's channels. By default a 1-D to 3-D kernel filters each input channel alone (as
        ``convolve`` does); giving ``channels_out`` makes it a layer with ``channels_out x
        channels_in/groups`` kernels of that shape.
    layers : int
        Stacked layers for the receptive field.
    tile : int
        ``t`` of the tiled (``t x t`` kernels) parameter count.

    Returns
    -------
    dict
        JSON-ready: ``direct``, ``dense``, ``separable``, ``fft``, ``strided``, ``parameters``,
        ``receptive_field`` and the ``conventions`` used (see the module docstring).

    Examples
    --------
    The seed's example: a 320x280 image and the two-tap edge kernel, valid padding.

    >>> from convcli import op_counts
    >>> r = op_counts((280, 320), [[1, -1]], padding="valid")
    >>> r["direct"]["flops"], r["dense"]["entries"]
    (267960, 8003072000)
    """
    check_choice("mode", mode, MODES)
    check_choice("padding", padding, PADDINGS)
    check_choice("boundary", boundary, BOUNDARIES)
    if isinstance(layers, bool) or int(layers) != layers or layers < 1:
        raise UsageError(f"layers must be a whole number >= 1; got {layers!r}")
    if isinstance(tile, bool) or int(tile) != tile or tile < 1:
        raise UsageError(f"tile must be a whole number >= 1; got {tile!r}")
    layer = _layer(input_shape, kernel, mode, channels_in, channels_out, groups)
    nd = len(layer.kshape)
    axes = axes_for(layer.spatial_in, layer.kshape, per_axis("stride", stride, nd),
                    per_axis("dilation", dilation, nd), padding)
    direct = _direct(layer, axes)
    dense = _dense(layer, axes, boundary, direct)
    out_shape = [ax.length for ax in axes] + ([layer.cout] if layer.has_channels or layer.cout != 1 else [])
    return {
        "input_shape": [*layer.spatial_in] + ([layer.cin] if layer.has_channels else []),
        "output_shape": out_shape,
        "kernel_shape": list(layer.kshape),
        "kernel_values_known": layer.kernels is not None,
        "mode": mode,
        "padding": padding,
        "boundary": boundary,
        "stride": [ax.stride for ax in axes],
        "dilation": [ax.dilation for ax in axes],
        "channels_in": layer.cin,
        "channels_out": layer.cout,
        "groups": layer.groups,
        "shared_across_channels": layer.shared,
        "direct": direct,
        "dense": dense,
        "separable": _separable(layer, axes, direct),
        "fft": _fft(layer, axes, boundary),
        "strided": _strided(layer, axes, direct),
        "parameters": _parameters(layer, axes, direct, dense, int(tile)),
        "receptive_field": _receptive_field(axes, int(layers)),
        "conventions": dict(CONVENTIONS),
    }


# --- normalising the layer ---------------------------------------------------------------------


def _layer(input_shape, kernel, mode, channels_in, channels_out, groups) -> Layer:
    try:
        shape = tuple(int(n) for n in input_shape)
    except (TypeError, ValueError):
        raise UsageError(f"input_shape must be a sequence of sizes; got {input_shape!r}") from None
    if not shape or any(n < 1 for n in shape):
        raise UsageError(f"input_shape sizes must be positive; got {input_shape!r}")
    values = None
    if isinstance(kernel, tuple) and all(isinstance(v, (int, np.integer)) for v in kernel):
        kshape = tuple(int(v) for v in kernel)
        if not kshape or any(v < 1 for v in kshape):
            raise UsageError(f"a tuple kernel is a kernel shape and needs positive sizes; got {kernel!r} "
                             "(pass a list or an array for kernel values)")
    else:
        values = check_finite(as_float_array(kernel, "kernel", np.float64), "kernel")
        kshape = values.shape
    if len(kshape) == 2 and len(shape) == 1 and 1 in kshape:
        kshape = (max(kshape),)
        values = None if values is None else values.ravel()
    layer_kernel = len(kshape) == 4
    spatial = 2 if layer_kernel else len(kshape)
    if not 1 <= len(kshape) <= 4:
        raise UsageError(f"kernels are 1-D to 4-D; got shape {kshape}")
    if len(shape) not in (spatial, spatial + 1):
        raise UsageError(f"a {spatial}-D kernel needs a {spatial}-D input shape, or one with channels last; "
                         f"got {shape}")
    has_channels = len(shape) == spatial + 1
    data_c = shape[-1] if has_channels else None
    cin = _positive("channels_in", channels_in) if channels_in is not None else (data_c or 1)
    if data_c is not None and cin != data_c:
        raise UsageError(f"channels_in={cin} does not match the input's {data_c} channels")
    cout = _positive("channels_out", channels_out) if channels_out is not None else None
    g = _positive("groups", groups) if groups is not None else None
    shared = False
    if layer_kernel:
        k_out, k_in = kshape[:2]
        if cout is not None and cout != k_out:
            raise UsageError(f"channels_out={cout} does not match the kernel's {k_out} output channels")
        cout = k_out
        if g is None:
            g = cin // k_in if k_in and cin % k_in == 0 else 0
        if g < 1 or cin != g * k_in:
            raise UsageError(f"the kernel takes {k_in} input channels per group; {cin} input channels "
                             f"do not split into groups of {k_in}")
        kshape = kshape[2:]
    elif cout is None and g is None:
        cout, g, shared = cin, cin, True
    else:
        g = g or 1
        cout = cout if cout is not None else cin
    if cin % g or cout % g:
        raise UsageError(f"groups={g} must divide channels_in={cin} and channels_out={cout}")
    kernels = None
    if values is not None:
        corr = np.flip(values, axis=tuple(range(values.ndim - len(kshape), values.ndim))) if mode == "conv" \
            else values
        kernels = corr.reshape((-1 if layer_kernel else 1,) + (corr.shape[1] if layer_kernel else 1,) + kshape)
    return Layer(shape[:spatial], tuple(kshape), cin, cout, g, shared, kernels, has_channels)


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise UsageError(f"{name} must be a whole number >= 1; got {value!r}")
    return int(value)


def _pairs(layer: Layer):
    """The spatial kernels of the layer, one per (output, input-in-group) pair (the shared kernel once)."""
    n_pairs = layer.cout * layer.cin_g
    if layer.kernels is None:
        return [(None, n_pairs)]
    if layer.shared:
        return [(layer.kernels[0, 0], n_pairs)]
    return [(layer.kernels[o, i], 1) for o in range(layer.cout) for i in range(layer.cin_g)]


# --- the sections ------------------------------------------------------------------------------


def _direct(layer: Layer, axes: Sequence[Axis]) -> dict:
    positions = math.prod(ax.length for ax in axes)
    outputs = positions * layer.cout
    taps = layer.cin_g * layer.taps
    return {
        "outputs": outputs,
        "taps_per_output": taps,
        "multiplies": outputs * taps,
        "adds": outputs * (taps - 1),
        "flops": outputs * (2 * taps - 1),
        "multiply_adds": outputs * taps,
        "parameters": layer.taps if layer.shared else layer.cout * layer.cin_g * layer.taps,
    }


def _dense(layer: Layer, axes: Sequence[Axis], boundary: str, direct: dict) -> dict:
    rows = layer.cout * math.prod(ax.length for ax in axes)
    cols = layer.cin * math.prod(ax.n for ax in axes)
    entries = rows * cols
    signatures = [_axis_signatures(ax, boundary) for ax in axes]
    cache: dict[bytes, int] = {}
    nonzeros = 0
    for kern, count in _pairs(layer):
        pattern = np.ones(layer.kshape, dtype=bool) if kern is None else kern != 0
        key = pattern.tobytes()
        if key not in cache:
            cache[key] = structural_nonzeros(signatures, pattern)
        nonzeros += count * cache[key]
    flops = rows * (2 * cols - 1)
    return {
        "rows": rows,
        "cols": cols,
        "entries": entries,
        "nonzeros": nonzeros,
        "density": nonzeros / entries,
        "multiplies": entries,
        "adds": rows * (cols - 1),
        "flops": flops,
        "multiply_adds": entries,
        "bytes_float32": 4 * entries,
        "sparse_csr_bytes": 8 * nonzeros + 4 * (rows + 1),
        "entries_per_parameter": entries / direct["parameters"],
        "flops_over_direct": flops / direct["flops"],
    }


def _axis_signatures(ax: Axis, boundary: str) -> list[tuple[np.ndarray, int]]:
    """Per axis: the distinct ways output samples fold their taps onto input samples, with counts.

    A signature gives each tap the index of the first tap reading the same input sample (``-1`` for
    a tap reading the zero padding); rows with equal signatures have equally many nonzeros.
    """
    r = np.arange(ax.length, dtype=np.int64)
    first = ax.offset + r * ax.stride
    last = first + (ax.k - 1) * ax.dilation
    inside = (first >= 0) & (last < ax.n)
    out = []
    n_inside = int(inside.sum())
    if n_inside:
        out.append((np.arange(ax.k), n_inside))
    edge = r[~inside]
    if edge.size:
        t = np.arange(ax.k, dtype=np.int64)
        cols = map_indices(ax.offset + edge[:, None] * ax.stride + t[None, :] * ax.dilation, ax.n, boundary)
        same = cols[:, :, None] == cols[:, None, :]
        labels = np.where(cols >= 0, np.argmax(same, axis=2), -1)
        uniq, counts = np.unique(labels, axis=0, return_counts=True)
        out.extend((u, int(c)) for u, c in zip(uniq, counts, strict=True))
    return out


def structural_nonzeros(signatures: Sequence[list[tuple[np.ndarray, int]]], pattern: np.ndarray) -> int:
    """Nonzeros of the convolution matrix of one spatial kernel (``pattern``: its nonzero taps)."""
    if pattern.all():
        # every tap nonzero: each row's count is the product of its per-axis distinct columns
        return math.prod(sum(count * _distinct(labels) for labels, count in sig) for sig in signatures)
    if pattern.ndim == 2:
        return _nonzeros_2d(signatures, pattern)
    total = 0
    sizes = pattern.shape
    for combo in itertools.product(*signatures):
        rows = math.prod(count for _, count in combo)
        key = np.zeros(sizes, dtype=np.int64)
        valid = pattern.copy()
        for a, (labels, _) in enumerate(combo):
            lab = labels.reshape([-1 if b == a else 1 for b in range(len(sizes))])
            valid &= lab >= 0
            key = key * sizes[a] + lab
        total += rows * int(np.unique(key[valid]).size)
    return total


def _distinct(labels: np.ndarray) -> int:
    return int(np.unique(labels[labels >= 0]).size)


def _indicators(signature: list[tuple[np.ndarray, int]]) -> list[np.ndarray]:
    """For each signature, the (taps x input samples) 0/1 matrix of which tap reads which sample."""
    mats = []
    for labels, _ in signature:
        classes = np.unique(labels[labels >= 0])
        mats.append((labels[:, None] == classes[None, :]).astype(np.float32))
    return mats


def _nonzeros_2d(signatures, pattern: np.ndarray) -> int:
    """2-D nonzeros: for a row class pair, the samples (cy, cx) reached by a nonzero tap are the nonzeros
    of ``Ay.T @ P @ Ax`` (0/1 indicator products, exact in float32), all column classes at once."""
    sig_y, sig_x = signatures
    ay, ax = _indicators(sig_y), _indicators(sig_x)
    widths = np.array([a.shape[1] for a in ax], dtype=np.int64)
    if not widths.sum():
        return 0
    ax_all = np.concatenate(ax, axis=1)
    ends = np.cumsum(widths)
    starts = ends - widths
    counts_x = np.array([count for _, count in sig_x], dtype=np.int64)
    p = pattern.astype(np.float32)
    total = 0
    for a, (_, count_y) in zip(ay, sig_y, strict=True):
        if not a.shape[1]:
            continue
        reached = ((a.T @ p) > 0).astype(np.float32) @ ax_all > 0
        cum = np.concatenate([[0], np.cumsum(reached.sum(axis=0, dtype=np.int64))])
        total += count_y * int(np.dot(cum[ends] - cum[starts], counts_x))
    return total


def kernel_rank(kernel: np.ndarray, rtol: float = 1e-9) -> int | None:
    """Rank of a 2-D kernel (SVD, relative tolerance ``rtol``); 1-D: 1; 3-D: 1 if it is an outer
    product of three vectors, else None (tensor rank is not computed)."""
    k = np.asarray(kernel, dtype=np.float64)
    if not k.any():
        return 0
    if k.ndim == 1:
        return 1
    if k.ndim == 2:
        s = np.linalg.svd(k, compute_uv=False)
        return int((s > rtol * s[0]).sum())
    ranks = [kernel_rank(np.moveaxis(k, a, 0).reshape(k.shape[a], -1), rtol) for a in range(k.ndim)]
    return 1 if max(ranks) == 1 else None


def _separable(layer: Layer, axes: Sequence[Axis], direct: dict) -> dict:
    w = list(layer.kshape)
    info = {
        "applicable": len(w) > 1,
        "rank": None,
        "taps_per_output_direct": layer.taps,
        "point": f"a rank-1 kernel of {'x'.join(map(str, w))} taps costs {sum(w)} per output in 1-D passes "
                 f"instead of {layer.taps} (O(w*d) instead of O(w^d))",
    }
    if len(w) == 1:
        info["note"] = "a 1-D kernel is already one pass"
        return info
    if layer.kernels is None:
        info["note"] = "kernel values not given: the rank is unknown"
        return info
    ranks = []
    for kern, count in _pairs(layer):
        ranks.extend([kernel_rank(kern)] * count)
    if any(r is None for r in ranks):
        info["note"] = "a 3-D kernel that is not rank-1 (tensor rank is not computed)"
        return info
    rank = max(ranks)
    info["rank"] = rank
    positions = math.prod(ax.length for ax in axes)
    mul_term, add_term = _pass_costs(axes)
    mults = sum(r * mul_term for r in ranks)
    adds = sum(r * add_term + max(r - 1, 0) * positions for r in ranks)
    adds += layer.cout * (layer.cin_g - 1) * positions
    params = sum(r * sum(w) for r in (ranks[:1] if layer.shared else ranks))
    info.update({
        "full_rank": rank == min(w) if len(w) == 2 else False,
        "terms": rank,
        "taps_per_output_separable": rank * sum(w),
        "parameters": params,
        "multiplies": mults,
        "adds": adds,
        "flops": mults + adds,
        "flops_over_direct": (mults + adds) / direct["flops"],
        "pays_off": mults + adds < direct["flops"],
    })
    return info


def _pass_costs(axes: Sequence[Axis]) -> tuple[int, int]:
    """Multiplies and adds of one rank-1 term: 1-D passes from the last axis to the first."""
    needed = [len(np.unique(ax.offset + np.arange(ax.length)[:, None] * ax.stride
                            + np.arange(ax.k)[None, :] * ax.dilation)) for ax in axes]
    mults = adds = 0
    for a in reversed(range(len(axes))):
        count = math.prod(needed[:a]) * math.prod(ax.length for ax in axes[a:])
        mults += count * axes[a].k
        adds += count * (axes[a].k - 1)
    return mults, adds


def next_fast_len(n: int) -> int:
    """The smallest 2,3,5-smooth integer >= ``n`` (the sizes FFT libraries are fast at)."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            q = -(-n // p35)
            p2 = 1 << max(q - 1, 0).bit_length()
            best = min(best, p2 * p35)
            p35 *= 3
        p5 *= 5
    return best


def _fft(layer: Layer, axes: Sequence[Axis], boundary: str) -> dict:
    padded = []
    for ax in axes:
        if ax.padding == "valid":
            extent = ax.n
        else:
            extent = ax.unit_length - 1 + ax.effective
        if boundary == "wrap" and ax.padding == "same" and ax.effective <= ax.n:
            padded.append(ax.n)  # the circular convolution is the wrapped one itself
        else:
            padded.append(next_fast_len(extent))
    n = math.prod(padded)
    half = n // padded[-1] * (padded[-1] // 2 + 1)
    per_fft = 2.5 * n * math.log2(n) if n > 1 else 0.0
    kernel_ffts = 1 if layer.shared else layer.cout * layer.cin_g
    products = layer.cout * layer.cin_g
    data_flops = per_fft * (layer.cin + layer.cout) + 6 * products * half \
        + 2 * layer.cout * (layer.cin_g - 1) * half
    kernel_flops = per_fft * kernel_ffts
    return {
        "padded_shape": padded,
        "points": n,
        "half_spectrum": half,
        "transforms": {"input": layer.cin, "kernel": kernel_ffts, "inverse": layer.cout},
        "flops": round(data_flops + kernel_flops),
        "flops_kernel_precomputed": round(data_flops),
        "formula": "(Cin + Cout + Kt) * 2.5 N log2 N + 6 Cout Cin/g H + 2 Cout (Cin/g - 1) H, N = prod(P), "
                   "H = N/P_last * (P_last//2 + 1), P = smallest 2,3,5-smooth size >= the padded input "
                   "extent on each axis (n for wrap with same padding), Kt = kernel transforms; "
                   "the stride does not reduce it",
    }


def _strided(layer: Layer, axes: Sequence[Axis], direct: dict) -> dict:
    unit_outputs = layer.cout * math.prod(ax.unit_length for ax in axes)
    per_output = direct["taps_per_output"]
    unit_flops = unit_outputs * (2 * per_output - 1)
    return {
        "stride": [ax.stride for ax in axes],
        "outputs": direct["outputs"],
        "unit_stride_outputs": unit_outputs,
        "flops_strided": direct["flops"],
        "flops_conv_then_downsample": unit_flops,
        "wasted_flops": unit_flops - direct["flops"],
        "wasted_fraction": (unit_flops - direct["flops"]) / unit_flops,
    }


def _parameters(layer: Layer, axes: Sequence[Axis], direct: dict, dense: dict, tile: int) -> dict:
    per_kernel = layer.cout * layer.cin_g * layer.taps
    positions = math.prod(ax.length for ax in axes)
    return {
        "convolution": direct["parameters"],
        "tile": tile,
        "tiled": tile ** len(axes) * per_kernel,
        "locally_connected": positions * per_kernel,
        "dense": dense["entries"],
        "formulas": {
            "convolution": "out * in/groups * prod(k)" + ("; one kernel shared by every channel: prod(k)"
                                                          if layer.shared else ""),
            "tiled": "t^d * out * in/groups * prod(k)",
            "locally_connected": "out * prod(output size) * in/groups * prod(k)",
            "dense": "rows * cols of the matrix",
        },
    }


def _receptive_field(axes: Sequence[Axis], layers: int) -> dict:
    """Span of input samples reaching one output after ``layers`` stacked copies of this layer, and
    how many of them actually connect (dilation leaves holes)."""
    sizes = []
    rf = [1] * len(axes)
    jump = [1] * len(axes)
    reached: list[np.ndarray | None] = [np.zeros(1, dtype=np.int64) for _ in axes]
    for _ in range(layers):
        for a, ax in enumerate(axes):
            rf[a] += (ax.effective - 1) * jump[a]
            if reached[a] is not None and rf[a] <= 1 << 20:
                reached[a] = np.unique(reached[a][:, None] + jump[a] * ax.dilation * np.arange(ax.k)[None, :])
            else:
                reached[a] = None
            jump[a] *= ax.stride
        sizes.append(list(rf))
    connected = None if any(r is None for r in reached) else math.prod(len(r) for r in reached)
    covered = math.prod(min(r, ax.n) for r, ax in zip(rf, axes, strict=True))
    return {
        "layers": layers,
        "per_layer": sizes,
        "size": sizes[-1],
        "inputs_spanned": math.prod(rf),
        "inputs_connected": connected,
        "input_fraction": covered / math.prod(ax.n for ax in axes),
    }


def direct_vs_dense(input_shape: Sequence[int], kernel, *, seconds: float | None = None, **geometry) -> dict:
    """The direct-convolution vs dense-matrix comparison of one actual run (what ``filter --report`` shows).

    ``geometry`` holds the :func:`op_counts` options; ``seconds`` is the measured filtering time, which
    gives the achieved FLOP rate and the dense product's time at that same rate (an optimistic bound:
    the matrix would not even fit in memory for ordinary images).
    """
    r = op_counts(input_shape, kernel, layers=1, **geometry)
    d, m = r["direct"], r["dense"]
    out = {
        "direct_flops": d["flops"],
        "direct_multiply_adds": d["multiply_adds"],
        "parameters": d["parameters"],
        "dense_rows": m["rows"],
        "dense_cols": m["cols"],
        "dense_entries": m["entries"],
        "dense_nonzeros": m["nonzeros"],
        "dense_bytes_float32": m["bytes_float32"],
        "dense_flops": m["flops"],
        "dense_over_direct": m["flops_over_direct"],
    }
    if seconds is not None:
        out["measured_seconds"] = seconds
        rate = d["flops"] / seconds if seconds > 0 else None
        out["direct_flops_per_second"] = rate
        out["dense_seconds_at_measured_rate"] = m["flops"] / rate if rate else None
    return out
