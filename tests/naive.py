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


def naive_conv_matrix(shape, k, **options):
    """The matrix of ``naive_convolve`` built column by column: column ``j`` is the response to the
    unit impulse at input sample ``j`` (row-major), so ``M @ x.ravel() == naive_convolve(x).ravel()``."""
    shape = tuple(shape)
    n = int(np.prod(shape))
    columns = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = 1.0
        columns.append(naive_convolve(e.reshape(shape), k, **options).ravel())
    return np.stack(columns, axis=1)


# --- audio (issue 6) ---


def naive_window(name, n):
    """Periodic windows straight from their textbook formulas (``k = 0..n-1``, period ``n``)."""
    k = np.arange(n)
    if name == "hann":
        return np.sin(np.pi * k / n) ** 2
    if name == "hamming":
        return 0.54 - 0.46 * np.cos(2 * np.pi * k / n)
    if name == "blackman":
        return 0.42 - 0.5 * np.cos(2 * np.pi * k / n) + 0.08 * np.cos(4 * np.pi * k / n)
    return np.ones(n)


def naive_stft(x, n_fft, hop, window, center=True):
    """``S[f, t] = sum_n w[n] xp[t*hop + n] exp(-2j pi f n / n_fft)`` by a direct DFT matrix, where
    ``xp`` is ``x`` zero-padded by ``n_fft//2`` on both sides when ``center``."""
    x = np.asarray(x, dtype=np.float64)
    pad = n_fft // 2 if center else 0
    xp = np.concatenate([np.zeros(pad), x, np.zeros(pad)])
    w = naive_window(window, n_fft)
    frames = 1 + (len(xp) - n_fft) // hop
    f = np.arange(n_fft // 2 + 1)[:, None]
    n = np.arange(n_fft)[None, :]
    dft = np.exp(-2j * np.pi * f * n / n_fft)
    out = np.empty((n_fft // 2 + 1, frames), dtype=np.complex128)
    for t in range(frames):
        out[:, t] = dft @ (w * xp[t * hop:t * hop + n_fft])
    return out


def naive_causal_average(x, w):
    """``s(t) = sum_j w[j] x(t - j) / sum(w)``, with ``x(t) = x(0)`` for ``t < 0`` (repeat the first sample)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64) / np.sum(w)
    out = np.zeros_like(x)
    for t in range(x.shape[0]):
        for j in range(len(w)):
            out[t] += w[j] * x[max(t - j, 0)]
    return out


def naive_correlate_multi(x, k, *, stride=(1, 1)):
    """Valid strided correlation with ``K[out, in, kh, kw]`` on channels-last ``x (H, W, Cin)``:
    ``Z[j, k, i] = sum_{l,m,n} x[j*sy + m, k*sx + n, l] * K[i, l, m, n]`` (for tests only)."""
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    sy, sx = (stride, stride) if np.isscalar(stride) else stride
    cout, cin, kh, kw = k.shape
    oh = (x.shape[0] - kh) // sy + 1
    ow = (x.shape[1] - kw) // sx + 1
    z = np.zeros((oh, ow, cout))
    for j in range(oh):
        for kk in range(ow):
            patch = x[j * sy : j * sy + kh, kk * sx : kk * sx + kw, :]  # (kh, kw, cin)
            for i in range(cout):
                z[j, kk, i] = np.sum(patch * np.transpose(k[i], (1, 2, 0)))
    return z


def naive_locally_connected(x, w, *, stride=(1, 1)):
    """``Z[j, k, i] = sum_{l,m,n} x[j*sy + m, k*sx + n, l] * w[i, j, k, l, m, n]`` (the seed's unshared layer)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    sy, sx = (stride, stride) if np.isscalar(stride) else stride
    cout, oh, ow, cin, kh, kw = w.shape
    z = np.zeros((oh, ow, cout))
    for i in range(cout):
        for j in range(oh):
            for kk in range(ow):
                for ci in range(cin):
                    for m in range(kh):
                        for n in range(kw):
                            z[j, kk, i] += x[j * sy + m, kk * sx + n, ci] * w[i, j, kk, ci, m, n]
    return z


def naive_tiled(x, k, *, stride=(1, 1)):
    """``Z[j, k, i] = sum_{l,m,n} x[j*sy + m, k*sx + n, l] * K[i, l, m, n, j % ty, k % tx]`` (tiled convolution)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    sy, sx = (stride, stride) if np.isscalar(stride) else stride
    cout, cin, kh, kw, ty, tx = k.shape
    oh = (x.shape[0] - kh) // sy + 1
    ow = (x.shape[1] - kw) // sx + 1
    z = np.zeros((oh, ow, cout))
    for i in range(cout):
        for j in range(oh):
            for kk in range(ow):
                for ci in range(cin):
                    for m in range(kh):
                        for n in range(kw):
                            z[j, kk, i] += x[j * sy + m, kk * sx + n, ci] * k[i, ci, m, n, j % ty, kk % tx]
    return z


def naive_png_filter_rows(rows: np.ndarray, bpp: int, filters) -> bytes:
    """PNG-filter ``rows`` (uint8, rows x row bytes) the slow, obvious way (RFC 2083 section 6);
    ``filters[r]`` is row r's filter type 0-4. Returns the filtered bytes, a type byte per row."""
    out = bytearray()
    height, n = rows.shape
    for r in range(height):
        ft = int(filters[r % len(filters)])
        out.append(ft)
        for i in range(n):
            x = int(rows[r, i])
            a = int(rows[r, i - bpp]) if i >= bpp else 0
            b = int(rows[r - 1, i]) if r > 0 else 0
            c = int(rows[r - 1, i - bpp]) if r > 0 and i >= bpp else 0
            if ft == 0:
                pred = 0
            elif ft == 1:
                pred = a
            elif ft == 2:
                pred = b
            elif ft == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out.append((x - pred) % 256)
    return bytes(out)


def naive_png16(arr: np.ndarray, filters=(0, 1, 2, 3, 4), interlace: bool = False) -> bytes:
    """Encode a uint16 ``(H, W, C)`` array as a 16-bit PNG with the given row filters, optionally
    Adam7-interlaced, for testing decoders."""
    import struct
    import zlib

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    h, w, c = arr.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    big = arr.astype(">u2")
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b""
    for xs, ys, dx, dy in (passes if interlace else [(0, 0, 1, 1)]):
        sub = big[ys::dy, xs::dx]
        if sub.size == 0:
            continue
        rows = np.ascontiguousarray(sub).reshape(sub.shape[0], -1).view(np.uint8)
        raw += naive_png_filter_rows(rows, 2 * c, filters)
    header = struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 1 if interlace else 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def naive_to_integer(values, bits, output_range="clip", full_scale=None):
    """Float results to integers on the whole array at once (what ``io.images.to_integer`` does
    in blocks): scale to the output's units, abs/offset/rescale, NaN->0, clip, round."""
    maxval = 255.0 if bits == 8 else 65535.0
    v = np.asarray(values, dtype=np.float64)
    if full_scale is not None and full_scale != maxval:
        v = v * (maxval / full_scale)
    if output_range == "abs":
        v = np.abs(v)
    elif output_range == "offset":
        v = v + (maxval + 1.0) / 2.0
    elif output_range == "rescale":
        finite = v[np.isfinite(v)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        v = (v - lo) * (maxval / (hi - lo)) if hi > lo else np.zeros_like(v)
    v = np.nan_to_num(v, nan=0.0, posinf=maxval, neginf=0.0)
    return np.rint(np.clip(v, 0.0, maxval)).astype(np.uint8 if bits == 8 else np.uint16)


def naive_gabor(size, *, alpha, beta_x, beta_y, f, phi, tau, x0, y0):
    """SPEC's Gabor formula, one tap at a time: row = y (down), column = x (right)."""
    import math

    k = np.zeros((size, size))
    for row in range(size):
        for col in range(size):
            dx, dy = col - x0, row - y0
            xr = dx * math.cos(tau) + dy * math.sin(tau)
            yr = -dx * math.sin(tau) + dy * math.cos(tau)
            k[row, col] = alpha * math.exp(-beta_x * xr * xr - beta_y * yr * yr) * math.cos(f * xr + phi)
    return k


def naive_correlate_same(x, k, boundary="reflect"):
    """``same`` correlation of a 2-D array with an odd-sized kernel, one output at a time."""
    kh, kw = k.shape
    xp = extend(x, (kh // 2, kw // 2), (kh // 2, kw // 2), boundary)
    out = np.zeros(x.shape)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = np.sum(xp[i:i + kh, j:j + kw] * k)
    return out


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


def naive_pool3d(x, *, op="max", size=2, stride=None, padding="valid", boundary="ignore"):
    """3-D pooling of ``(D, H, W)`` (or each channel of ``(D, H, W, C)``) with explicit window loops.

    The geometry of :func:`naive_pool` along each of the three axes; ``ignore`` drops samples
    outside, other boundaries extend with :func:`extend`; one reduction over the whole 3-D window.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 4:
        return np.stack([naive_pool3d(x[..., c], op=op, size=size, stride=stride, padding=padding,
                                      boundary=boundary) for c in range(x.shape[3])], axis=-1)
    ks = (size,) * 3 if np.isscalar(size) else tuple(size)
    ss = ks if stride is None else ((stride,) * 3 if np.isscalar(stride) else tuple(stride))
    starts = []
    for n, k, s in zip(x.shape, ks, ss, strict=True):
        if padding == "valid":
            starts.append([i * s for i in range((n - k) // s + 1)])
        else:
            out = -(-n // s)
            before = max((out - 1) * s + k - n, 0) // 2
            starts.append([i * s - before for i in range(out)])
    pad = max(ks) * 2
    xp = extend(x, (pad,) * 3, (pad,) * 3, boundary if boundary != "ignore" else "zero")
    inside = np.pad(np.ones_like(x), pad) > 0
    res = np.zeros(tuple(len(s) for s in starts))
    for i, d0 in enumerate(starts[0]):
        for j, r0 in enumerate(starts[1]):
            for m, c0 in enumerate(starts[2]):
                sl = (slice(d0 + pad, d0 + pad + ks[0]), slice(r0 + pad, r0 + pad + ks[1]),
                      slice(c0 + pad, c0 + pad + ks[2]))
                win = xp[sl]
                if boundary == "ignore":
                    win = win[inside[sl]]
                if op == "max":
                    res[i, j, m] = win.max()
                elif op == "avg":
                    res[i, j, m] = win.mean()
                else:
                    res[i, j, m] = np.sqrt(np.sum(win * win))
    return res
