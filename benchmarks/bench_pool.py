"""Pooling and 4-D kernels vs NumPy and PyTorch (run: python -m benchmarks.bench_pool).

1. 2x2 max pooling, stride 2, float32 4096x4096: convcli.pool vs a NumPy strided reduction (the maximum of
   the four strided views), NumPy's reshape-and-max, and torch.nn.functional.max_pool2d when torch is
   importable.
2. A 4-D kernel, 16 -> 32 channels, 3x3, float32 512x512 (zero boundary, correlation, same size): convcli's
   multi-channel kernel (channels-last in and out) vs torch.conv2d (NCHW, its own layout) when importable,
   and vs the alternative of reusing the single-channel 2-D kernel once per (out, in) pair and summing.

Medians of interleaved runs in one process; a ratio below 1 means convcli is faster. torch is optional
(never a dependency of convcli); without it its columns read "-".
"""

from __future__ import annotations

import argparse
import datetime

import numpy as np

from benchmarks.common import interleaved_medians, machine
from convcli import convolve, pool


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def bench_maxpool(size: int, repeats: int) -> None:
    torch = _torch()
    x = np.random.default_rng(0).random((size, size), dtype=np.float32)
    h = size // 2

    def strided():
        return np.maximum(np.maximum(x[0::2, 0::2], x[0::2, 1::2]), np.maximum(x[1::2, 0::2], x[1::2, 1::2]))

    funcs = {
        "convcli": lambda: pool(x, op="max", size=2),
        "numpy strided": strided,
        "numpy reshape": lambda: x.reshape(h, 2, h, 2).max(axis=(1, 3)),
    }
    assert np.array_equal(funcs["convcli"](), strided())
    if torch is not None:
        tx = torch.from_numpy(x)[None, None]
        funcs["torch"] = lambda: torch.nn.functional.max_pool2d(tx, 2)
        assert np.array_equal(funcs["torch"]()[0, 0].numpy(), strided())
    t = interleaved_medians(funcs, repeats=repeats)
    print(f"\n### 2x2 max pooling, stride 2, float32 {size}x{size} (input Mpix/s)\n")
    print("| implementation | ms | Mpix/s | time / convcli time |")
    print("|---|---|---|---|")
    for name, sec in t.items():
        print(f"| {name} | {sec * 1e3:.1f} | {x.size / sec / 1e6:.0f} | {sec / t['convcli']:.2f} |")


def bench_conv4d(size: int, cin: int, cout: int, repeats: int, pairs: bool) -> None:
    torch = _torch()
    rng = np.random.default_rng(1)
    x = rng.random((size, size, cin), dtype=np.float32)
    k = rng.normal(size=(cout, cin, 3, 3)).astype(np.float32)
    funcs = {"convcli": lambda: convolve(x, k, mode="corr", boundary="zero")}
    want = funcs["convcli"]()
    if torch is not None:
        tx = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, 2, 0))[None])
        tk = torch.from_numpy(k)
        funcs["torch conv2d"] = lambda: torch.conv2d(tx, tk, padding=1)
        got = np.moveaxis(funcs["torch conv2d"]()[0].numpy(), 0, 2)
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)
    if pairs:
        def per_pair():
            out = np.zeros((size, size, cout), dtype=np.float32)
            for i in range(cout):
                for ch in range(cin):
                    out[:, :, i] += convolve(x[:, :, ch], k[i, ch], mode="corr", boundary="zero")
            return out

        funcs["2-D kernel per (out, in) pair"] = per_pair
    t = interleaved_medians(funcs, repeats=repeats)
    macs = size * size * cout * cin * 9
    print(f"\n### 4-D kernel {cin} -> {cout} channels, 3x3, float32 {size}x{size}\n")
    print("| implementation | ms | GMAC/s | time / convcli time |")
    print("|---|---|---|---|")
    for name, sec in t.items():
        print(f"| {name} | {sec * 1e3:.1f} | {macs / sec / 1e9:.1f} | {sec / t['convcli']:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pool-size", type=int, default=4096)
    parser.add_argument("--conv-size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-pairs", action="store_true", help="skip the slow per-pair 2-D alternative")
    args = parser.parse_args()
    torch = _torch()
    threads = f"torch {torch.__version__}, {torch.get_num_threads()} threads" if torch else "torch not installed"
    print(f"# bench_pool; {machine()}; {threads}; {datetime.date.today().isoformat()}")
    bench_maxpool(args.pool_size, args.repeats)
    bench_conv4d(args.conv_size, 16, 32, max(3, args.repeats // 2), not args.no_pairs)


if __name__ == "__main__":
    main()
