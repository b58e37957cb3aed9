"""Channels-last (RGB) images vs OpenCV: python -m benchmarks.bench_channels.

A 3x3 random kernel (``cv2.filter2D``) and a Gaussian sigma = 2 (``cv2.sepFilter2D``), reflect
boundary, on a 2048x2048x3 float32 image and on the same image as uint8 (float32 output for both
libraries: ``ddepth=cv2.CV_32F``). Prints convcli's and OpenCV's milliseconds and their ratio
(medians of interleaved runs in one process; below 1 means convcli is faster).
"""

from __future__ import annotations

import argparse
import datetime

import cv2
import numpy as np

from benchmarks.common import interleaved_medians, machine
from convcli import convolve
from convcli.builtin_kernels import gaussian_1d


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    xf = rng.random((args.size, args.size, 3), dtype=np.float32)
    xu = (xf * 255).astype(np.uint8)
    k = rng.random((3, 3)).astype(np.float32)
    flipped = np.ascontiguousarray(k[::-1, ::-1])
    g = gaussian_1d(2.0)
    g32 = g.astype(np.float32)
    kg = np.outer(g, g)
    print(f"# channels-last {args.size}x{args.size}x3, reflect; {machine()}; {datetime.date.today().isoformat()}")
    print("| input | kernel | convcli ms | OpenCV ms | convcli/OpenCV |")
    print("|---|---|---|---|---|")
    for name, x in (("float32", xf), ("uint8", xu)):
        cases = {
            "3×3": ({"convcli": lambda x=x: convolve(x, k),
                     "opencv": lambda x=x: cv2.filter2D(x, cv2.CV_32F, flipped, borderType=cv2.BORDER_REFLECT)}),
            "Gaussian σ=2": ({"convcli": lambda x=x: convolve(x, kg),
                              "opencv": lambda x=x: cv2.sepFilter2D(x, cv2.CV_32F, g32, g32,
                                                                    borderType=cv2.BORDER_REFLECT)}),
        }
        for kernel, funcs in cases.items():
            t = interleaved_medians(funcs, repeats=args.repeats)
            print(f"| {name} | {kernel} | {t['convcli'] * 1e3:.1f} | {t['opencv'] * 1e3:.1f} | "
                  f"{t['convcli'] / t['opencv']:.2f} |")


if __name__ == "__main__":
    main()
