"""Slow, obvious NumPy references that follow SPEC.md's formulas literally (for tests only)."""

from __future__ import annotations

import itertools

import numpy as np

NP_PAD_MODE = {"zero": "constant", "reflect": "symmetric", "mirror": "reflect", "nearest": "edge", "wrap": "wrap"}


def extend(x: np.ndarray, before: tuple[int, ...], after: tuple[int, ...], boundary: str) -> np.ndarray:
    """Pad the leading axes of ``x`` by the boundary rule, with ``numpy.pad`` (an independent
    implementation: it repeats reflections for pads longer than the array)."""
    widths = list(zip(before, after, strict=True)) + [(0, 0)] * (x.ndim - len(before))
    return np.pad(np.asarray(x, dtype=np.float64), widths, mode=NP_PAD_MODE[boundary])


def naive_convolve(x, k, *, mode="conv", padding="same", boundary="reflect", stride=1, dilation=1):
    """``convolve`` for one channel of any dimension, straight from the definitions.

    ``full``: ``F[o] = sum_t X[o - (ke-1) + t] * c[t]`` with ``c`` the (dilated) kernel, flipped for
    ``conv``; ``same`` crops ``full`` to the input size from ``(ke-1)//2``; ``valid`` keeps
    ``full[ke-1 : n]``; the stride keeps samples ``0, s, 2s, ...``.
    """
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    nd = k.ndim
    strides = (stride,) * nd if np.isscalar(stride) else tuple(stride)
    dils = (dilation,) * nd if np.isscalar(dilation) else tuple(dilation)
    c = np.flip(k) if mode == "conv" else k
    ke = [d * (s - 1) + 1 for d, s in zip(dils, k.shape, strict=True)]
    cd = np.zeros(ke)
    cd[tuple(slice(None, None, d) for d in dils)] = c
    xp = extend(x, tuple(e - 1 for e in ke), tuple(e - 1 for e in ke), boundary)
    full_shape = [n + e - 1 for n, e in zip(x.shape, ke, strict=True)]
    full = np.zeros(full_shape)
    for o in itertools.product(*(range(n) for n in full_shape)):
        window = xp[tuple(slice(i, i + e) for i, e in zip(o, ke, strict=True))]
        full[o] = np.sum(window * cd)
    crops = []
    for n, e in zip(x.shape, ke, strict=True):
        start = {"full": 0, "same": (e - 1) // 2, "valid": e - 1}[padding]
        length = {"full": n + e - 1, "same": n, "valid": n - e + 1}[padding]
        crops.append((start, length))
    out = full[tuple(slice(s, s + n) for s, n in crops)]
    return out[tuple(slice(None, None, s) for s in strides)]


def naive_channels(x, k, **options):
    """Apply ``naive_convolve`` to each channel of a channels-last array."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == k.ndim:
        return naive_convolve(x, k, **options)
    return np.stack([naive_convolve(x[..., c], k, **options) for c in range(x.shape[-1])], axis=-1)


def naive_pool(x, *, op="max", size=2, stride=None, padding="valid", boundary="ignore"):
    """Pooling of a 2-D array (or each channel of ``(H, W, C)``) with explicit window loops.

    ``valid``: windows at ``0, s, 2s, ...`` fully inside; ``same``: ``ceil(n/s)`` windows, padded by
    ``p = max((out-1)*s + k - n, 0)`` split ``p//2`` before, the rest after (TensorFlow ``SAME``).
    ``ignore`` drops samples outside; other boundaries extend with ``numpy.pad``.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3:
        return np.stack([naive_pool(x[..., c], op=op, size=size, stride=stride, padding=padding,
                                    boundary=boundary) for c in range(x.shape[2])], axis=-1)
    ks = (size, size) if np.isscalar(size) else tuple(size)
    ss = ks if stride is None else ((stride, stride) if np.isscalar(stride) else tuple(stride))
    starts = []
    for n, k, s in zip(x.shape, ks, ss, strict=True):
        if padding == "valid":
            starts.append([i * s for i in range((n - k) // s + 1)])
        else:
            out = -(-n // s)
            before = max((out - 1) * s + k - n, 0) // 2
            starts.append([i * s - before for i in range(out)])
    pad = max(ks) * 2
    xp = extend(x, (pad, pad), (pad, pad), boundary if boundary != "ignore" else "zero")
    inside = np.pad(np.ones_like(x), pad) > 0
    res = np.zeros((len(starts[0]), len(starts[1])))
    for i, r0 in enumerate(starts[0]):
        for j, c0 in enumerate(starts[1]):
            win = xp[r0 + pad: r0 + pad + ks[0], c0 + pad: c0 + pad + ks[1]]
            if boundary == "ignore":
                win = win[inside[r0 + pad: r0 + pad + ks[0], c0 + pad: c0 + pad + ks[1]]]
            if op == "max":
                res[i, j] = win.max()
            elif op == "avg":
                res[i, j] = win.mean()
            else:
                res[i, j] = np.sqrt(np.sum(win * win))
    return res


def naive_seed_formula(v, k):
    """The seed's multi-channel formula, ``Z[i,j,k] = sum_{l,m,n} V[l, j+m, k+n] K[i,l,m,n]``, as explicit loops.

    ``v`` is channels-last ``(H, W, C_in)`` (so ``V[l, y, x]`` is ``v[y, x, l]``); valid positions only;
    the result is channels-last ``(H-kh+1, W-kw+1, C_out)``.
    """
    v = np.asarray(v, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    cout, cin, kh, kw = k.shape
    oh, ow = v.shape[0] - kh + 1, v.shape[1] - kw + 1
    z = np.zeros((oh, ow, cout))
    for i in range(cout):
        for j in range(oh):
            for kk in range(ow):
                acc = 0.0
                for l in range(cin):  # noqa: E741  (the seed's names)
                    for m in range(kh):
                        for n in range(kw):
                            acc += v[j + m, kk + n, l] * k[i, l, m, n]
                z[j, kk, i] = acc
    return z


def naive_multichannel(x, k, *, groups=1, **options):
    """A 4-D kernel as sums of single-channel ``naive_convolve`` results, group by group."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    cout, cpg = k.shape[:2]
    per_group = cout // groups
    outs = []
    for i in range(cout):
        g = i // per_group
        outs.append(sum(naive_convolve(x[:, :, g * cpg + l], k[i, l], **options) for l in range(cpg)))  # noqa: E741
    return np.stack(outs, axis=-1)
