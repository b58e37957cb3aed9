"""Peak RSS of an 8192x8192 float32 ``same`` convolution vs input + output: python -m benchmarks.bench_memory_convolve.

Target: peak RSS <= 1.3 x (input + output). The process's own baseline (Python, NumPy, Numba) is
included in the peak, as a user would see it.
"""

from __future__ import annotations

import argparse
import resource

import numpy as np

from convcli import convolve


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--kernel", type=int, default=3)
    parser.add_argument("--method", default="auto")
    args = parser.parse_args()
    k = np.random.default_rng(1).random((args.kernel, args.kernel))
    convolve(np.ones((64, 4096), np.float32), k, method=args.method)  # load the kernels first
    x = np.empty((args.size, args.size), dtype=np.float32)
    x[...] = 1.0
    y = convolve(x, k, method=args.method)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    data = x.nbytes + y.nbytes
    print(f"{args.size}x{args.size} float32, {args.kernel}x{args.kernel} {args.method}: peak RSS "
          f"{peak / 2**20:.0f} MiB, input + output {data / 2**20:.0f} MiB, ratio {peak / data:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
