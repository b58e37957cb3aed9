"""Do the counts of `convcli ops` predict time? Direct convolution vs the same map as a dense matrix
(NumPy BLAS matvec) and as a sparse CSR matrix (SciPy), float32, small images
(run: python -m benchmarks.bench_ops).

Prints medians of interleaved runs in one process, the measured time ratio dense/direct and the
FLOP ratio `op_counts` predicts.
"""

from __future__ import annotations

import argparse
import datetime

import numpy as np
from scipy import sparse

from benchmarks.common import interleaved_medians, machine
from convcli import conv_matrix, convolve, op_counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="16,32,64")
    parser.add_argument("--kernels", default="3,7")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"# direct vs dense vs sparse, float32, zero boundary, same padding; {machine()}; "
          f"{datetime.date.today().isoformat()}")
    print("| image | kernel | matrix | direct µs | dense µs | CSR µs | dense/direct time | dense/direct FLOPs |")
    print("|---|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        for ks in (int(s) for s in args.kernels.split(",")):
            x = rng.random((n, n), dtype=np.float32)
            k = rng.random((ks, ks)).astype(np.float32)
            m = conv_matrix(x.shape, k, boundary="zero")
            csr = sparse.csr_matrix(m)
            flat = x.ravel()
            t = interleaved_medians({
                "direct": lambda x=x, k=k: convolve(x, k, boundary="zero"),
                "dense": lambda m=m, flat=flat: m @ flat,
                "csr": lambda csr=csr, flat=flat: csr @ flat,
            }, repeats=args.repeats)
            counts = op_counts(x.shape, k, boundary="zero")
            print(f"| {n}x{n} | {ks}x{ks} | {m.shape[0]}x{m.shape[1]} | {t['direct'] * 1e6:.0f} | "
                  f"{t['dense'] * 1e6:.0f} | {t['csr'] * 1e6:.0f} | {t['dense'] / t['direct']:.1f} | "
                  f"{counts['dense']['flops_over_direct']:.1f} |")


if __name__ == "__main__":
    main()
