"""convcli 3-D pooling vs scipy.ndimage and NumPy (run: python -m benchmarks.bench_pool3d).

On a float32 volume (default 256^3):

- 2x2x2 max pooling, stride 2: ``pool(x, size=2, volume=True)`` vs a NumPy block reduction
  (``reshape`` + ``max``) and ``ndimage.maximum_filter`` followed by ``[::2, ::2, ::2]``;
- 3x3x3 average, stride 1, ``same``, reflect: vs ``ndimage.uniform_filter``.

Prints medians of interleaved runs in one process and time ratios (convcli / other; below 1 means
convcli is faster), plus the largest difference from the other result.
"""

from __future__ import annotations

import argparse
import datetime

import numba
import numpy as np
from scipy import ndimage

from benchmarks.common import interleaved_medians, machine
from convcli import pool


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n = args.size - args.size % 2
    x = np.random.default_rng(0).random((n, n, n), dtype=np.float32)
    print(f"# 3-D pooling, float32 {n}^3; {machine()}, {numba.get_num_threads()} Numba threads; "
          f"{datetime.date.today().isoformat()}")
    print("| case | convcli s | other s | convcli/other time | max abs diff |")
    print("|---|---|---|---|---|")
    ours = lambda: pool(x, size=2, volume=True)  # noqa: E731
    others = {
        "NumPy reshape+max": lambda: x.reshape(n // 2, 2, n // 2, 2, n // 2, 2).max(axis=(1, 3, 5)),
        "ndimage.maximum_filter + [::2]": lambda: ndimage.maximum_filter(x, size=2, origin=-1)[::2, ::2, ::2],
    }
    for name, other in others.items():
        t = interleaved_medians({"ours": ours, "other": other}, repeats=args.repeats)
        diff = float(np.abs(ours() - other()).max())
        print(f"| 2x2x2 max, stride 2, vs {name} | {t['ours']:.4f} | {t['other']:.4f} | "
              f"{t['ours'] / t['other']:.3f} | {diff:.1e} |")
    ours = lambda: pool(x, op="avg", size=3, stride=1, padding="same", boundary="reflect", volume=True)  # noqa: E731
    other = lambda: ndimage.uniform_filter(x, size=3, mode="reflect")  # noqa: E731
    t = interleaved_medians({"ours": ours, "other": other}, repeats=args.repeats)
    diff = float(np.abs(ours() - other()).max())
    print(f"| 3x3x3 avg, stride 1, same, reflect vs ndimage.uniform_filter | {t['ours']:.4f} | "
          f"{t['other']:.4f} | {t['ours'] / t['other']:.3f} | {diff:.1e} |")


if __name__ == "__main__":
    main()
