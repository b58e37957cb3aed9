"""Direct vs separable vs FFT by kernel size (finds ``FFT_MIN_TAPS``): python -m benchmarks.bench_methods.

float32 2048x2048, random dense kernels (and their rank-1 parts for separable), reflect boundary;
medians of interleaved runs; ratios of each method's time to direct's.
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.common import interleaved_medians, machine
from convcli import convolve


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--kernels", default="3,5,7,9,11,13,15,17,19,21,25,31")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((args.size, args.size), dtype=np.float32)
    print(f"# methods, float32 {args.size}x{args.size}; {machine()}")
    print("| kernel | direct ms | fft/direct | separable (rank-1 kernel)/direct |")
    print("|---|---|---|---|")
    for n in (int(s) for s in args.kernels.split(",")):
        k = rng.random((n, n)).astype(np.float32)
        k1 = np.outer(rng.random(n), rng.random(n)).astype(np.float32)
        t = interleaved_medians({
            "direct": lambda k=k: convolve(x, k, method="direct"),
            "fft": lambda k=k: convolve(x, k, method="fft"),
            "separable": lambda k=k1: convolve(x, k, method="separable"),
        }, repeats=args.repeats)
        print(f"| {n}x{n} | {t['direct'] * 1e3:.1f} | {t['fft'] / t['direct']:.2f} | "
              f"{t['separable'] / t['direct']:.2f} |")


if __name__ == "__main__":
    main()
