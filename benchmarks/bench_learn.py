"""Gradients, locally connected and tiled layers vs NumPy/SciPy/OpenCV formulations of the same sums
(run: python -m benchmarks.bench_learn). float64 single-channel and 3->8-channel problems; ratios are
convcli time / other time (below 1: convcli faster), medians of interleaved runs in one process.
"""

from __future__ import annotations

import argparse
import datetime

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal

from benchmarks.common import interleaved_medians, machine
from convcli import conv_grad_input, conv_grad_kernel, correlate_valid, locally_connected, tiled_convolve


def _row(name, t, ref, n):
    mine = t["convcli"]
    print(f"| {name} | {mine * 1e3:.2f} | {ref} | {t[ref] * 1e3:.2f} | {mine / t[ref]:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="Numba and OpenCV threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        import numba

        numba.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)
    n = args.size
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, n))
    threads = args.threads or "default"
    print(f"# learn/local/tiled, float64 {n}x{n}, threads {threads}; {machine()}; {datetime.date.today().isoformat()}")
    print("| operation | convcli ms | reference | reference ms | convcli/reference time |")
    print("|---|---|---|---|---|")
    for k in (3, 7):
        kern = rng.normal(size=(k, k))
        g = rng.normal(size=(n - k + 1, n - k + 1))
        t = interleaved_medians({
            "convcli": lambda g=g, k=k: conv_grad_kernel(x, g, (k, k), dtype=np.float64),
            "scipy.signal.correlate": lambda g=g: signal.correlate(x, g, mode="valid"),
        }, repeats=args.repeats)
        _row(f"conv_grad_kernel {k}x{k}", t, "scipy.signal.correlate", n)
        t = interleaved_medians({
            "convcli": lambda g=g, kern=kern: conv_grad_input(kern, g, x.shape, dtype=np.float64),
            "scipy.signal.convolve": lambda g=g, kern=kern: signal.convolve(g, kern, mode="full"),
        }, repeats=args.repeats)
        _row(f"conv_grad_input {k}x{k}", t, "scipy.signal.convolve", n)
        t = interleaved_medians({
            "convcli": lambda kern=kern: correlate_valid(x, kern, dtype=np.float64),
            "cv2.filter2D": lambda kern=kern, c=k // 2: cv2.filter2D(x, -1, kern)[c : n - c, c : n - c],
        }, repeats=args.repeats)
        _row(f"correlate_valid {k}x{k}", t, "cv2.filter2D", n)
        w = rng.normal(size=(1, n - k + 1, n - k + 1, 1, k, k))
        t = interleaved_medians({
            "convcli": lambda w=w: locally_connected(x, w, dtype=np.float64),
            "numpy.einsum": lambda w=w, k=k: np.einsum("jkmn,jkmn->jk", sliding_window_view(x, (k, k)),
                                                       w[0, :, :, 0]),
        }, repeats=args.repeats)
        _row(f"locally_connected {k}x{k}", t, "numpy.einsum", n)
        kt = rng.normal(size=(1, 1, k, k, 2, 2))
        t = interleaved_medians({
            "convcli": lambda kt=kt: tiled_convolve(x, kt, dtype=np.float64),
            "4x cv2.filter2D": lambda kt=kt, k=k: _tiled_cv2(x, kt, k),
        }, repeats=args.repeats)
        _row(f"tiled_convolve {k}x{k}, t=2", t, "4x cv2.filter2D", n)
    # multi-channel gradients: 3 -> 8 channels, 3x3
    xc = rng.normal(size=(n, n, 3))
    k4 = rng.normal(size=(8, 3, 3, 3))
    gc = rng.normal(size=(n - 2, n - 2, 8))
    win = sliding_window_view(xc, (3, 3), axis=(0, 1))  # (oh, ow, cin, kh, kw)
    t = interleaved_medians({
        "convcli": lambda: conv_grad_kernel(xc, gc, k4.shape, dtype=np.float64),
        "numpy.tensordot": lambda: np.tensordot(gc, win, axes=([0, 1], [0, 1])),
    }, repeats=args.repeats)
    _row("conv_grad_kernel 3->8 ch 3x3", t, "numpy.tensordot", n)
    t = interleaved_medians({
        "convcli": lambda: correlate_valid(xc, k4, dtype=np.float64),
        "numpy.tensordot": lambda: np.tensordot(win, k4, axes=([2, 3, 4], [1, 2, 3])),
    }, repeats=args.repeats)
    _row("correlate_valid 3->8 ch 3x3", t, "numpy.tensordot", n)


def _tiled_cv2(x, kt, k):
    n = x.shape[0]
    out = np.empty((n - k + 1, n - k + 1))
    c = k // 2
    for a in range(2):
        for b in range(2):
            full = cv2.filter2D(x, -1, kt[0, 0, :, :, a, b])[c : n - c, c : n - c]
            out[a::2, b::2] = full[a::2, b::2]
    return out


if __name__ == "__main__":
    main()
