"""convcli vs OpenCV filter2D vs scipy.ndimage.convolve, float32 2048x2048 (run: python -m benchmarks.bench_filter).

Prints Mpix/s and time ratios (convcli / other; below 1 means convcli is faster), medians of
interleaved runs in one process, same boundary rule (reflect = BORDER_REFLECT = ndimage 'reflect').
"""

from __future__ import annotations

import argparse
import datetime

import cv2
import numpy as np
from scipy import ndimage

from benchmarks.common import interleaved_medians, machine
from convcli import convolve


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--kernels", default="3,5,7,15")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-scipy", action="store_true", help="skip scipy (slow for large kernels)")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for convcli (Numba) and OpenCV (default: theirs)")
    args = parser.parse_args()
    if args.threads:
        import numba

        numba.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.random((args.size, args.size), dtype=np.float32)
    print(f"# filter, float32 {args.size}x{args.size}, reflect boundary; {machine()}; "
          f"{datetime.date.today().isoformat()}" + (f"; {args.threads} thread(s)" if args.threads else ""))
    print("| kernel | convcli Mpix/s | OpenCV Mpix/s | SciPy Mpix/s | convcli/OpenCV time | convcli/SciPy time |")
    print("|---|---|---|---|---|---|")
    for size in (int(s) for s in args.kernels.split(",")):
        k = rng.random((size, size)).astype(np.float32)
        flipped = np.ascontiguousarray(k[::-1, ::-1])
        funcs = {
            "convcli": lambda k=k: convolve(x, k, boundary="reflect"),
            "opencv": lambda f=flipped: cv2.filter2D(x, -1, f, borderType=cv2.BORDER_REFLECT),
        }
        if not args.no_scipy:
            funcs["scipy"] = lambda k=k: ndimage.convolve(x, k, mode="reflect")
        t = interleaved_medians(funcs, repeats=args.repeats if size < 15 else 3)
        mp = {name: x.size / sec / 1e6 for name, sec in t.items()}
        sc = f"{mp['scipy']:.0f}" if "scipy" in mp else "-"
        sr = f"{t['convcli'] / t['scipy']:.3f}" if "scipy" in t else "-"
        print(f"| {size}x{size} | {mp['convcli']:.0f} | {mp['opencv']:.0f} | {sc} | "
              f"{t['convcli'] / t['opencv']:.2f} | {sr} |")


if __name__ == "__main__":
    main()
