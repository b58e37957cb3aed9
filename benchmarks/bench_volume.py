"""convcli 3-D convolution vs scipy.ndimage on a float32 volume (run: python -m benchmarks.bench_volume).

Two cases on a 256^3 float32 volume, reflect boundary (= ndimage 'reflect'):

- a random 5x5x5 kernel: convcli's direct 3-D kernel vs ``ndimage.convolve``;
- a 3-D Gaussian sigma=2 (13x13x13 = ``gaussian3d:sigma=2``): convcli (auto: separable, three 1-D
  passes) vs ``ndimage.gaussian_filter`` (also separable, same 13 taps: truncate=3) and, with
  ``--direct``, convcli's direct 3-D loop over all 2197 taps (the O(w^d) vs O(w*d) point).

Prints medians of interleaved runs in one process and time ratios (convcli / SciPy; below 1 means
convcli is faster), plus the largest difference from SciPy's result.
"""

from __future__ import annotations

import argparse
import datetime

import numba
import numpy as np
from scipy import ndimage

from benchmarks.common import interleaved_medians, machine
from convcli import convolve
from convcli.builtin_kernels import lookup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--direct", action="store_true", help="also time the direct 13^3 Gaussian (slow)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = args.size
    x = rng.random((n, n, n), dtype=np.float32)
    voxels = x.size
    print(f"# volume, float32 {n}^3, reflect boundary; {machine()}, {numba.get_num_threads()} Numba threads; "
          f"{datetime.date.today().isoformat()}")
    print("| case | convcli s | SciPy s | convcli Mvox/s | SciPy Mvox/s | convcli/SciPy time | max abs diff |")
    print("|---|---|---|---|---|---|---|")

    k = rng.random((5, 5, 5)).astype(np.float32)
    mine, theirs = convolve(x, k), ndimage.convolve(x, k, mode="reflect")
    t = interleaved_medians({"convcli": lambda: convolve(x, k),
                             "scipy": lambda: ndimage.convolve(x, k, mode="reflect")},
                            repeats=args.repeats)
    _row("5x5x5 random (direct)", t, voxels, float(np.abs(mine - theirs).max()))

    g = lookup("gaussian3d").build({"sigma": 2.0})
    radius = (g.shape[0] - 1) // 2
    mine = convolve(x, g)
    theirs = ndimage.gaussian_filter(x, 2.0, mode="reflect", truncate=radius / 2.0)
    t = interleaved_medians({"convcli": lambda: convolve(x, g),
                             "scipy": lambda: ndimage.gaussian_filter(x, 2.0, mode="reflect",
                                                                      truncate=radius / 2.0)},
                            repeats=args.repeats)
    _row(f"gaussian3d:sigma=2 ({g.shape[0]}^3, separable) vs gaussian_filter", t, voxels,
         float(np.abs(mine - theirs).max()))
    if args.direct:
        t_direct = interleaved_medians({"convcli": lambda: convolve(x, g, method="direct")}, repeats=1, warmup=0)
        direct = convolve(x, g, method="direct")
        t_direct["scipy"] = t["scipy"]
        _row(f"gaussian3d:sigma=2 ({g.shape[0]}^3, direct) vs gaussian_filter", t_direct, voxels,
             float(np.abs(direct - theirs).max()))


def _row(name: str, t: dict, voxels: int, diff: float) -> None:
    mine, theirs = t["convcli"], t["scipy"]
    print(f"| {name} | {mine:.3f} | {theirs:.3f} | {voxels / mine / 1e6:.0f} | {voxels / theirs / 1e6:.0f} | "
          f"{mine / theirs:.3f} | {diff:.1e} |")


if __name__ == "__main__":
    main()
