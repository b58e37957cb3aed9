"""A Gabor bank (8 orientations x 4 frequencies) on a 1024x1024 image: convcli vs the OpenCV
``getGaborKernel`` + ``filter2D`` loop vs scikit-image ``filters.gabor`` (run: python -m benchmarks.bench_gabor).

Every contender computes the same work: for each filter, the even and the odd (quadrature) response
and the energy ``sqrt(even^2 + odd^2)``, float32, reflect boundary, each kernel at convcli's size.
Times are medians of interleaved runs in one process; ratios below 1 mean convcli is faster.
scikit-image is slow (it filters in float64 with ``ndimage.convolve``), so it is timed on
``--skimage-filters`` filters (spread over the frequencies) and scaled to the whole bank (said in
the output).
"""

from __future__ import annotations

import argparse
import datetime

import cv2
import numpy as np

from benchmarks.common import interleaved_medians, machine
from convcli.gabor import gabor_bank, gabor_filter


def opencv_loop(x, bank):
    out = []
    for i in range(len(bank)):
        n = int(bank.sizes[i])
        t = np.radians(bank.thetas[i])
        lambd = 1.0 / bank.frequencies[i]
        # README's mapping: same theta, psi = -phase (OpenCV's kernel is stored flipped)
        ke = cv2.getGaborKernel((n, n), bank.sigmas[i], t, lambd, bank.gamma, 0.0, ktype=cv2.CV_32F)
        ko = cv2.getGaborKernel((n, n), bank.sigmas[i], t, lambd, bank.gamma, -np.pi / 2, ktype=cv2.CV_32F)
        e = cv2.filter2D(x, -1, ke, borderType=cv2.BORDER_REFLECT)
        o = cv2.filter2D(x, -1, ko, borderType=cv2.BORDER_REFLECT)
        out.append(cv2.magnitude(e, o))
    return out


def skimage_picks(bank, count):
    """``count`` filters spread over the bank's frequencies (one orientation each, round robin)."""
    n_f = len(bank) // bank.n_orientations
    return [(k % n_f) * bank.n_orientations + (k // n_f) % bank.n_orientations for k in range(count)]


def skimage_some(x, bank, picks):
    from skimage.filters import gabor

    for i in picks:
        gabor(x, bank.frequencies[i], theta=np.radians(bank.thetas[i]), sigma_x=bank.sigmas[i],
              sigma_y=bank.sigmas[i] / bank.gamma, n_stds=3, mode="reflect")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--orientations", type=int, default=8)
    parser.add_argument("--frequencies", default="0.05,0.1,0.2,0.4")
    parser.add_argument("--gamma", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skimage-filters", type=int, default=4,
                        help="filters timed for scikit-image, spread over the frequencies (0: skip)")
    args = parser.parse_args()
    freqs = [float(f) for f in args.frequencies.split(",")]
    bank = gabor_bank(args.orientations, freqs, gamma=args.gamma)
    x = np.random.default_rng(0).random((args.size, args.size), dtype=np.float32) * 255
    funcs = {
        "convcli": lambda: gabor_filter(x, bank),
        "convcli-fft": lambda: gabor_filter(x, bank, method="fft"),
        "opencv": lambda: opencv_loop(x, bank),
    }
    if args.gamma != 1.0:
        del funcs["convcli-fft"]
    sk = max(0, min(args.skimage_filters, len(bank)))
    if sk:
        picks = skimage_picks(bank, sk)
        funcs["skimage"] = lambda: skimage_some(x, bank, picks)
    t = interleaved_medians(funcs, repeats=args.repeats)
    if sk:
        t["skimage"] *= len(bank) / sk
    print(f"# Gabor bank {args.orientations}x{len(freqs)} (frequencies {args.frequencies}, gamma {args.gamma}, "
          f"sizes {sorted(set(bank.sizes.tolist()))}), float32 {args.size}x{args.size}, even+odd+energy; "
          f"{machine()}; {datetime.date.today().isoformat()}")
    if sk:
        print(f"# scikit-image timed on {sk} of {len(bank)} filters (spread over the frequencies) "
              f"and scaled x{len(bank) / sk:g}")
    print("| method | time per bank (s) | convcli time / this |")
    print("|---|---|---|")
    for name, sec in t.items():
        print(f"| {name} | {sec:.3f} | {t['convcli'] / sec:.3f} |")


if __name__ == "__main__":
    main()
